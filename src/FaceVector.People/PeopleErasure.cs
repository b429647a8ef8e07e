using FaceVector.Index;
using FaceVector.People.Storage;

namespace FaceVector.People;

/// <summary>
/// The people step of erasure: deleted faces leave their persons, persons left without faces disappear, and persons
/// that lost a face get their cover chosen again. Called by the one erasure path (<c>FaceErasure</c> in
/// FaceVector.Application) that every delete route (CLI, gRPC DeleteImages, HTTP DELETE /api/images) goes through.
/// </summary>
public static class PeopleErasure
{
    /// <summary>Forgets the faces in the people store of this index, if it has one; returns how many people disappeared.</summary>
    public static async Task<int> ForgetAsync(IFaceIndex index, FaceIndexOptions options, IReadOnlyList<Guid> ids, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ids);
        string path = PeopleStoreLocation.For(options);
        if (ids.Count == 0 || !PeopleStore.Exists(path))
        {
            return 0;
        }

        using var store = new PeopleStore(path, options.Collection);
        // Forgetting and re-choosing covers use neither threshold nor face size.
        var people = new PeopleService(index, store, new PeopleOptions { LinkThreshold = store.LinkThreshold ?? 0f, MinFaceSize = 0f });
        return (await people.ForgetFacesAsync(ids, ct).ConfigureAwait(false)).Count;
    }
}
