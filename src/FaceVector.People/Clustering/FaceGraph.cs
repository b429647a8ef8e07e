namespace FaceVector.People.Clustering;

/// <summary>
/// The faces to cluster as nodes 0..n-1: their unit vectors and their k-nearest-neighbour edges (score ≥ the link
/// threshold), plus the user's corrections as constraints. Edges are kept in both directions.
/// </summary>
public sealed class FaceGraph
{
    private readonly List<(int Node, float Score)>[] _edges;

    public FaceGraph(IReadOnlyList<Guid> ids, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(vectors);
        if (ids.Count != vectors.Count) throw new ArgumentException("One vector per face id is needed.", nameof(vectors));
        Ids = ids;
        Vectors = vectors;
        _edges = new List<(int, float)>[ids.Count];
        for (var i = 0; i < _edges.Length; i++) _edges[i] = [];
        var nodeOf = new Dictionary<Guid, int>(ids.Count);
        for (var i = 0; i < ids.Count; i++) nodeOf[ids[i]] = i;
        NodeOf = nodeOf;
    }

    public IReadOnlyList<Guid> Ids { get; }
    public IReadOnlyList<float[]> Vectors { get; }
    public IReadOnlyDictionary<Guid, int> NodeOf { get; }
    public int Count => Ids.Count;

    /// <summary>Node → seed group: faces the user put into a person (merge, split). Seeds start as one cluster and two seeds never merge.</summary>
    public Dictionary<int, long> Seeds { get; } = [];

    /// <summary>Node → persons it must never join ("not this person").</summary>
    public Dictionary<int, HashSet<long>> CannotLink { get; } = [];

    public IReadOnlyList<(int Node, float Score)> Edges(int node) => _edges[node];

    /// <summary>Adds the edge both ways, once (the kNN lists of both ends usually contain it).</summary>
    public void Link(int a, int b, float score)
    {
        if (a == b) return;
        if (!_edges[a].Exists(e => e.Node == b)) _edges[a].Add((b, score));
        if (!_edges[b].Exists(e => e.Node == a)) _edges[b].Add((a, score));
    }

    public long EdgeCount => _edges.Sum(e => (long)e.Count) / 2;
}

/// <summary>A clustering of a <see cref="FaceGraph"/>: cluster index per node, -1 for faces left unassigned.</summary>
public sealed record GraphClusters(int[] ClusterOf, int ClusterCount)
{
    /// <summary>Renumbers clusters 0..m-1, dropping those smaller than <paramref name="minFaces"/> (unless seeded) to -1.</summary>
    public static GraphClusters FromLabels(int[] labels, int minFaces, Func<int, bool>? keepSmall = null)
    {
        var sizes = new Dictionary<int, int>();
        var keep = new HashSet<int>();
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0) continue;
            sizes[labels[i]] = sizes.GetValueOrDefault(labels[i]) + 1;
            if (keepSmall?.Invoke(i) == true) keep.Add(labels[i]);
        }
        var renumber = new Dictionary<int, int>();
        var result = new int[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label < 0 || (sizes[label] < minFaces && !keep.Contains(label))) { result[i] = -1; continue; }
            if (!renumber.TryGetValue(label, out var index)) renumber[label] = index = renumber.Count;
            result[i] = index;
        }
        return new GraphClusters(result, renumber.Count);
    }
}

/// <summary>The clustering methods measured for people (docs/people.md has the numbers).</summary>
public enum ClusteringMethod
{
    /// <summary>Average linkage restricted to kNN edges: merge while the mean similarity of all face pairs across two groups ≥ the threshold.</summary>
    AverageLinkage,
    /// <summary>Chinese whispers (Biemann 2006; dlib's face clustering) on the thresholded kNN graph.</summary>
    ChineseWhispers,
    /// <summary>Connected components of the thresholded kNN graph (single linkage): the baseline.</summary>
    ConnectedComponents,
}
