using System.Text.Json;
using FaceVector.Evaluation.Lfw;

namespace FaceVector.Evaluation.Tests;

public sealed class ReportTests
{
    /// <summary>Three identities with two faces each around distinct directions, plus one distractor.</summary>
    internal static LabelledEmbedding[] SmallDataset() =>
    [
        TestData.Face("A", 0), TestData.Face("A", 10), TestData.Face("B", 90), TestData.Face("B", 100),
        TestData.Face("C", 200), TestData.Face("C", 215), TestData.Face(null, 45),
    ];

    internal static PairBenchmarkResult SmallBenchmark() => PairBenchmark.Evaluate(
    [
        new BenchmarkPair(0, "a1", "a2", true, 0.9f), new BenchmarkPair(0, "b1", "c1", false, 0.1f),
        new BenchmarkPair(1, "d1", "d2", true, 0.7f), new BenchmarkPair(1, "e1", "f1", false, 0.3f),
        new BenchmarkPair(2, "g1", "g2", true, null), new BenchmarkPair(2, "h1", "i1", false, 0.2f),
    ]);

    [Fact]
    public void BenchmarkKeepsNoFacePairsAsRejections()
    {
        var report = SmallBenchmark().Report;

        Assert.Equal(1, report.NoFace);
        Assert.Equal(6, report.PairCount);
        Assert.Equal(3, report.FoldCount);
        // The no-face same pair scores -1: always a miss, so the best single threshold gets 5 of 6.
        Assert.Equal(5.0 / 6, report.BestAccuracy, 12);
        // Fold 2 keeps its miss whatever threshold folds 0 and 1 choose: 1/2 there, 1 elsewhere.
        Assert.Equal([1, 1, 0.5], report.FoldResults.Select(f => f.Accuracy));
        Assert.Equal(2.5 / 3, report.Accuracy, 12);
        Assert.DoesNotContain(report.WorstSamePairs, p => p.PathA == "g1");
        Assert.Equal("d1", report.WorstSamePairs[0].PathA);
        Assert.Equal(0.3f, report.WorstDifferentPairs[0].Score);
        Assert.Null(report.TarAtFar1e3); // three different pairs cannot resolve FAR 1e-3
    }

    [Fact]
    public void BenchmarkFromAPairListScoresEachImageOnce()
    {
        var list = LfwPairFile.Parse("2 1\nA 1 2\nA 1 B 1\nC 1 2\nC 1 B 1\n");
        var directions = new Dictionary<string, double> { ["A_0001"] = 0, ["A_0002"] = 20, ["B_0001"] = 90, ["C_0001"] = 180, ["C_0002"] = 170 };
        var calls = new List<string>();
        float[]? Embed(string path)
        {
            calls.Add(path);
            var key = Path.GetFileNameWithoutExtension(path);
            return key == "C_0002" ? null : TestData.Unit2D(directions[key]);
        }

        var result = PairBenchmark.Evaluate(list, "root", Embed);

        Assert.Equal(calls.Count, calls.Distinct().Count());
        Assert.Equal(5, calls.Count);
        Assert.Equal(1, result.Report.NoFace);
        Assert.Contains(result.Metrics.Pairs, p => p.PathA == Path.Combine("root", "A", "A_0001.jpg") && Math.Abs(p.Score - MathF.Cos(MathF.PI / 9)) < 1e-5);
        Assert.Contains(result.Metrics.Pairs, p => p.PathA == Path.Combine("root", "C", "C_0001.jpg") && p.SamePerson && p.Score == PairBenchmark.NoFaceScore);
    }

    [Fact]
    public void DatasetEvaluationCombinesVerificationAndIdentification()
    {
        var result = DatasetEvaluator.Evaluate(SmallDataset(), new DatasetEvaluationOptions(RecommendationTargetFar: 0.1, OpenSetThreshold: 0.9f));
        var report = result.Report;

        Assert.Equal((7, 3, 1, 3, 12), (report.ImageCount, report.IdentityCount, report.DistractorCount, report.SamePairs, report.DifferentPairs));
        // Mates are 10° or 15° apart, different people at least 65°: separable, every probe finds its mate first.
        Assert.Equal(0, report.Eer);
        Assert.Equal(1.0, report.Top1);
        Assert.Equal(6, report.IdentificationProbes);
        Assert.Null(report.TarAtFar1e2); // 12 different pairs cannot resolve 1e-2
        Assert.True(report.RecommendedThreshold.Resolved);
        Assert.Equal(0.9f, report.OpenSet.Threshold);
        Assert.Equal(11, report.Thresholds.Count);
        Assert.Equal(40, report.Histogram.BinCount);
    }

    [Fact]
    public void EvaluationJsonHasTheDocumentedKeys()
    {
        using var json = JsonDocument.Parse(EvaluationJson.Serialize(DatasetEvaluator.Evaluate(SmallDataset()).Report));
        var root = json.RootElement;

        foreach (var key in new[] { "eer", "tar_at_far_1e-2", "tar_at_far_1e-3", "top1", "top5", "thresholds", "image_count", "open_set", "recommended_threshold", "histogram" })
        {
            Assert.True(root.TryGetProperty(key, out _), $"missing key {key}");
        }

        var first = root.GetProperty("thresholds")[0];
        Assert.Equal(["threshold", "precision", "recall", "f1"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.2, first.GetProperty("threshold").GetDouble(), 6);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("tar_at_far_1e-3").ValueKind);
    }

    [Fact]
    public void BenchmarkJsonHasTheDocumentedKeys()
    {
        using var json = JsonDocument.Parse(EvaluationJson.Serialize(SmallBenchmark().Report));
        var root = json.RootElement;

        foreach (var key in new[] { "accuracy", "accuracy_std", "threshold", "tar_at_far_1e-3", "no_face", "fold_results", "worst_same_pairs" })
        {
            Assert.True(root.TryGetProperty(key, out _), $"missing key {key}");
        }

        Assert.Equal(1, root.GetProperty("no_face").GetInt32());
        Assert.Equal(EvaluationJson.Serialize(SmallBenchmark().Report), JsonSerializer.Serialize(SmallBenchmark().Report, EvaluationJson.Options));
        Assert.Equal(3, root.GetProperty("fold_results").GetArrayLength());
    }

    [Fact]
    public void ReadmeDocumentsEveryJsonKey()
    {
        var readme = File.ReadAllText(FindReadme());
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        using (var evaluation = JsonDocument.Parse(EvaluationJson.Serialize(DatasetEvaluator.Evaluate(SmallDataset()).Report)))
        using (var benchmark = JsonDocument.Parse(EvaluationJson.Serialize(SmallBenchmark().Report)))
        {
            CollectKeys(evaluation.RootElement, keys);
            CollectKeys(benchmark.RootElement, keys);
        }

        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.Contains($"`{key}`", readme, StringComparison.Ordinal));
    }

    [Fact]
    public void ReportsRoundTripThroughTheJsonContext()
    {
        var report = SmallBenchmark().Report;
        var back = JsonSerializer.Deserialize(EvaluationJson.Serialize(report), EvaluationJsonContext.Default.PairBenchmarkReport)!;
        Assert.Equal(report.Accuracy, back.Accuracy);
        Assert.Equal(report.FoldResults, back.FoldResults);
        Assert.Equal(report.NoFacePolicy, back.NoFacePolicy);
    }

    private static void CollectKeys(JsonElement element, ISet<string> keys)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                keys.Add(property.Name);
                CollectKeys(property.Value, keys);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                CollectKeys(item, keys);
            }
        }
    }

    private static string FindReadme()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", "FaceVector.Evaluation", "README.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("src/FaceVector.Evaluation/README.md not found above the test output folder.");
    }
}
