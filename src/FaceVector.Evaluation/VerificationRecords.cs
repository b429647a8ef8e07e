using System.Text.Json.Serialization;

namespace FaceVector.Evaluation;

/// <summary>One ROC point: at <paramref name="Threshold"/> (match when score &gt;= threshold) the false and true accept rates.</summary>
public readonly record struct RocPoint(float Threshold, double Far, double Tar);

/// <summary>Equal error rate, interpolated where the FAR and FRR curves cross, and the (interpolated) threshold there.</summary>
public sealed record EqualErrorRate(double Rate, float Threshold);

/// <summary>
/// The operating point chosen for a target false accept rate.
/// <paramref name="Threshold"/> is the smallest value whose FAR is &lt;= the target (see <see cref="VerificationMetrics.TarAtFar"/>).
/// <paramref name="Resolved"/> is false when there are fewer than 1/target different-person pairs: then even one
/// false accept would exceed the target, the threshold falls back to just above the highest impostor score,
/// and the numbers say nothing about the target itself.
/// </summary>
public sealed record OperatingPoint(double TargetFar, float Threshold, double Tar, double Far, bool Resolved, int DifferentPairCount)
{
    /// <summary>The TAR, or null when the target is not resolved: what reports print as <c>tar_at_far_…</c>.</summary>
    [JsonIgnore]
    public double? ResolvedTar => Resolved ? Tar : null;

    /// <summary>The threshold, or null when the target is not resolved.</summary>
    [JsonIgnore]
    public float? ResolvedThreshold => Resolved ? Threshold : null;
}

/// <summary>Precision, recall and F1 of the rule "score &gt;= threshold means match".</summary>
public sealed record PrecisionRecallPoint(float Threshold, double Precision, double Recall, double F1);

/// <summary>A threshold and the fraction of pairs it classifies correctly.</summary>
public sealed record AccuracyAtThreshold(float Threshold, double Accuracy);

/// <summary>
/// Score histograms over [<paramref name="Min"/>, <paramref name="Max"/>] in equal-width bins; scores outside the range
/// are counted in the first or last bin.
/// </summary>
public sealed record ScoreHistogram(float Min, float Max, IReadOnlyList<int> SameCounts, IReadOnlyList<int> DifferentCounts)
{
    public int BinCount => SameCounts.Count;

    public double BinWidth => ((double)Max - Min) / BinCount;
}

/// <summary>The worst errors at a threshold: false matches (highest-scoring different pairs at or above it) and misses (lowest-scoring same pairs below it).</summary>
public sealed record VerificationErrors(float Threshold, IReadOnlyList<ScoredPair> FalseMatches, IReadOnlyList<ScoredPair> Misses);
