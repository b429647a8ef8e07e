using FaceVector.Index;
using FaceVector.Ingestion;
using FaceVector.Ingestion.Erasure;
using Microsoft.Extensions.Configuration;

namespace FaceVector.Services.Search;

/// <summary>
/// Deleting faces from a server (gRPC DeleteImages, HTTP <c>DELETE /api/images</c>): the same erasure as the CLI's,
/// so the ingest journal forgets photos left without a face when the server can reach it
/// (<c>FaceVector:Index:JournalPath</c>, or the web page's <c>FaceVector:Web:JournalPath</c> that <c>serve</c> sets).
/// Where it cannot (a search service in another container than the worker), the ingest pipeline notices the
/// missing faces itself and embeds the photo again on the next run.
/// </summary>
public sealed class FaceDeletion(IFaceIndex index, IConfiguration config)
{
    private readonly SemaphoreSlim _journalGate = new(1, 1);

    public async Task<ErasedFaces> DeleteAsync(FaceFilter filter, CancellationToken ct)
    {
        string? journalPath = config["FaceVector:Index:JournalPath"] ?? config["FaceVector:Web:JournalPath"];
        await _journalGate.WaitAsync(ct);
        try
        {
            // Opened per deletion: the journal belongs to the indexer, the server only forgets what it deleted.
            using IngestJournal? journal = journalPath is not null && File.Exists(journalPath) ? new IngestJournal(journalPath) : null;
            return await FaceEraser.EraseAsync(index, filter, journal, ct);
        }
        finally
        {
            _journalGate.Release();
        }
    }
}
