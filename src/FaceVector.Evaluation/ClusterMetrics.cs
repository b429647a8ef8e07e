namespace FaceVector.Evaluation;

/// <summary>Precision, recall and their harmonic mean.</summary>
public readonly record struct PrecisionRecall(double Precision, double Recall)
{
    public double F => Precision + Recall > 0 ? 2 * Precision * Recall / (Precision + Recall) : 0;
}

/// <summary>How well a clustering agrees with the true identities.</summary>
/// <param name="Pairwise">Over pairs of items: precision = same-identity pairs among the pairs put together, recall = pairs put together among the same-identity pairs.</param>
/// <param name="BCubed">Per item, averaged (Bagga and Baldwin 1998; Amigó et al. 2009): precision = share of the item's cluster with its identity, recall = share of its identity in its cluster.</param>
public sealed record ClusterScores(int Items, int Identities, int Clusters, int Unassigned, PrecisionRecall Pairwise, PrecisionRecall BCubed);

/// <summary>
/// Clustering metrics of labelled items. An item without a cluster (unassigned) counts as a cluster of its own, so
/// leaving a face out costs recall, never precision. Pairwise precision is 1 when no pair was put together and
/// pairwise recall is 1 when no identity has two items (nothing to find).
/// </summary>
public static class ClusterMetrics
{
    public static ClusterScores Score<TLabel, TCluster>(IReadOnlyList<(TLabel Label, TCluster? Cluster)> items)
        where TLabel : notnull where TCluster : struct
    {
        ArgumentNullException.ThrowIfNull(items);
        // Contingency table: (cluster, label) → count; unassigned items get a singleton cluster each.
        var clusterOf = new int[items.Count];
        var clusterIds = new Dictionary<TCluster, int>();
        var labelIds = new Dictionary<TLabel, int>();
        var labelOf = new int[items.Count];
        var unassigned = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var (label, cluster) = items[i];
            if (!labelIds.TryGetValue(label, out var l)) labelIds[label] = l = labelIds.Count;
            labelOf[i] = l;
            if (cluster is TCluster c)
            {
                if (!clusterIds.TryGetValue(c, out var k)) clusterIds[c] = k = clusterIds.Count;
                clusterOf[i] = k;
            }
            else
            {
                clusterOf[i] = -1 - unassigned++;
            }
        }
        var cells = new Dictionary<(int, int), long>();
        var clusterSize = new Dictionary<int, long>();
        var labelSize = new Dictionary<int, long>();
        for (var i = 0; i < items.Count; i++)
        {
            cells[(clusterOf[i], labelOf[i])] = cells.GetValueOrDefault((clusterOf[i], labelOf[i])) + 1;
            clusterSize[clusterOf[i]] = clusterSize.GetValueOrDefault(clusterOf[i]) + 1;
            labelSize[labelOf[i]] = labelSize.GetValueOrDefault(labelOf[i]) + 1;
        }

        static double Pairs(long n) => n * (n - 1) / 2.0;
        var together = clusterSize.Values.Sum(Pairs);
        var same = labelSize.Values.Sum(Pairs);
        var both = cells.Values.Sum(Pairs);
        var pairwise = new PrecisionRecall(together > 0 ? both / together : 1, same > 0 ? both / same : 1);

        double precisionSum = 0, recallSum = 0;
        foreach (var ((cluster, label), m) in cells)
        {
            precisionSum += m * (double)m / clusterSize[cluster];
            recallSum += m * (double)m / labelSize[label];
        }
        var n = items.Count;
        var bcubed = n > 0 ? new PrecisionRecall(precisionSum / n, recallSum / n) : new PrecisionRecall(1, 1);
        return new ClusterScores(n, labelIds.Count, clusterIds.Count, unassigned, pairwise, bcubed);
    }
}
