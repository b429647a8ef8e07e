namespace FaceVector.Evaluation;

/// <summary>
/// Verification (1:1) metrics over scored pairs. The decision rule everywhere is: a pair is a match when
/// score &gt;= threshold. FAR = fraction of different-person pairs accepted; TAR = fraction of same-person pairs
/// accepted; FRR = 1 - TAR.
/// </summary>
public sealed class VerificationMetrics
{
    private readonly ScoredPair[] _pairs;
    private readonly SortedScores _same;
    private readonly SortedScores _different;
    private float[]? _distinctScores;

    /// <exception cref="ArgumentException">No same-person pair, no different-person pair, or a NaN score.</exception>
    public VerificationMetrics(IEnumerable<ScoredPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        _pairs = pairs.ToArray();
        _same = new SortedScores(_pairs.Where(p => p.SamePerson).Select(p => p.Score));
        _different = new SortedScores(_pairs.Where(p => !p.SamePerson).Select(p => p.Score));
        if (_same.Count == 0 || _different.Count == 0)
        {
            throw new ArgumentException(
                $"Verification metrics need at least one same-person and one different-person pair (got {_same.Count} and {_different.Count}).",
                nameof(pairs));
        }
    }

    public IReadOnlyList<ScoredPair> Pairs => _pairs;

    public int SamePairCount => _same.Count;

    public int DifferentPairCount => _different.Count;

    private float[] DistinctScores => _distinctScores ??= SortedScores.DistinctUnion(_same, _different);

    public double FalseAcceptRate(float threshold) => _different.FractionAtLeast(threshold);

    public double TrueAcceptRate(float threshold) => _same.FractionAtLeast(threshold);

    /// <summary>ROC over every distinct score as threshold, from the highest threshold (lowest FAR) down.</summary>
    public IReadOnlyList<RocPoint> Roc()
    {
        var distinct = DistinctScores;
        var points = new RocPoint[distinct.Length];
        for (var k = 0; k < distinct.Length; k++)
        {
            var threshold = distinct[distinct.Length - 1 - k];
            points[k] = new RocPoint(threshold, FalseAcceptRate(threshold), TrueAcceptRate(threshold));
        }

        return points;
    }

    /// <summary>
    /// Equal error rate. FAR falls and FRR rises as the threshold goes up; over the distinct scores (plus one
    /// threshold above them all, where everything is rejected) we find the first threshold where FAR &lt;= FRR
    /// and interpolate linearly with the one before it. A perfectly separable set gives 0.
    /// </summary>
    public EqualErrorRate EqualErrorRate()
    {
        var distinct = DistinctScores;
        double previousFar = 0, previousFrr = 0;
        float previousThreshold = 0;
        for (var k = 0; k <= distinct.Length; k++)
        {
            var threshold = k < distinct.Length ? distinct[k] : MathF.BitIncrement(distinct[^1]);
            var far = FalseAcceptRate(threshold);
            var frr = 1 - TrueAcceptRate(threshold);
            if (far <= frr)
            {
                if (k == 0)
                {
                    return new EqualErrorRate(far, threshold);
                }

                var before = previousFar - previousFrr; // > 0
                var after = far - frr; // <= 0
                var t = before / (before - after);
                return new EqualErrorRate(
                    previousFar + (t * (far - previousFar)),
                    (float)(previousThreshold + (t * ((double)threshold - previousThreshold))));
            }

            (previousFar, previousFrr, previousThreshold) = (far, frr, threshold);
        }

        // Unreachable: above every score FAR is 0, so FAR <= FRR holds at the last threshold.
        throw new InvalidOperationException("FAR and FRR never crossed.");
    }

    /// <summary>
    /// TAR at a target FAR. Threshold rule: the smallest value t such that FAR(t) &lt;= target. With N different-person
    /// pairs at most m = floor(target·N) of them may be accepted, so t is the next float above the (m+1)-th highest
    /// different-person score (any lower t accepts m+1). When m is 0 because N &lt; 1/target, the target cannot be
    /// resolved: the point is returned with <see cref="OperatingPoint.Resolved"/> false.
    /// </summary>
    public OperatingPoint TarAtFar(double targetFar)
    {
        if (!(targetFar > 0 && targetFar < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetFar), targetFar, "The target FAR must lie strictly between 0 and 1.");
        }

        // A small tolerance so that 1e-3 · 1000 counts as exactly one allowed false accept.
        var allowed = (int)Math.Floor((targetFar * _different.Count) + 1e-9);
        var threshold = allowed >= _different.Count
            ? _different.Ascending[0]
            : MathF.BitIncrement(_different.Ascending[_different.Count - 1 - allowed]);
        return new OperatingPoint(
            targetFar, threshold, TrueAcceptRate(threshold), FalseAcceptRate(threshold), Resolved: allowed >= 1, _different.Count);
    }

    /// <summary>The threshold to deploy for a target false match rate, with the TAR and FAR measured there (same rule as <see cref="TarAtFar"/>).</summary>
    public OperatingPoint RecommendThreshold(double targetFalseMatchRate) => TarAtFar(targetFalseMatchRate);

    /// <summary>
    /// Precision, recall and F1 at a threshold. Precision is TP/(TP+FP) and is 0 when nothing is accepted
    /// (as scikit-learn's default); F1 is 0 when precision and recall are both 0.
    /// </summary>
    public PrecisionRecallPoint PrecisionRecallAt(float threshold)
    {
        double truePositives = _same.CountAtLeast(threshold);
        double falsePositives = _different.CountAtLeast(threshold);
        var precision = truePositives + falsePositives == 0 ? 0 : truePositives / (truePositives + falsePositives);
        var recall = truePositives / _same.Count;
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new PrecisionRecallPoint(threshold, precision, recall, f1);
    }

    /// <summary>Precision/recall/F1 at every threshold from <paramref name="from"/> to <paramref name="to"/> inclusive (default 0.20 to 0.70 in steps of 0.05).</summary>
    public IReadOnlyList<PrecisionRecallPoint> PrecisionRecallGrid(double from = 0.20, double to = 0.70, double step = 0.05) =>
        [.. ThresholdGrid(from, to, step).Select(PrecisionRecallAt)];

    /// <summary>Same-pair and different-pair score histograms over equal-width bins.</summary>
    public ScoreHistogram Histogram(int binCount = 40, float min = -1, float max = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        if (!(max > min))
        {
            throw new ArgumentException("The histogram range is empty.", nameof(max));
        }

        var same = new int[binCount];
        var different = new int[binCount];
        var width = ((double)max - min) / binCount;
        foreach (var pair in _pairs)
        {
            var bin = Math.Clamp((int)Math.Floor((pair.Score - (double)min) / width), 0, binCount - 1);
            (pair.SamePerson ? same : different)[bin]++;
        }

        return new ScoreHistogram(min, max, same, different);
    }

    /// <summary>The threshold with the best accuracy over all pairs (see <see cref="AccuracyThreshold"/>).</summary>
    public AccuracyAtThreshold BestAccuracy() => AccuracyThreshold.Best(_same, _different);

    /// <summary>The highest-scoring false matches and the lowest-scoring misses at a threshold, at most <paramref name="count"/> of each.</summary>
    public VerificationErrors WorstErrors(float threshold, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new VerificationErrors(
            threshold,
            [.. _pairs.Where(p => !p.SamePerson && p.Score >= threshold).OrderByDescending(p => p.Score).Take(count)],
            [.. _pairs.Where(p => p.SamePerson && p.Score < threshold).OrderBy(p => p.Score).Take(count)]);
    }

    /// <summary>Thresholds from..to inclusive; computed from an integer step count so 0.20 + k·0.05 does not drift.</summary>
    internal static IEnumerable<float> ThresholdGrid(double from, double to, double step)
    {
        if (!(step > 0) || to < from)
        {
            throw new ArgumentException("The threshold grid needs step > 0 and to >= from.", nameof(step));
        }

        var steps = (int)Math.Floor(((to - from) / step) + 1e-9);
        for (var k = 0; k <= steps; k++)
        {
            yield return (float)Math.Round(from + (k * step), 9);
        }
    }
}
