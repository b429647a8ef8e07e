using System.Globalization;
using System.Text;

namespace FaceVector.Evaluation.Html;

/// <summary>
/// What one HTML report shows: a summary table (label, value), the verification metrics behind the charts, and the
/// threshold at which the worst false matches and misses are listed.
/// </summary>
public sealed record HtmlReportContent(
    string Title,
    IReadOnlyList<KeyValuePair<string, string>> Summary,
    VerificationMetrics Metrics,
    float ErrorThreshold,
    int WorstCount = 10);

/// <summary>
/// Writes one self-contained HTML file: inline CSS and SVG only, no scripts, no external resources. All text,
/// paths included, is HTML-encoded. Thumbnails come from the caller as <c>data:image/...</c> URIs; anything else is ignored.
/// </summary>
public static class HtmlReportWriter
{
    private const string SameColour = "#2a9d8f", DifferentColour = "#e76f51";

    public static string Render(HtmlReportContent content, Func<string, string?>? thumbnail = null)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(writer, content, thumbnail);
        return writer.ToString();
    }

    public static void Write(TextWriter writer, HtmlReportContent content, Func<string, string?>? thumbnail = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(content);
        var html = new StringBuilder();
        var title = SvgChart.Encode(content.Title);
        html.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n");
        html.Append("<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}img{max-width:112px;max-height:112px}code{word-break:break-all}</style></head><body>\n");
        html.Append(CultureInfo.InvariantCulture, $"<h1>{title}</h1>\n");

        html.Append("<section id=\"summary\"><h2>Summary</h2><table>\n");
        foreach (var (label, value) in content.Summary)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{SvgChart.Encode(label)}</th><td>{SvgChart.Encode(value)}</td></tr>\n");
        }

        html.Append("</table></section>\n");
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"histogram\"><h2>Score distributions</h2>{HistogramChart(content.Metrics.Histogram())}</section>\n");
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"roc\"><h2>ROC</h2>{RocChart(content.Metrics.Roc())}</section>\n");
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"precision-recall\"><h2>Precision, recall and F1 against threshold</h2>{PrecisionRecallChart(content.Metrics.PrecisionRecallGrid(0, 1, 0.01))}</section>\n");

        var errors = content.Metrics.WorstErrors(content.ErrorThreshold, content.WorstCount);
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"worst-errors\"><h2>Worst errors at threshold {SvgChart.Number(content.ErrorThreshold, "0.####")}</h2>\n");
        ErrorTable(html, "False matches (different people, score &gt;= threshold)", errors.FalseMatches, thumbnail);
        ErrorTable(html, "Misses (same person, score &lt; threshold)", errors.Misses, thumbnail);
        html.Append("</section>\n</body></html>\n");
        writer.Write(html.ToString());
    }

    /// <summary>Report content for a dataset evaluation; errors are listed at the recommended threshold.</summary>
    public static HtmlReportContent ForDataset(DatasetEvaluationResult result, string title = "FaceVector dataset evaluation")
    {
        ArgumentNullException.ThrowIfNull(result);
        var r = result.Report;
        return new HtmlReportContent(title, [
            Row("Images", r.ImageCount), Row("Identities", r.IdentityCount), Row("Distractors", r.DistractorCount),
            Row("Same-person pairs", r.SamePairs), Row("Different-person pairs", r.DifferentPairs),
            Row("EER", Rate(r.Eer) + " at threshold " + Score(r.EerThreshold)),
            Row("TAR at FAR 1e-2", TarText(r.TarAtFar1e2, r.TarAtFar1e2Threshold)),
            Row("TAR at FAR 1e-3", TarText(r.TarAtFar1e3, r.TarAtFar1e3Threshold)),
            Row("Best accuracy", Rate(r.BestAccuracy) + " at threshold " + Score(r.BestAccuracyThreshold)),
            Row("Top-1 / top-5 (leave-one-out)", Rate(r.Top1) + " / " + Rate(r.Top5) + $" over {r.IdentificationProbes} probes"),
            Row($"Open set at {Score(r.OpenSet.Threshold)}", "DIR " + Rate(r.OpenSet.DetectionAndIdentificationRate) + ", FAR " + Rate(r.OpenSet.FalseAcceptRate)),
            Row($"Recommended threshold (FAR {r.RecommendedThreshold.TargetFar:0.#####})", RecommendationText(r.RecommendedThreshold)),
        ], result.Metrics, r.RecommendedThreshold.Threshold);
    }

    /// <summary>Report content for a pair-list benchmark; errors are listed at the mean k-fold threshold.</summary>
    public static HtmlReportContent ForBenchmark(PairBenchmarkResult result, string title = "FaceVector pair benchmark")
    {
        ArgumentNullException.ThrowIfNull(result);
        var r = result.Report;
        return new HtmlReportContent(title, [
            Row("Pairs", r.PairCount), Row("Folds", r.FoldCount),
            Row("Accuracy (k-fold)", Rate(r.Accuracy) + " ± " + Rate(r.AccuracyStd) + " at mean threshold " + Score(r.Threshold)),
            Row("Best single-threshold accuracy", Rate(r.BestAccuracy) + " at threshold " + Score(r.BestThreshold)),
            Row("EER", Rate(r.Eer)),
            Row("TAR at FAR 1e-3", TarText(r.TarAtFar1e3, r.TarAtFar1e3Threshold)),
            Row("Pairs without a face", r.NoFace.ToString(CultureInfo.InvariantCulture) + " (" + r.NoFacePolicy + ")"),
        ], result.Metrics, r.Threshold);
    }

    private static KeyValuePair<string, string> Row(string label, string value) => new(label, value);

    private static KeyValuePair<string, string> Row(string label, int value) => new(label, value.ToString(CultureInfo.InvariantCulture));

    private static string Rate(double? value) => value is { } v ? SvgChart.Number(v, "0.0000") : "n/a";

    private static string Score(float value) => SvgChart.Number(value, "0.####");

    private static string TarText(double? tar, float? threshold) =>
        tar is null ? "not resolved (too few different-person pairs)" : Rate(tar) + " at threshold " + Score(threshold!.Value);

    private static string RecommendationText(OperatingPoint point) =>
        Score(point.Threshold) + $" (TAR {Rate(point.Tar)}, FAR {Rate(point.Far)})" + (point.Resolved ? "" : ", not resolved: too few different-person pairs");

    private static string HistogramChart(ScoreHistogram histogram)
    {
        // Each class is normalised to fractions so the two distributions compare despite very different pair counts.
        static IEnumerable<(double, double)> Steps(ScoreHistogram h, IReadOnlyList<int> counts)
        {
            var total = Math.Max(1, counts.Sum());
            for (var bin = 0; bin < counts.Count; bin++)
            {
                var fraction = (double)counts[bin] / total;
                yield return (h.Min + (bin * h.BinWidth), fraction);
                yield return (h.Min + ((bin + 1) * h.BinWidth), fraction);
            }
        }

        var peak = histogram.SameCounts.Select(c => (double)c / Math.Max(1, histogram.SameCounts.Sum()))
            .Concat(histogram.DifferentCounts.Select(c => (double)c / Math.Max(1, histogram.DifferentCounts.Sum())))
            .Max();
        var yMax = Math.Max(0.05, Math.Ceiling(peak * 20) / 20);
        return new SvgChart(histogram.Min, histogram.Max, 0, yMax)
            .Axes(Ticks(histogram.Min, histogram.Max, 8), x => SvgChart.Number(x, "0.##"), Ticks(0, yMax, 5), "score", "fraction of pairs")
            .Line(Steps(histogram, histogram.DifferentCounts), DifferentColour, "different person", fill: true)
            .Line(Steps(histogram, histogram.SameCounts), SameColour, "same person", fill: true)
            .Render("Score histograms");
    }

    private static string RocChart(IReadOnlyList<RocPoint> roc)
    {
        // Log FAR axis from the smallest non-zero FAR (at most 1e-6 below it is shown) to 1; FAR 0 sits on the left edge.
        var smallest = roc.Where(p => p.Far > 0).Select(p => p.Far).DefaultIfEmpty(1e-1).Min();
        var left = Math.Max(-6, Math.Floor(Math.Log10(smallest)));
        if (left >= 0)
        {
            left = -1;
        }

        // Thin in chart space (keep a point once it moves 1/500 of an axis), so millions of thresholds stay a small
        // path without losing the shape near FAR 0 where most same-pair thresholds sit.
        var points = new List<(double X, double Y)>();
        foreach (var p in roc)
        {
            var point = (X: p.Far > 0 ? Math.Max(left, Math.Log10(p.Far)) : left, Y: p.Tar);
            if (points.Count == 0 || Math.Abs(point.X - points[^1].X) > -left / 500 || Math.Abs(point.Y - points[^1].Y) > 1.0 / 500)
            {
                points.Add(point);
            }
        }

        var last = roc[^1];
        points.Add((last.Far > 0 ? Math.Log10(last.Far) : left, last.Tar));
        return new SvgChart(left, 0, 0, 1)
            .Axes(Enumerable.Range((int)left, 1 - (int)left).Select(e => (double)e), x => "1e" + SvgChart.Number(x), Ticks(0, 1, 5), "false accept rate (log)", "true accept rate")
            .Line(points, SameColour, "ROC")
            .Render("ROC curve");
    }

    private static string PrecisionRecallChart(IReadOnlyList<PrecisionRecallPoint> grid) =>
        new SvgChart(grid[0].Threshold, grid[^1].Threshold, 0, 1)
            .Axes(Ticks(grid[0].Threshold, grid[^1].Threshold, 10), x => SvgChart.Number(x, "0.##"), Ticks(0, 1, 5), "threshold (match when score >= threshold)", "rate")
            .Line(grid.Select(p => ((double)p.Threshold, p.Precision)), "#264653", "precision")
            .Line(grid.Select(p => ((double)p.Threshold, p.Recall)), "#e9c46a", "recall")
            .Line(grid.Select(p => ((double)p.Threshold, p.F1)), "#9b5de5", "F1")
            .Render("Precision, recall and F1 against threshold");

    private static IEnumerable<double> Ticks(double from, double to, int intervals) =>
        Enumerable.Range(0, intervals + 1).Select(k => from + ((to - from) * k / intervals));

    private static void ErrorTable(StringBuilder html, string heading, IReadOnlyList<ScoredPair> pairs, Func<string, string?>? thumbnail)
    {
        html.Append(CultureInfo.InvariantCulture, $"<h3>{heading}</h3>\n");
        if (pairs.Count == 0)
        {
            html.Append("<p>None.</p>\n");
            return;
        }

        html.Append("<table><tr><th>Score</th><th>Image A</th><th>Image B</th></tr>\n");
        foreach (var pair in pairs)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{SvgChart.Number(pair.Score, "0.0000")}</td><td>{ImageCell(pair.PathA, thumbnail)}</td><td>{ImageCell(pair.PathB, thumbnail)}</td></tr>\n");
        }

        html.Append("</table>\n");
    }

    private static string ImageCell(string? path, Func<string, string?>? thumbnail)
    {
        if (path is null)
        {
            return "";
        }

        var uri = thumbnail?.Invoke(path);
        // Only inline images: a caller-supplied http: or javascript: URI would break the self-contained promise.
        var image = uri is not null && uri.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase)
            ? $"<img src=\"{SvgChart.Encode(uri)}\" alt=\"\"><br>"
            : "";
        return $"{image}<code>{SvgChart.Encode(path)}</code>";
    }
}
