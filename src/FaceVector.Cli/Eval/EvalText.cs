using System.Globalization;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Evaluation;
using FaceVector.Evaluation.Datasets;

namespace FaceVector.Cli.Eval;

/// <summary>The readable summaries <c>eval</c> prints without <c>--json</c>.</summary>
internal static class EvalText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Dataset(FaceAnalyzer analyzer, DetectionSummary detection, EvaluationReport r)
    {
        Models(analyzer);
        Console.WriteLine($"images: {r.ImageCount - r.DistractorCount} faces of {r.IdentityCount} identities, {r.DistractorCount} distractor faces");
        foreach ((string label, string value) in DetectionRows(detection))
        {
            Console.WriteLine($"  {label}: {value}");
        }

        Console.WriteLine();
        Console.WriteLine($"verification over {r.SamePairs} same-person and {r.DifferentPairs} different-person pairs:");
        Console.WriteLine($"  EER                {Rate(r.Eer)} at threshold {Score(r.EerThreshold)}");
        Console.WriteLine($"  TAR at FAR 1e-2    {Tar(r.TarAtFar1e2, r.TarAtFar1e2Threshold)}");
        Console.WriteLine($"  TAR at FAR 1e-3    {Tar(r.TarAtFar1e3, r.TarAtFar1e3Threshold)}");
        Console.WriteLine($"  best accuracy      {Rate(r.BestAccuracy)} at threshold {Score(r.BestAccuracyThreshold)}");
        Console.WriteLine($"identification, leave-one-out over {r.IdentificationProbes} probes: top-1 {Rate(r.Top1)}, top-5 {Rate(r.Top5)}");
        Console.WriteLine($"open set at {Score(r.OpenSet.Threshold)}: detection-and-identification {Rate(r.OpenSet.DetectionAndIdentificationRate)}, false accepts {Rate(r.OpenSet.FalseAcceptRate)} of {r.OpenSet.ImpostorProbeCount} impostor probes");
        OperatingPoint rec = r.RecommendedThreshold;
        Console.WriteLine(string.Create(Inv, $"recommended threshold for FMR {rec.TargetFar:0.#####}: {Score(rec.Threshold)} (TAR {Rate(rec.Tar)}, FAR {Rate(rec.Far)}{(rec.Resolved ? string.Empty : $"; unresolved: only {rec.DifferentPairCount} different pairs")})"));
        Console.WriteLine($"  (recognizer default: {Score(analyzer.RecommendedThreshold)})");
        Console.WriteLine();
        Console.WriteLine("threshold  precision  recall     F1");
        foreach (PrecisionRecallPoint p in r.Thresholds)
        {
            Console.WriteLine(string.Create(Inv, $"{p.Threshold,9:0.00}  {p.Precision,9:0.0000}  {p.Recall,6:0.0000}  {p.F1,6:0.0000}"));
        }
    }

    public static void Pairs(FaceAnalyzer analyzer, PairImages images, PairBenchmarkReport r)
    {
        Models(analyzer);
        Console.WriteLine($"{r.PairCount} pairs in {r.FoldCount} folds, {images.Embeddings.Count} images");
        Console.WriteLine($"  accuracy (k-fold)  {Rate(r.Accuracy)} ± {Rate(r.AccuracyStd)} at mean threshold {Score(r.Threshold)}");
        Console.WriteLine($"  best accuracy      {Rate(r.BestAccuracy)} at threshold {Score(r.BestThreshold)} (chosen on the test pairs: optimistic)");
        Console.WriteLine($"  EER                {Rate(r.Eer)}");
        Console.WriteLine($"  TAR at FAR 1e-3    {Tar(r.TarAtFar1e3, r.TarAtFar1e3Threshold)}");
        Console.WriteLine($"  no face            {r.NoFace} pairs: {r.NoFacePolicy}");
        Console.WriteLine($"  images without a face: {images.WithoutFace.Count}; unreadable or missing: {images.Unreadable.Count}");
        foreach (string problem in images.Unreadable.Take(10))
        {
            Console.WriteLine($"    {problem}");
        }

        WorstPairs("worst same-person pairs (lowest scores)", r.WorstSamePairs);
        WorstPairs("worst different-person pairs (highest scores)", r.WorstDifferentPairs);
    }

    /// <summary>The detection summary as (label, value) rows, shared by the text output and the HTML report.</summary>
    public static IEnumerable<KeyValuePair<string, string>> DetectionRows(DetectionSummary d)
    {
        string missing = d.ImagesWithoutFace.Count == 0 ? string.Empty : " (" + string.Join(", ", d.ImagesWithoutFace.Take(5).Select(Path.GetFileName)) + (d.ImagesWithoutFace.Count > 5 ? ", ..." : string.Empty) + ")";
        yield return new("Identity images without a face", $"{d.IdentityImagesWithoutFace} of {d.IdentityImages}{missing}; left out");
        yield return new("Identity images with several faces", $"{d.IdentityImagesWithSeveralFaces} (the largest face is used)");
        yield return new($"Faces found in {LabelledFolder.NofaceFolder}", $"{d.FacesInNoface} in {d.NofaceImages} images (each is a false detection)");
        yield return new("Faces found in other distractor folders", $"{d.FacesInOtherDistractors} in {d.DistractorImages - d.NofaceImages} images (all join the gallery)");
        if (d.UnreadableFiles > 0 || d.UnlabelledFiles > 0)
        {
            yield return new("Files left out", $"{d.UnreadableFiles} unreadable, {d.UnlabelledFiles} directly in the folder (no label)");
        }
    }

    private static void Models(FaceAnalyzer analyzer) =>
        Console.WriteLine($"recognizer {analyzer.ModelId}, detector {ModelIdentity.Of(analyzer.DetectorPath)}");

    private static void WorstPairs(string title, IReadOnlyList<PairScore> pairs)
    {
        if (pairs.Count == 0)
        {
            return;
        }

        Console.WriteLine(title + ":");
        foreach (PairScore p in pairs)
        {
            Console.WriteLine($"  {Score(p.Score)}  {p.PathA}  {p.PathB}");
        }
    }

    private static string Tar(double? tar, float? threshold) =>
        tar is null ? "n/a (too few different-person pairs)" : $"{Rate(tar)} at threshold {Score(threshold!.Value)}";

    private static string Rate(double? rate) => rate is double v ? (v * 100).ToString("0.00", Inv) + "%" : "n/a";

    private static string Score(float score) => score.ToString("0.000", Inv);
}
