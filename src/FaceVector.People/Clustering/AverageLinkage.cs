using System.Numerics.Tensors;

namespace FaceVector.People.Clustering;

/// <summary>
/// Agglomerative clustering with average linkage, restricted to the kNN graph. For unit vectors the mean cosine
/// similarity over all face pairs of two groups equals the dot product of their vector sums divided by the product of
/// their sizes, so average linkage is exact without any all-pairs matrix; only which groups are compared comes from
/// the graph (groups with at least one kNN edge between them). Groups merge, best pair first, while the mean
/// similarity is at least the threshold: two groups are one person when their faces match on average by the
/// recognizer's own verification rule. One stray high-scoring pair cannot chain two people together (single linkage's
/// failure), and a large person is never cut apart for lack of edges (the sums see every face).
/// </summary>
public static class AverageLinkage
{
    public static GraphClusters Cluster(FaceGraph graph, float threshold, int minFaces)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var n = graph.Count;
        var parent = new int[n];
        var size = new int[n];
        var version = new int[n];
        var sums = new float[n][];
        var seed = new long?[n];
        var banned = new HashSet<long>?[n];
        var neighbours = new HashSet<int>[n];
        for (var i = 0; i < n; i++)
        {
            parent[i] = i;
            size[i] = 1;
            sums[i] = graph.Vectors[i];
            seed[i] = graph.Seeds.TryGetValue(i, out var s) ? s : null;
            banned[i] = graph.CannotLink.TryGetValue(i, out var b) ? [.. b] : null;
            neighbours[i] = [.. graph.Edges(i).Select(e => e.Node)];
        }

        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }

        bool MayMerge(int a, int b) =>
            !(seed[a] is long sa && seed[b] is long sb && sa != sb)
            && !(seed[a] is long pa && banned[b]?.Contains(pa) == true)
            && !(seed[b] is long pb && banned[a]?.Contains(pb) == true);

        float Linkage(int a, int b) => TensorPrimitives.Dot(sums[a], sums[b]) / ((float)size[a] * size[b]);

        void Union(int into, int from)
        {
            var sum = new float[sums[into].Length];
            TensorPrimitives.Add(sums[into], sums[from], sum);
            sums[into] = sum;
            sums[from] = [];
            parent[from] = into;
            size[into] += size[from];
            seed[into] ??= seed[from];
            if (banned[from] is { } fromBanned) (banned[into] ??= []).UnionWith(fromBanned);
            neighbours[into].UnionWith(neighbours[from]);
            neighbours[from] = [];
            version[into]++;
            version[from]++;
        }

        // Seeds (the user's groups) are one cluster from the start.
        var seedRoot = new Dictionary<long, int>();
        for (var i = 0; i < n; i++)
        {
            if (seed[i] is not long s) continue;
            if (seedRoot.TryGetValue(s, out var root)) Union(Find(root), i);
            else seedRoot[s] = i;
        }

        // Max-heap of candidate pairs; entries go stale when either side changes and are skipped then.
        var heap = new PriorityQueue<(int A, int B, int VersionA, int VersionB), float>(Comparer<float>.Create((x, y) => y.CompareTo(x)));
        void Push(int a, int b)
        {
            if (a == b || !MayMerge(a, b)) return;
            var linkage = Linkage(a, b);
            if (linkage >= threshold) heap.Enqueue((a, b, version[a], version[b]), linkage);
        }

        for (var i = 0; i < n; i++)
        {
            var a = Find(i);
            foreach (var (j, _) in graph.Edges(i))
            {
                var b = Find(j);
                if (i < j) Push(a, b);
            }
        }

        while (heap.TryDequeue(out var pair, out _))
        {
            var (a, b) = (pair.A, pair.B);
            if (parent[a] != a || parent[b] != b || version[a] != pair.VersionA || version[b] != pair.VersionB) continue;
            var (into, from) = size[a] >= size[b] ? (a, b) : (b, a);
            Union(into, from);
            var roots = new HashSet<int>();
            foreach (var x in neighbours[into])
            {
                var r = Find(x);
                if (r != into) roots.Add(r);
            }
            neighbours[into] = roots;
            foreach (var r in roots) Push(into, r);
        }

        var labels = new int[n];
        for (var i = 0; i < n; i++) labels[i] = Find(i);
        return GraphClusters.FromLabels(labels, minFaces, i => seed[i] is not null);
    }
}
