using System.Text.Json;

namespace FaceVector.Evaluation;

/// <summary>
/// Options of a dataset evaluation. <paramref name="OpenSetThreshold"/> defaults to the threshold recommended for
/// <paramref name="RecommendationTargetFar"/>.
/// </summary>
public sealed record DatasetEvaluationOptions(double RecommendationTargetFar = 1e-3, float? OpenSetThreshold = null, int HistogramBins = 40);

/// <summary>The report plus the objects behind it, for the HTML report.</summary>
public sealed record DatasetEvaluationResult(EvaluationReport Report, VerificationMetrics Metrics, IdentificationResult Identification);

/// <summary>Evaluates a labelled folder: verification over all identity pairs and leave-one-out identification.</summary>
public static class DatasetEvaluator
{
    public static DatasetEvaluationResult Evaluate(IReadOnlyList<LabelledEmbedding> images, DatasetEvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        options ??= new DatasetEvaluationOptions();
        var metrics = new VerificationMetrics(PairBuilder.AllPairs(images));
        var identification = IdentificationEvaluator.Evaluate(images);
        var eer = metrics.EqualErrorRate();
        var at1e2 = metrics.TarAtFar(1e-2);
        var at1e3 = metrics.TarAtFar(1e-3);
        var best = metrics.BestAccuracy();
        var recommended = metrics.RecommendThreshold(options.RecommendationTargetFar);

        var report = new EvaluationReport(
            ImageCount: images.Count,
            IdentityCount: images.Select(i => i.Identity).OfType<string>().Distinct(StringComparer.Ordinal).Count(),
            DistractorCount: images.Count(i => i.Identity is null),
            SamePairs: metrics.SamePairCount,
            DifferentPairs: metrics.DifferentPairCount,
            Eer: eer.Rate,
            EerThreshold: eer.Threshold,
            TarAtFar1e2: at1e2.ResolvedTar,
            TarAtFar1e2Threshold: at1e2.ResolvedThreshold,
            TarAtFar1e3: at1e3.ResolvedTar,
            TarAtFar1e3Threshold: at1e3.ResolvedThreshold,
            BestAccuracy: best.Accuracy,
            BestAccuracyThreshold: best.Threshold,
            Top1: identification.Top1,
            Top5: identification.Top5,
            IdentificationProbes: identification.MatedProbeCount,
            OpenSet: identification.OpenSetAt(options.OpenSetThreshold ?? recommended.Threshold),
            RecommendedThreshold: recommended,
            Thresholds: metrics.PrecisionRecallGrid(),
            Histogram: metrics.Histogram(options.HistogramBins));
        return new DatasetEvaluationResult(report, metrics, identification);
    }
}

/// <summary>JSON output for the CLI: snake_case keys through the source-generated <see cref="EvaluationJsonContext"/>.</summary>
public static class EvaluationJson
{
    public static JsonSerializerOptions Options => EvaluationJsonContext.Default.Options;

    public static string Serialize(EvaluationReport report) => JsonSerializer.Serialize(report, EvaluationJsonContext.Default.EvaluationReport);

    public static string Serialize(PairBenchmarkReport report) => JsonSerializer.Serialize(report, EvaluationJsonContext.Default.PairBenchmarkReport);
}
