namespace FaceVector.Index;

/// <summary>
/// A store of face embeddings with payload, searched by cosine similarity. The embedded SQLite store and the
/// Qdrant adapter both implement it, so callers (CLI, query service, ingest worker) never know which one they use.
/// </summary>
public interface IFaceIndex : IAsyncDisposable
{
    /// <summary>Name of the collection this instance works on.</summary>
    string Collection { get; }

    /// <summary>
    /// Creates the collection if it is missing; if it exists, checks that its vector size and model identity match
    /// and throws <see cref="ModelMismatchException"/> otherwise.
    /// </summary>
    Task<CollectionInfo> EnsureCollectionAsync(CollectionSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Reads the collection's description, or null when it does not exist.</summary>
    Task<CollectionInfo?> GetCollectionAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces faces, all or nothing for the batch. Every face must carry the collection's model.</summary>
    Task UpsertAsync(IReadOnlyList<FacePoint> faces, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the faces of a batch of images in one step: afterwards each named image holds exactly the faces given
    /// for it (none when its list is empty) and every other image is untouched. The embedded store does it in one
    /// transaction (all or nothing, also after a crash); Qdrant in one upsert and one delete (a failure between them
    /// leaves the old faces beside the new until the batch is re-run; the call is idempotent). Every face must carry
    /// the collection's model and its image's path.
    /// </summary>
    Task ReplaceImagesAsync(IReadOnlyList<ImageReplacement> images, CancellationToken cancellationToken = default);

    /// <summary>Top-N faces by cosine similarity; scores greater than or equal to the threshold are kept (<see cref="Core.Search.ScoreThreshold"/>).</summary>
    Task<IReadOnlyList<FaceMatch>> SearchAsync(FaceQuery query, CancellationToken cancellationToken = default);

    /// <summary>Points by id, with vectors when asked; ids not found are left out.</summary>
    Task<IReadOnlyList<FacePoint>> GetAsync(IReadOnlyList<Guid> ids, bool withVectors = false, CancellationToken cancellationToken = default);

    Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default);

    /// <summary>Deletes every face matching the filter; returns how many were deleted.</summary>
    Task<long> DeleteAsync(FaceFilter filter, CancellationToken cancellationToken = default);

    Task<long> CountAsync(FaceFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>Pages through the faces in a stable order; pass the returned offset to continue, null when done.</summary>
    Task<FacePage> ListAsync(int limit, string? offset = null, FaceFilter? filter = null, bool withVectors = false, CancellationToken cancellationToken = default);
}
