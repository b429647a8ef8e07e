using FaceVector.Evaluation;

namespace FaceVector.Evaluation.Tests;

public sealed class ClusterMetricsTests
{
    private static ClusterScores Score(params (string Label, int? Cluster)[] items) => ClusterMetrics.Score<string, int>(items);

    [Fact]
    public void PerfectClusteringScoresOne()
    {
        var s = Score(("a", 1), ("a", 1), ("b", 2), ("b", 2), ("c", null));
        Assert.Equal(1, s.Pairwise.Precision);
        Assert.Equal(1, s.Pairwise.Recall);
        Assert.Equal(1, s.BCubed.F, 12);
        Assert.Equal(2, s.Clusters);
        Assert.Equal(1, s.Unassigned);
    }

    [Fact]
    public void HandCheckedExample()
    {
        // Cluster 1 = {a, a, b}, cluster 2 = {b, b}, a third "a" left unassigned.
        var s = Score(("a", 1), ("a", 1), ("b", 1), ("b", 2), ("b", 2), ("a", null));
        // Pairs put together: C(3,2) + C(2,2) = 4; of them same identity: (a,a) in 1 and (b,b) in 2 = 2.
        Assert.Equal(2.0 / 4, s.Pairwise.Precision, 12);
        // Same-identity pairs: a: C(3,2) = 3, b: C(3,2) = 3 → 6; found 2.
        Assert.Equal(2.0 / 6, s.Pairwise.Recall, 12);
        Assert.Equal(2 * 0.5 * (1.0 / 3) / (0.5 + 1.0 / 3), s.Pairwise.F, 12);
        // BCubed precision per item: a,a: 2/3 each; b in 1: 1/3; b,b in 2: 1 each; unassigned a: 1 → (2/3+2/3+1/3+1+1+1)/6.
        Assert.Equal((2.0 / 3 + 2.0 / 3 + 1.0 / 3 + 3) / 6, s.BCubed.Precision, 12);
        // BCubed recall: a,a in 1: 2/3 each; b in 1: 1/3; b,b in 2: 2/3 each; unassigned a: 1/3 → 3/6... summed: 2/3*2+1/3+2/3*2+1/3 = 10/3.
        Assert.Equal(10.0 / 3 / 6, s.BCubed.Recall, 12);
    }

    [Fact]
    public void EverythingInOneClusterHasFullRecallAndLowPrecision()
    {
        var s = Score(("a", 7), ("a", 7), ("b", 7), ("c", 7));
        Assert.Equal(1.0 / 6, s.Pairwise.Precision, 12);
        Assert.Equal(1, s.Pairwise.Recall);
        Assert.Equal(1, s.BCubed.Recall, 12);
        Assert.Equal((0.5 + 0.5 + 0.25 + 0.25) / 4, s.BCubed.Precision, 12);
    }

    [Fact]
    public void NothingClusteredHasFullPrecisionAndNoPairwiseRecall()
    {
        var s = Score(("a", null), ("a", null), ("b", null));
        Assert.Equal(1, s.Pairwise.Precision);
        Assert.Equal(0, s.Pairwise.Recall);
        Assert.Equal(0, s.Pairwise.F);
        Assert.Equal(1, s.BCubed.Precision, 12);
        Assert.Equal((0.5 + 0.5 + 1) / 3, s.BCubed.Recall, 12);
    }
}
