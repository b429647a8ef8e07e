namespace FaceVector.Index;

/// <summary>A face's nearest other faces, best first (the face itself is never among them).</summary>
public sealed record FaceNeighbours(Guid Id, IReadOnlyList<Guid> Ids, IReadOnlyList<float> Scores);

/// <summary>
/// Optional capability of a store: the k nearest neighbours of many faces at once (a k-nearest-neighbour graph), done
/// inside the store instead of one search request per face. The embedded store implements it on its in-memory table;
/// callers fall back to one <see cref="IFaceIndex.SearchAsync"/> per face for stores that do not (Qdrant).
/// </summary>
public interface IFaceNeighbourSearch
{
    /// <summary>
    /// For each face in <paramref name="ids"/> (every face when null; unknown ids are left out) its at most
    /// <paramref name="k"/> nearest other faces with a score of at least <paramref name="minScore"/>. Large
    /// collections may be answered approximately (a partition of the vectors is probed instead of all of them).
    /// </summary>
    Task<IReadOnlyList<FaceNeighbours>> NeighboursAsync(IReadOnlyList<Guid>? ids, int k, float minScore, CancellationToken cancellationToken = default);
}
