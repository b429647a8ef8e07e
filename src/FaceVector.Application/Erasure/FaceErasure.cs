using FaceVector.Application.Errors;
using FaceVector.Application.Search;
using FaceVector.Index;
using FaceVector.Ingestion;
using FaceVector.Ingestion.Erasure;
using FaceVector.People;

namespace FaceVector.Application.Erasure;

/// <summary>
/// The one deletion rule of every route (CLI <c>delete</c>/<c>erase</c> by path, folder or tag; gRPC DeleteImages;
/// HTTP <c>DELETE /api/images</c>): the filter validated (an empty one, every face, is refused), the faces erased from
/// the store (rows overwritten, WAL emptied), photos left without a face forgotten by the journal so that re-indexing
/// brings them back, and the people built from the faces kept true (faces gone from persons, empty persons removed,
/// covers chosen again).
/// </summary>
public static class FaceErasure
{
    public static async Task<ErasedFaces> EraseAsync(IFaceIndex index, FaceIndexOptions store, FaceFilter? filter, string field,
        IngestJournal? journal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(store);
        SearchRules.ValidateFilter(filter, field);
        if (filter is null || filter.IsEmpty)
        {
            throw FaceVectorException.InvalidArgument(field, "empty: it would delete every face; give a path, prefix, hash or tags");
        }

        ErasedFaces erased = await FaceEraser.EraseAsync(index, filter, journal, cancellationToken).ConfigureAwait(false);
        // After the faces are gone: a failure here leaves people stale (the next 'people cluster' catches up), never faces undeleted.
        await PeopleErasure.ForgetAsync(index, store, erased.FaceIds, cancellationToken).ConfigureAwait(false);
        return erased;
    }
}
