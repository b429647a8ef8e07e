namespace FaceVector.Evaluation.Tests;

public sealed class VerificationMetricsTests
{
    // Hand-computed set: same {0.9, 0.8, 0.4}, different {0.5, 0.3}.
    private static readonly VerificationMetrics Small = new(TestData.Pairs([0.9f, 0.8f, 0.4f], [0.5f, 0.3f]));

    [Fact]
    public void PerfectlySeparableSetHasZeroEerAndFullTar()
    {
        var metrics = new VerificationMetrics(TestData.Pairs([0.7f, 0.8f, 0.9f], TestData.Spread(2000, -0.2f, 0.5f)));

        Assert.Equal(0, metrics.EqualErrorRate().Rate);
        var at1e2 = metrics.TarAtFar(1e-2);
        var at1e3 = metrics.TarAtFar(1e-3);
        Assert.True(at1e2.Resolved);
        Assert.True(at1e3.Resolved);
        Assert.Equal(1, at1e2.Tar);
        Assert.Equal(1, at1e3.Tar);
    }

    [Fact]
    public void IdenticalDistributionsHaveEerOneHalf()
    {
        float[] scores = [0.1f, 0.2f, 0.3f, 0.4f];
        Assert.Equal(0.5, new VerificationMetrics(TestData.Pairs(scores, scores)).EqualErrorRate().Rate, 12);
    }

    [Fact]
    public void AllScoresEqualStillGiveEerOneHalf()
    {
        // Only one distinct score: the crossing lies between "accept all" and "reject all".
        Assert.Equal(0.5, new VerificationMetrics(TestData.Pairs([0.5f, 0.5f], [0.5f, 0.5f])).EqualErrorRate().Rate, 12);
    }

    [Fact]
    public void EerIsInterpolatedWhereTheCurvesCross()
    {
        // Thresholds ascending: 0.5 -> FAR 1/2, FRR 1/3; 0.8 -> FAR 0, FRR 1/3. FAR-FRR goes 1/6 -> -1/3, crossing a third
        // of the way: EER = 1/2 + (0 - 1/2)/3 = 1/3 at threshold 0.5 + 0.3/3 = 0.6.
        var eer = Small.EqualErrorRate();
        Assert.Equal(1.0 / 3, eer.Rate, 9);
        Assert.Equal(0.6f, eer.Threshold, 5);
    }

    [Fact]
    public void RocListsEveryDistinctThresholdFromHighestDown()
    {
        var roc = Small.Roc();
        Assert.Equal(
            [new(0.9f, 0, 1.0 / 3), new(0.8f, 0, 2.0 / 3), new(0.5f, 0.5, 2.0 / 3), new(0.4f, 0.5, 1), new RocPoint(0.3f, 1, 1)],
            roc);
    }

    [Fact]
    public void TarAtFarUsesTheSmallestThresholdWhoseFarMeetsTheTarget()
    {
        // 1000 different-person scores 0.000 .. 0.999: at FAR 1e-3 one (0.999) may pass, so the threshold is just above 0.998.
        var metrics = new VerificationMetrics(TestData.Pairs([0.9995f, 0.995f, 0.5f], TestData.Spread(1000)));

        var at1e3 = metrics.TarAtFar(1e-3);
        Assert.Equal(MathF.BitIncrement(0.998f), at1e3.Threshold);
        Assert.Equal(1e-3, at1e3.Far, 12);
        Assert.Equal(1.0 / 3, at1e3.Tar, 12);
        Assert.True(at1e3.Resolved);

        var at1e2 = metrics.TarAtFar(1e-2);
        Assert.Equal(MathF.BitIncrement(0.989f), at1e2.Threshold);
        Assert.Equal(1e-2, at1e2.Far, 12);
        Assert.Equal(2.0 / 3, at1e2.Tar, 12);
        // One float lower accepts an eleventh different pair: the threshold really is the smallest that meets the target.
        Assert.True(metrics.FalseAcceptRate(MathF.BitDecrement(at1e2.Threshold)) > 1e-2);
    }

    [Fact]
    public void TarAtFarOnTheSmallSetIsHandComputed()
    {
        // Two different pairs, target 0.5: one may pass, so the threshold is just above 0.3; all same pairs pass.
        var point = Small.TarAtFar(0.5);
        Assert.Equal(new OperatingPoint(0.5, MathF.BitIncrement(0.3f), 1, 0.5, true, 2), point);
    }

    [Fact]
    public void TooFewDifferentPairsCannotResolveTheTarget()
    {
        var different = TestData.Spread(999);
        var metrics = new VerificationMetrics(TestData.Pairs([0.9f], different));

        var point = metrics.TarAtFar(1e-3);
        Assert.False(point.Resolved);
        Assert.Equal(0, point.Far);
        Assert.Equal(MathF.BitIncrement(different.Max()), point.Threshold);
        Assert.True(metrics.TarAtFar(1e-2).Resolved);
    }

    [Fact]
    public void RecommendThresholdReportsTheRatesAchieved()
    {
        var metrics = new VerificationMetrics(TestData.Pairs([0.9995f, 0.995f, 0.5f], TestData.Spread(1000)));
        var recommended = metrics.RecommendThreshold(1e-2);
        Assert.Equal(metrics.TrueAcceptRate(recommended.Threshold), recommended.Tar);
        Assert.Equal(metrics.FalseAcceptRate(recommended.Threshold), recommended.Far);
        Assert.True(recommended.Far <= 1e-2);
    }

    [Theory]
    [InlineData(0.35f, 0.75, 1.0, 6.0 / 7)]
    [InlineData(0.45f, 2.0 / 3, 2.0 / 3, 2.0 / 3)]
    [InlineData(0.5f, 2.0 / 3, 2.0 / 3, 2.0 / 3)] // 0.5 itself is accepted: score >= threshold is a match
    [InlineData(0.85f, 1.0, 1.0 / 3, 0.5)]
    [InlineData(0.95f, 0.0, 0.0, 0.0)] // nothing accepted: precision 0 by convention
    public void PrecisionRecallAndF1AreHandComputed(float threshold, double precision, double recall, double f1)
    {
        var point = Small.PrecisionRecallAt(threshold);
        Assert.Equal(precision, point.Precision, 12);
        Assert.Equal(recall, point.Recall, 12);
        Assert.Equal(f1, point.F1, 12);
    }

    [Fact]
    public void DefaultGridRunsFrom020To070InStepsOf005()
    {
        var grid = Small.PrecisionRecallGrid();
        Assert.Equal([0.20f, 0.25f, 0.30f, 0.35f, 0.40f, 0.45f, 0.50f, 0.55f, 0.60f, 0.65f, 0.70f], grid.Select(p => p.Threshold));
        Assert.Equal(Small.PrecisionRecallAt(0.45f), grid[5]);
    }

    [Fact]
    public void HistogramCountsEachClassPerBin()
    {
        var histogram = Small.Histogram(binCount: 4, min: 0, max: 1);
        Assert.Equal([0, 1, 0, 2], histogram.SameCounts);
        Assert.Equal([0, 1, 1, 0], histogram.DifferentCounts);
        Assert.Equal(0.25, histogram.BinWidth, 12);
    }

    [Fact]
    public void HistogramPutsOutOfRangeScoresInTheEdgeBins()
    {
        var histogram = new VerificationMetrics(TestData.Pairs([1.5f], [-3f])).Histogram(binCount: 2, min: 0, max: 1);
        Assert.Equal([0, 1], histogram.SameCounts);
        Assert.Equal([1, 0], histogram.DifferentCounts);
    }

    [Fact]
    public void BestAccuracyBreaksTiesTowardsTheLowestThreshold()
    {
        // Midpoints 0.35 and 0.65 both classify 4 of 5 correctly.
        var best = Small.BestAccuracy();
        Assert.Equal(0.8, best.Accuracy, 12);
        Assert.Equal(0.35f, best.Threshold, 6);
    }

    [Fact]
    public void WorstErrorsListFalseMatchesAndMissesWorstFirst()
    {
        var metrics = new VerificationMetrics(TestData.Pairs([0.9f, 0.2f, 0.1f, 0.35f], [0.3f, 0.6f, 0.5f, 0.05f]));
        var errors = metrics.WorstErrors(0.4f, count: 2);
        Assert.Equal([0.6f, 0.5f], errors.FalseMatches.Select(p => p.Score));
        Assert.Equal([0.1f, 0.2f], errors.Misses.Select(p => p.Score));
    }

    [Fact]
    public void RejectsSetsWithoutBothKindsOfPair()
    {
        Assert.Throws<ArgumentException>(() => new VerificationMetrics(TestData.Pairs([0.5f], [])));
        Assert.Throws<ArgumentException>(() => new VerificationMetrics(TestData.Pairs([], [0.5f])));
        Assert.Throws<ArgumentException>(() => new VerificationMetrics(TestData.Pairs([float.NaN], [0.5f])));
    }
}
