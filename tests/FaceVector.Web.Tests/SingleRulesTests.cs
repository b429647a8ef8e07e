using System.Globalization;
using System.Net;
using System.Text.Json;
using FaceVector.Grpc.V1;
using Grpc.Net.Client;

namespace FaceVector.Web.Tests;

/// <summary>
/// One rule, every route: a threshold equal to a match's score keeps that match (score &gt;= threshold) in
/// <c>search</c>, <c>query</c>, <c>remote search</c> and the HTTP API; <c>stats</c>, gRPC GetStats and the page report
/// one image count. Real models, the real store, real sockets on loopback.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class SingleRulesTests(IndexedServerFixture fixture)
{
    private static readonly string ObamaFolder = Path.Combine(TestData.FacesDev, "barack_obama");

    /// <summary>A match below the best one (so the threshold is a real cut), and its exact score.</summary>
    private static (string Path, float Score) MiddleMatch(IEnumerable<(string Path, float Score)> matches)
    {
        (string Path, float Score)[] sorted = [.. matches.OrderByDescending(m => m.Score)];
        Assert.True(sorted.Length >= 3, $"expected at least 3 matches, got {sorted.Length}");
        return sorted[sorted.Length / 2];
    }

    private static string Exact(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static (string Path, float Score)[] CliMatches(CliRun run)
    {
        Assert.True(run.ExitCode == 0, run.Stderr);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        return [.. doc.RootElement.GetProperty("matches").EnumerateArray().Select(m => (m.GetProperty("path").GetString()!, m.GetProperty("score").GetSingle()))];
    }

    /// <summary>Runs a CLI search at a low threshold, then again at one match's exact score: that match must still be there.</summary>
    private static async Task AssertCliKeepsEqualScoreAsync(params string[] args)
    {
        string[] low = [.. args, "--threshold", "0", "--top", "50", "--json"];
        (string path, float score) = MiddleMatch(CliMatches(await FaceVectorProcess.RunAsync(low)));
        string[] equal = [.. args, "--threshold", Exact(score), "--top", "50", "--json"];
        (string Path, float Score)[] again = CliMatches(await FaceVectorProcess.RunAsync(equal));
        Assert.Contains((path, score), again);
        Assert.All(again, m => Assert.True(m.Score >= score, $"{m.Path} {m.Score} < {score}"));
    }

    [Fact]
    public Task Query_keeps_a_match_whose_score_equals_the_threshold() =>
        AssertCliKeepsEqualScoreAsync("query", "--db", fixture.DbPath, "--query", Expected.Probe);

    [Fact]
    public Task Search_keeps_a_match_whose_score_equals_the_threshold() =>
        AssertCliKeepsEqualScoreAsync("search", "--query", Expected.Probe, "--target", ObamaFolder);

    [Fact]
    public Task Remote_search_keeps_a_match_whose_score_equals_the_threshold() =>
        AssertCliKeepsEqualScoreAsync("remote", "search", "--server", fixture.Server.GrpcUrl!.ToString(), "--query", Expected.Probe);

    [Fact]
    public async Task Http_search_keeps_a_match_whose_score_equals_the_threshold()
    {
        (string path, float score) = MiddleMatch(await HttpMatchesAsync("0"));
        (string Path, float Score)[] again = await HttpMatchesAsync(Exact(score));
        Assert.Contains((path, score), again);
        Assert.All(again, m => Assert.True(m.Score >= score));
    }

    private async Task<(string Path, float Score)[]> HttpMatchesAsync(string threshold)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(await File.ReadAllBytesAsync(Expected.Probe)), "image", "obama.jpg" },
            { new StringContent(threshold), "threshold" },
            { new StringContent("50"), "top" },
        };
        using HttpResponseMessage response = await fixture.Server.Http.PostAsync("/api/search", form);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using JsonDocument doc = JsonDocument.Parse(body);
        return [.. doc.RootElement.GetProperty("matches").EnumerateArray().Select(m => (m.GetProperty("imagePath").GetString()!, m.GetProperty("score").GetSingle()))];
    }

    [Fact]
    public async Task Stats_grpc_and_the_page_report_the_same_image_count()
    {
        CliRun stats = await FaceVectorProcess.RunAsync("stats", "--db", fixture.DbPath, "--json");
        Assert.True(stats.ExitCode == 0, stats.Stderr);
        using JsonDocument cli = JsonDocument.Parse(stats.Stdout);
        long cliImages = cli.RootElement.GetProperty("images").GetInt64();

        using JsonDocument page = JsonDocument.Parse(await fixture.Server.Http.GetStringAsync("/api/stats"));
        long pageImages = page.RootElement.GetProperty("images").GetInt64();

        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.Server.GrpcUrl!);
        StatsReply grpc = await new FaceSearch.FaceSearchClient(channel).GetStatsAsync(new StatsRequest());

        // faces-dev holds photos that are byte-identical copies under two paths: a count by content would differ.
        int photos = Directory.EnumerateFiles(TestData.FacesDev, "*", SearchOption.AllDirectories).Count();
        Assert.True(cliImages > 0 && cliImages <= photos, $"{cliImages} images of {photos} files");
        Assert.Equal(cliImages, pageImages);
        Assert.Equal(cliImages, grpc.Images);
        Assert.Equal(cli.RootElement.GetProperty("faces").GetInt64(), grpc.Faces);
    }
}
