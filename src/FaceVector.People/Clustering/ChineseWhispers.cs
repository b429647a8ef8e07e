namespace FaceVector.People.Clustering;

/// <summary>
/// Chinese whispers (Biemann 2006), as dlib clusters faces: every face starts as its own label and repeatedly takes
/// the label with the largest summed edge weight among its neighbours, in a seeded random order, until nothing
/// changes (at most <paramref name="iterations"/> rounds). Seeds keep their seed label; a face never takes the label of
/// a seed it is banned from.
/// </summary>
public static class ChineseWhispers
{
    public static GraphClusters Cluster(FaceGraph graph, float threshold, int minFaces, int iterations = 30)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var n = graph.Count;
        var labels = new int[n];
        var seedLabel = new Dictionary<long, int>();
        var seeded = new bool[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = i;
            if (graph.Seeds.TryGetValue(i, out var s))
            {
                if (!seedLabel.TryGetValue(s, out var l)) seedLabel[s] = l = i;
                labels[i] = l;
                seeded[i] = true;
            }
        }
        var bannedLabels = new Dictionary<int, HashSet<int>>();
        foreach (var (node, persons) in graph.CannotLink)
        {
            bannedLabels[node] = [.. persons.Where(seedLabel.ContainsKey).Select(p => seedLabel[p])];
        }

        var order = Enumerable.Range(0, n).ToArray();
        var random = new Random(20260101);
        var weights = new Dictionary<int, float>();
        for (var round = 0; round < iterations; round++)
        {
            random.Shuffle(order);
            var changed = 0;
            foreach (var i in order)
            {
                if (seeded[i]) continue;
                weights.Clear();
                foreach (var (j, score) in graph.Edges(i))
                {
                    if (score < threshold) continue;
                    weights[labels[j]] = weights.GetValueOrDefault(labels[j]) + score;
                }
                if (weights.Count == 0) continue;
                var banned = bannedLabels.GetValueOrDefault(i);
                var best = weights.Where(w => banned?.Contains(w.Key) != true).OrderByDescending(w => w.Value).ThenBy(w => w.Key).Select(w => (int?)w.Key).FirstOrDefault();
                if (best is int label && label != labels[i])
                {
                    labels[i] = label;
                    changed++;
                }
            }
            if (changed == 0) break;
        }
        return GraphClusters.FromLabels(labels, minFaces, i => seeded[i]);
    }
}

/// <summary>Connected components of the edges at or above the threshold (single linkage), seeds kept apart; the baseline.</summary>
public static class ConnectedComponents
{
    public static GraphClusters Cluster(FaceGraph graph, float threshold, int minFaces)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var n = graph.Count;
        var parent = Enumerable.Range(0, n).ToArray();
        var seed = new long?[n];
        for (var i = 0; i < n; i++) seed[i] = graph.Seeds.TryGetValue(i, out var s) ? s : null;
        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        void Union(int a, int b)
        {
            a = Find(a);
            b = Find(b);
            if (a == b || (seed[a] is long sa && seed[b] is long sb && sa != sb)) return;
            parent[b] = a;
            seed[a] ??= seed[b];
        }
        var firstOfSeed = new Dictionary<long, int>();
        for (var i = 0; i < n; i++)
        {
            if (seed[i] is not long s) continue;
            if (firstOfSeed.TryGetValue(s, out var first)) Union(first, i);
            else firstOfSeed[s] = i;
        }
        for (var i = 0; i < n; i++)
        {
            foreach (var (j, score) in graph.Edges(i))
            {
                if (score >= threshold) Union(i, j);
            }
        }
        var labels = new int[n];
        for (var i = 0; i < n; i++) labels[i] = Find(i);
        return GraphClusters.FromLabels(labels, minFaces, i => seed[i] is not null);
    }
}
