namespace FaceVector.Index;

/// <summary>What an index holds: faces, the photos (paths) they come from, and the distinct photo contents (hashes).</summary>
public sealed record FaceIndexTally(long Faces, int Images, int DistinctContents);

public static class FaceIndexTallyExtensions
{
    /// <summary>
    /// Counts faces, photos and distinct contents in one pass over the payloads: <see cref="IFaceIndex"/> has no
    /// distinct count, and one pass is fine at the scale one machine serves.
    /// </summary>
    public static async Task<FaceIndexTally> TallyAsync(this IFaceIndex index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        long faces = 0;
        if (await index.GetCollectionAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            return new FaceIndexTally(0, 0, 0);
        }

        await foreach (FacePoint point in index.ScanAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            paths.Add(point.Payload.ImagePath);
            hashes.Add(point.Payload.ImageHash);
            faces++;
        }

        return new FaceIndexTally(faces, paths.Count, hashes.Count);
    }
}
