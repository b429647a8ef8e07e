using FaceVector.Application.Search;
using FaceVector.Index;
using FaceVector.Ingestion;
using FaceVector.People;
using FaceVector.People.Storage;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Search;

/// <summary>
/// The people of the server's index, opened on first use: the people store beside the index (the index's own file,
/// or the per-user file for Qdrant) and the link threshold the people were made with, else the recognizer's
/// recommended threshold as the embedding service reports it.
/// </summary>
public sealed class PeopleProvider(FaceSearcher searcher, IOptions<FaceIndexOptions> store) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PeopleService? _people;

    public async Task<PeopleService> GetAsync(CancellationToken cancellationToken)
    {
        if (_people is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_people is null)
            {
                var options = store.Value;
                var peopleStore = new PeopleStore(PeopleStoreLocation.For(options), options.Collection);
                var threshold = peopleStore.LinkThreshold ?? (await searcher.GetModelAsync(cancellationToken)).RecommendedThreshold;
                _people = new PeopleService(searcher.Index, peopleStore, new PeopleOptions { LinkThreshold = threshold, MinFaceSize = QualityGates.DefaultMinFaceSize });
            }

            return _people;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _people?.Store.Dispose();
        _gate.Dispose();
    }
}
