using System.Text.Json;
using System.Text.RegularExpressions;
using SixLabors.ImageSharp;

namespace FaceVector.Cli.Tests;

/// <summary>faces-dev evaluated once per class: as JSON with the HTML report, and without the group photos as JSON and as text.</summary>
public sealed class DatasetEvalFixture : CliRunsFixture
{
    public string ReportPath => Temp.File("report.html");

    public CliRun Json { get; private set; } = null!;

    public CliRun TextWithoutGroups { get; private set; } = null!;

    public CliRun JsonWithoutGroups { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        CliRun[] runs = await Task.WhenAll(
            FaceVectorProcess.RunAsync("eval", "--dataset", TestData.FacesDev, "--json", "--report", ReportPath),
            FaceVectorProcess.RunAsync("eval", "--dataset", TestData.FacesDev, "--exclude", "_groups", "--json"),
            FaceVectorProcess.RunAsync("eval", "--dataset", TestData.FacesDev, "--exclude", "_groups", "_noface"));
        (Json, JsonWithoutGroups, TextWithoutGroups) = (runs[0], runs[1], runs[2]);
    }
}

public sealed class DatasetEvalTests(DatasetEvalFixture fixture) : IClassFixture<DatasetEvalFixture>
{
    [Fact]
    public void Json_has_the_documented_keys_with_sane_values()
    {
        JsonElement r = fixture.Json.Json();
        Assert.StartsWith("w600k_mbf_dq@", r.GetProperty("model").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("scrfd_det_500m@", r.GetProperty("detector").GetString(), StringComparison.Ordinal);
        Assert.Equal(17, r.GetProperty("identity_count").GetInt32());
        Assert.InRange(r.GetProperty("eer").GetDouble(), 0, 0.1);
        Assert.InRange(r.GetProperty("tar_at_far_1e-2").GetDouble(), 0.9, 1);
        Assert.InRange(r.GetProperty("tar_at_far_1e-3").GetDouble(), 0.8, 1);
        Assert.InRange(r.GetProperty("tar_at_far_1e-3_threshold").GetDouble(), 0, 1);
        // _groups shows the labelled people, counted as distractors: their faces outrank some true mates.
        Assert.InRange(r.GetProperty("top1").GetDouble(), 0.8, 1);
        Assert.InRange(r.GetProperty("top5").GetDouble(), 0.95, 1);
        Assert.Equal(0.33, r.GetProperty("open_set").GetProperty("threshold").GetDouble(), 3);
        Assert.InRange(r.GetProperty("recommended_threshold").GetProperty("threshold").GetDouble(), 0.1, 0.6);

        double[] thresholds = [.. r.GetProperty("thresholds").EnumerateArray().Select(t => t.GetProperty("threshold").GetDouble())];
        Assert.Equal(11, thresholds.Length);
        Assert.Equal(0.20, thresholds[0], 3);
        Assert.Equal(0.70, thresholds[^1], 3);
        foreach (JsonElement t in r.GetProperty("thresholds").EnumerateArray())
        {
            Assert.All(new[] { "precision", "recall", "f1" }, key => Assert.InRange(t.GetProperty(key).GetDouble(), 0, 1));
        }
    }

    [Fact]
    public void Json_reports_what_the_detector_did()
    {
        JsonElement d = fixture.Json.Json().GetProperty("detection");
        Assert.Equal(75, d.GetProperty("identity_images").GetInt32());
        Assert.InRange(d.GetProperty("identity_images_without_face").GetInt32(), 0, 3);
        Assert.Equal(5, d.GetProperty("noface_images").GetInt32());
        Assert.InRange(d.GetProperty("faces_in_noface").GetInt32(), 0, 2);
        Assert.InRange(d.GetProperty("faces_in_other_distractors").GetInt32(), 40, 100);
        Assert.Equal(1, d.GetProperty("unlabelled_files").GetInt32()); // manifest.tsv
        Assert.Equal(0, d.GetProperty("unreadable_files").GetInt32());
    }

    [Fact]
    public void Without_the_group_photos_identification_is_near_perfect()
    {
        JsonElement r = fixture.JsonWithoutGroups.Json();
        Assert.InRange(r.GetProperty("top1").GetDouble(), 0.9, 1);
        Assert.Equal(0, r.GetProperty("detection").GetProperty("distractor_images").GetInt32() - r.GetProperty("detection").GetProperty("noface_images").GetInt32());
    }

    [Fact]
    public void Text_mode_prints_a_readable_summary()
    {
        CliRun run = fixture.TextWithoutGroups;
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("EER", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("TAR at FAR 1e-3", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"top-1 \d+\.\d\d%, top-5 \d+\.\d\d%"), run.Stdout);
        Assert.Matches(new Regex(@"recommended threshold for FMR 0\.001: 0\.\d{3}"), run.Stdout);
        Assert.Contains("threshold  precision  recall", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_is_self_contained_html_with_charts_and_small_thumbnails()
    {
        string html = File.ReadAllText(fixture.ReportPath);
        foreach (string section in new[] { "summary", "histogram", "roc", "precision-recall", "worst-errors" })
        {
            Assert.Contains($"<section id=\"{section}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("Faces found in _noface", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        // At the recommended threshold faces-dev has a few false matches, so thumbnails are shown.
        MatchCollection uris = Regex.Matches(html, "data:image/jpeg;base64,([A-Za-z0-9+/=]+)");
        Assert.NotEmpty(uris);
        foreach (Match uri in uris)
        {
            byte[] jpeg = Convert.FromBase64String(uri.Groups[1].Value);
            Assert.InRange(jpeg.Length, 100, 16_000);
            IImageInfo info = Image.Identify(jpeg);
            Assert.InRange(Math.Max(info.Width, info.Height), 8, 96);
        }
    }
}
