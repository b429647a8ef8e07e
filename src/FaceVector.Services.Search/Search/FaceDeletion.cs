using FaceVector.Application.Search;
using FaceVector.Index;
using FaceVector.Ingestion;
using FaceVector.Ingestion.Erasure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Search;

/// <summary>
/// Deleting faces from a server (gRPC DeleteImages, HTTP <c>DELETE /api/images</c>): the one erasure rule (FaceErasure),
/// with the ingest journal when the server can reach it (<c>FaceVector:Index:JournalPath</c>, the web page's
/// <c>FaceVector:Web:JournalPath</c> that <c>serve</c> sets, or the default journal of the store), so that it forgets
/// photos left without a face. Where it cannot (a search service in another container than the worker), the ingest
/// pipeline notices the missing faces itself and embeds the photo again on its next run.
/// </summary>
public sealed class FaceDeletion(FaceSearcher searcher, IOptions<FaceIndexOptions> store, IConfiguration config)
{
    private readonly SemaphoreSlim _journalGate = new(1, 1);

    public async Task<ErasedFaces> DeleteAsync(FaceFilter? filter, string field, CancellationToken ct)
    {
        string journalPath = config["FaceVector:Index:JournalPath"] ?? config["FaceVector:Web:JournalPath"] ?? IngestJournal.DefaultPathFor(store.Value);
        await _journalGate.WaitAsync(ct);
        try
        {
            // Opened per deletion: the journal belongs to the indexer, the server only forgets what it deleted.
            using IngestJournal? journal = File.Exists(journalPath) ? new IngestJournal(journalPath) : null;
            return await Application.Erasure.FaceErasure.EraseAsync(searcher.Index, store.Value, filter, field, journal, ct);
        }
        finally
        {
            _journalGate.Release();
        }
    }
}
