using FaceVector.Evaluation.Lfw;

namespace FaceVector.Evaluation;

/// <summary>
/// One protocol pair ready to score. <paramref name="Score"/> is null when either image had no detectable face.
/// <paramref name="Fold"/> is 0-based.
/// </summary>
public sealed record BenchmarkPair(int Fold, string PathA, string PathB, bool SamePerson, float? Score);

/// <summary>The benchmark report plus the objects behind it, for the HTML report.</summary>
public sealed record PairBenchmarkResult(PairBenchmarkReport Report, VerificationMetrics Metrics, KFoldResult KFold);

/// <summary>
/// The LFW-style pair benchmark: k-fold accuracy, best single-threshold accuracy, TAR at FAR 1e-3 and the worst pairs.
/// No-face policy: a pair where either image had no face is kept and scored <see cref="NoFaceScore"/> (-1, the lowest
/// cosine similarity), i.e. it is always rejected: a miss for a same pair, a correct rejection for a different pair.
/// The count is reported as <c>no_face</c>; such pairs are left out of the worst-pair lists.
/// </summary>
public static class PairBenchmark
{
    public const float NoFaceScore = -1f;

    public const string NoFacePolicy = "pairs with no detected face are kept with score -1 (always rejected)";

    public static PairBenchmarkResult Evaluate(IReadOnlyList<BenchmarkPair> pairs, int worstCount = 10)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfNegative(worstCount);
        var foldCount = pairs.Count == 0 ? 0 : pairs.Max(p => p.Fold) + 1;
        if (pairs.Any(p => p.Fold < 0))
        {
            throw new ArgumentException("Fold numbers must be 0 or more.", nameof(pairs));
        }

        var scored = pairs.Select(p => new ScoredPair(p.Score ?? NoFaceScore, p.SamePerson, p.PathA, p.PathB)).ToArray();
        var folds = Enumerable.Range(0, foldCount)
            .Select(f => (IReadOnlyList<ScoredPair>)[.. scored.Where((_, k) => pairs[k].Fold == f)])
            .ToArray();
        var kFold = KFoldEvaluator.Evaluate(folds);
        var metrics = new VerificationMetrics(scored);
        var best = metrics.BestAccuracy();
        var tar = metrics.TarAtFar(1e-3);
        var withFace = pairs.Where(p => p.Score is not null).ToArray();

        var report = new PairBenchmarkReport(
            PairCount: pairs.Count,
            FoldCount: foldCount,
            Accuracy: kFold.MeanAccuracy,
            AccuracyStd: kFold.AccuracyStd,
            Threshold: kFold.MeanThreshold,
            BestAccuracy: best.Accuracy,
            BestThreshold: best.Threshold,
            Eer: metrics.EqualErrorRate().Rate,
            TarAtFar1e3: tar.ResolvedTar,
            TarAtFar1e3Threshold: tar.ResolvedThreshold,
            NoFace: pairs.Count - withFace.Length,
            NoFacePolicy: NoFacePolicy,
            FoldResults: kFold.Folds,
            WorstSamePairs: [.. withFace.Where(p => p.SamePerson).OrderBy(p => p.Score).Take(worstCount).Select(PairScore.Of)],
            WorstDifferentPairs: [.. withFace.Where(p => !p.SamePerson).OrderByDescending(p => p.Score).Take(worstCount).Select(PairScore.Of)]);
        return new PairBenchmarkResult(report, metrics, kFold);
    }

    /// <summary>
    /// Scores a parsed pair list: <paramref name="embeddingOf"/> gets each image path (under <paramref name="imageRoot"/>)
    /// once and returns its L2-normalised embedding, or null when no face was found.
    /// </summary>
    public static PairBenchmarkResult Evaluate(LfwPairList list, string imageRoot, Func<string, float[]?> embeddingOf, int worstCount = 10)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(embeddingOf);
        var cache = new Dictionary<string, float[]?>(StringComparer.Ordinal);
        float[]? Embedding(string path)
        {
            if (!cache.TryGetValue(path, out var embedding))
            {
                embedding = embeddingOf(path);
                cache[path] = embedding;
            }

            return embedding;
        }

        var pairs = list.Pairs.Select(p =>
        {
            string pathA = p.PathA(imageRoot), pathB = p.PathB(imageRoot);
            var (a, b) = (Embedding(pathA), Embedding(pathB));
            return new BenchmarkPair(p.Fold, pathA, pathB, p.SamePerson, a is null || b is null ? null : VectorMath.Dot(a, b));
        }).ToArray();
        return Evaluate(pairs, worstCount);
    }
}
