using FaceVector.Index;
using FaceVector.Ingestion;
using FaceVector.People;

namespace FaceVector.Application.Ingest;

/// <summary>What the people step of an ingest run did.</summary>
/// <param name="Active">The store has people (clustered before), so new faces were offered to them.</param>
/// <param name="FacesAssigned">New faces that joined a person or formed a new one.</param>
/// <param name="PeopleCreated">Persons formed from new faces.</param>
/// <param name="Failures">Batches whose people step failed (logged; their faces are indexed all the same).</param>
public sealed record PeopleIngestSummary(bool Active, int FacesAssigned, int PeopleCreated, int Failures);

/// <summary>
/// The ingest hook of people (docs/people.md): once a store's faces have been clustered into people, every committed
/// ingest batch's new faces go to <see cref="PeopleService.AddFacesAsync"/> (the incremental step: they join the
/// person their neighbours agree on, or form new ones), without a re-cluster. A store without people is left alone
/// (clustering is the user's choice: <c>facevector people cluster</c>).
/// </summary>
public sealed class PeopleIngestHook(IFaceIndex index, FaceIndexOptions store, float minFaceSize) : IIngestBatchHook, IDisposable
{
    private PeopleService? _people;
    private int _assigned, _created, _failures;

    public string Name => "people";

    public PeopleIngestSummary Summary => new(_people is not null, _assigned, _created, _failures);

    public async Task CommittedAsync(IReadOnlyList<Guid> faceIds, CancellationToken cancellationToken)
    {
        try
        {
            // Looked up per batch until found (cheap: one read-only check), so people clustered while a worker runs are kept up too.
            _people ??= PeopleService.OpenExisting(index, store, minFaceSize);
            if (_people is null)
            {
                return;
            }

            ClusterReport report = await _people.AddFacesAsync(faceIds, cancellationToken).ConfigureAwait(false);
            _assigned += report.FacesAssigned;
            _created += report.PeopleCreated;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _failures++;
            throw;
        }
    }

    public void Dispose() => _people?.Store.Dispose();
}
