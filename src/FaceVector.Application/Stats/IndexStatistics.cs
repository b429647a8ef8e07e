using FaceVector.Index;

namespace FaceVector.Application.Stats;

/// <summary>What an index holds, as every API reports it.</summary>
/// <param name="Images">Indexed photos, counted by distinct path: a photo copied to two paths is two indexed images (each is found by its own path).</param>
public sealed record IndexStats(long Faces, long Images, string Collection, string? ModelId, int? VectorSize);

/// <summary>The one image count: CLI <c>stats</c>, gRPC GetStats and the web page all call this.</summary>
public static class IndexStatistics
{
    public static async Task<IndexStats> ReadAsync(IFaceIndex index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        CollectionInfo? collection = await index.GetCollectionAsync(cancellationToken).ConfigureAwait(false);
        if (collection is null)
        {
            return new IndexStats(0, 0, index.Collection, null, null);
        }

        FaceIndexTally tally = await index.TallyAsync(cancellationToken).ConfigureAwait(false);
        return new IndexStats(tally.Faces, tally.Images, collection.Name, collection.ModelId, collection.VectorSize);
    }
}
