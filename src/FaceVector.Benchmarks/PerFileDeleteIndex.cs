using FaceVector.Index;

namespace FaceVector.Benchmarks;

/// <summary>
/// The BASELINE writer for <c>bench ingest</c>: how ingest wrote before <see cref="IFaceIndex.ReplaceImagesAsync"/>
/// existed. A replace becomes one <c>DeleteAsync(filter by path)</c> per file (new files included: on the embedded store
/// a write transaction, an fsync and a scan of the in-memory table each), then the batch's faces upserted in chunks of
/// 256. Kept only here, so the benchmark can measure the old path against the new one in the same run.
/// </summary>
public sealed class PerFileDeleteIndex(IFaceIndex inner) : IFaceIndex
{
    public string Collection => inner.Collection;

    public async Task ReplaceImagesAsync(IReadOnlyList<ImageReplacement> images, CancellationToken cancellationToken = default)
    {
        foreach (ImageReplacement image in images)
        {
            await inner.DeleteAsync(new FaceFilter { ImagePath = image.ImagePath }, cancellationToken).ConfigureAwait(false);
        }

        foreach (FacePoint[] chunk in images.SelectMany(i => i.Faces).Chunk(256))
        {
            await inner.UpsertAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<CollectionInfo> EnsureCollectionAsync(CollectionSpec spec, CancellationToken cancellationToken = default) => inner.EnsureCollectionAsync(spec, cancellationToken);

    public Task<CollectionInfo?> GetCollectionAsync(CancellationToken cancellationToken = default) => inner.GetCollectionAsync(cancellationToken);

    public Task UpsertAsync(IReadOnlyList<FacePoint> faces, CancellationToken cancellationToken = default) => inner.UpsertAsync(faces, cancellationToken);

    public Task<IReadOnlyList<FaceMatch>> SearchAsync(FaceQuery query, CancellationToken cancellationToken = default) => inner.SearchAsync(query, cancellationToken);

    public Task<IReadOnlyList<FacePoint>> GetAsync(IReadOnlyList<Guid> ids, bool withVectors = false, CancellationToken cancellationToken = default) =>
        inner.GetAsync(ids, withVectors, cancellationToken);

    public Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default) => inner.DeleteAsync(ids, cancellationToken);

    public Task<long> DeleteAsync(FaceFilter filter, CancellationToken cancellationToken = default) => inner.DeleteAsync(filter, cancellationToken);

    public Task<long> CountAsync(FaceFilter? filter = null, CancellationToken cancellationToken = default) => inner.CountAsync(filter, cancellationToken);

    public Task<FacePage> ListAsync(int limit, string? offset = null, FaceFilter? filter = null, bool withVectors = false, CancellationToken cancellationToken = default) =>
        inner.ListAsync(limit, offset, filter, withVectors, cancellationToken);

    /// <summary>The wrapped store belongs to the caller.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
