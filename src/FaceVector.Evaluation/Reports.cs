using System.Text.Json.Serialization;

namespace FaceVector.Evaluation;

/// <summary>A pair of images and their score, as listed among the worst pairs.</summary>
public sealed record PairScore(string PathA, string PathB, float Score)
{
    internal static PairScore Of(BenchmarkPair pair) => new(pair.PathA, pair.PathB, pair.Score ?? PairBenchmark.NoFaceScore);
}

/// <summary>
/// The dataset evaluation (labelled folder: all pairs + leave-one-out identification). JSON keys are documented in README.md.
/// TAR values and their thresholds are null when the target FAR cannot be resolved (fewer than 1/FAR different pairs).
/// </summary>
public sealed record EvaluationReport(
    int ImageCount,
    int IdentityCount,
    int DistractorCount,
    int SamePairs,
    int DifferentPairs,
    double Eer,
    float EerThreshold,
    [property: JsonPropertyName("tar_at_far_1e-2")] double? TarAtFar1e2,
    [property: JsonPropertyName("tar_at_far_1e-2_threshold")] float? TarAtFar1e2Threshold,
    [property: JsonPropertyName("tar_at_far_1e-3")] double? TarAtFar1e3,
    [property: JsonPropertyName("tar_at_far_1e-3_threshold")] float? TarAtFar1e3Threshold,
    double BestAccuracy,
    float BestAccuracyThreshold,
    double? Top1,
    double? Top5,
    int IdentificationProbes,
    OpenSetResult OpenSet,
    OperatingPoint RecommendedThreshold,
    IReadOnlyList<PrecisionRecallPoint> Thresholds,
    ScoreHistogram Histogram);

/// <summary>The pair-list benchmark (LFW protocol). JSON keys are documented in README.md.</summary>
public sealed record PairBenchmarkReport(
    int PairCount,
    int FoldCount,
    double Accuracy,
    double AccuracyStd,
    float Threshold,
    double BestAccuracy,
    float BestThreshold,
    double Eer,
    [property: JsonPropertyName("tar_at_far_1e-3")] double? TarAtFar1e3,
    [property: JsonPropertyName("tar_at_far_1e-3_threshold")] float? TarAtFar1e3Threshold,
    int NoFace,
    string NoFacePolicy,
    IReadOnlyList<FoldResult> FoldResults,
    IReadOnlyList<PairScore> WorstSamePairs,
    IReadOnlyList<PairScore> WorstDifferentPairs);

/// <summary>Source-generated System.Text.Json metadata: snake_case keys, indented.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(EvaluationReport))]
[JsonSerializable(typeof(PairBenchmarkReport))]
public sealed partial class EvaluationJsonContext : JsonSerializerContext;
