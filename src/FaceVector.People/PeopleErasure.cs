using FaceVector.Index;
using FaceVector.People.Storage;

namespace FaceVector.People;

/// <summary>
/// Deleting faces from the index also deletes what people knew about them (and people left without faces): every
/// delete route (CLI <c>delete</c>, gRPC <c>DeleteImages</c>) reads the ids it is about to delete, deletes, then forgets them.
/// </summary>
public static class PeopleErasure
{
    public static async Task<IReadOnlyList<Guid>> MatchingIdsAsync(IFaceIndex index, FaceFilter? filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (filter is null || filter.IsEmpty)
        {
            return []; // refused by the delete itself
        }

        if (await index.GetCollectionAsync(ct) is null)
        {
            return [];
        }

        var ids = new List<Guid>();
        string? offset = null;
        do
        {
            FacePage page = await index.ListAsync(1000, offset, filter, withVectors: false, ct);
            ids.AddRange(page.Points.Select(p => p.Id));
            offset = page.NextOffset;
        } while (offset is not null);
        return ids;
    }

    /// <summary>Forgets the faces in the people store of this index, if it has one; returns how many people disappeared.</summary>
    public static int Forget(FaceIndexOptions options, IReadOnlyList<Guid> ids)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ids);
        string path = PeopleStoreLocation.For(options);
        if (ids.Count == 0 || !PeopleStore.Exists(path))
        {
            return 0;
        }

        using var store = new PeopleStore(path, options.Collection);
        return store.Write(w =>
        {
            foreach (Guid id in ids)
            {
                w.ForgetFace(id);
            }

            return w.DeleteEmptyPersons().Count;
        });
    }
}
