using FaceVector.Evaluation.Html;

namespace FaceVector.Evaluation.Tests;

public sealed class HtmlReportTests
{
    private const string MaliciousPath = "faces/<script>alert('x')</script>&\".jpg";

    private static string RenderWithMaliciousPaths(Func<string, string?>? thumbnail = null)
    {
        // The malicious pair is a false match at 0.5: a different pair scoring 0.95.
        var metrics = new VerificationMetrics(
        [
            new ScoredPair(0.9f, true, "a1.jpg", "a2.jpg"), new ScoredPair(0.2f, true, "b1.jpg", "b2.jpg"),
            new ScoredPair(0.95f, false, MaliciousPath, "c1.jpg"), new ScoredPair(0.1f, false, "d1.jpg", "e1.jpg"),
        ]);
        return HtmlReportWriter.Render(
            new HtmlReportContent("Report <b>title</b>", [new("Label <i>", "value & more")], metrics, 0.5f), thumbnail);
    }

    [Fact]
    public void ContainsEverySection()
    {
        var html = RenderWithMaliciousPaths();
        foreach (var section in new[] { "summary", "histogram", "roc", "precision-recall", "worst-errors" })
        {
            Assert.Contains($"<section id=\"{section}\">", html, StringComparison.Ordinal);
        }

        Assert.Equal(3, html.Split("<svg ").Length - 1);
        Assert.Contains("False matches", html, StringComparison.Ordinal);
        Assert.Contains("Misses", html, StringComparison.Ordinal);
        Assert.Contains("0.9500", html, StringComparison.Ordinal); // the false match's score
        Assert.Contains("0.2000", html, StringComparison.Ordinal); // the miss's score
    }

    [Fact]
    public void EscapesUserText()
    {
        var html = RenderWithMaliciousPaths();

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>title", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", html, StringComparison.Ordinal);
        Assert.Contains("faces/&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;.jpg", html, StringComparison.Ordinal);
        Assert.Contains("value &amp; more", html, StringComparison.Ordinal);
    }

    [Fact]
    public void InlinesOnlyDataUriThumbnails()
    {
        var html = RenderWithMaliciousPaths(path => path == "c1.jpg" ? "data:image/jpeg;base64,AAAA" : "javascript:alert(1)");

        Assert.Contains("<img src=\"data:image/jpeg;base64,AAAA\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
    }

    [Fact]
    public void DatasetAndBenchmarkReportsRender()
    {
        var dataset = HtmlReportWriter.Render(HtmlReportWriter.ForDataset(DatasetEvaluator.Evaluate(ReportTests.SmallDataset())));
        var benchmark = HtmlReportWriter.Render(HtmlReportWriter.ForBenchmark(ReportTests.SmallBenchmark()));

        Assert.Contains("Top-1 / top-5", dataset, StringComparison.Ordinal);
        Assert.Contains("not resolved", dataset, StringComparison.Ordinal);
        Assert.Contains("Accuracy (k-fold)", benchmark, StringComparison.Ordinal);
        Assert.Contains("Pairs without a face</th><td>1 ", benchmark, StringComparison.Ordinal);
    }
}
