using System.Runtime.CompilerServices;

namespace FaceVector.Index;

public static class FaceIndexScanExtensions
{
    /// <summary>
    /// Every face of the index (or of <paramref name="filter"/>), page by page through <see cref="IFaceIndex.ListAsync"/>:
    /// one loop over the paging protocol for every caller that needs the whole collection.
    /// </summary>
    public static async IAsyncEnumerable<FacePoint> ScanAsync(this IFaceIndex index, int pageSize = 1000, FaceFilter? filter = null, bool withVectors = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        string? offset = null;
        do
        {
            FacePage page = await index.ListAsync(pageSize, offset, filter, withVectors, cancellationToken).ConfigureAwait(false);
            foreach (FacePoint point in page.Points)
            {
                yield return point;
            }

            offset = page.NextOffset;
        }
        while (offset is not null);
    }
}
