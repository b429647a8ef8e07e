using System.Text.Json;

namespace FaceVector.Cli.Tests;

public sealed class IndexCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fv-index-cli-").FullName;

    private string Db => Path.Combine(_dir, "faces.db");

    [Fact]
    public async Task Index_then_query_gives_the_matches_and_scores_of_search_and_reindexing_changes_nothing()
    {
        var index = await FaceVectorProcess.RunAsync(["index", TestData.FacesDev, "--db", Db]);
        Assert.True(index.ExitCode == 0, index.Stderr);
        long faces = await FacesAsync();
        Assert.True(faces > 100);

        string probe = TestData.FacesDevFile("barack_obama/obama.jpg");
        var search = await FaceVectorProcess.RunAsync(["search", "--query", probe, "--target", TestData.FacesDev, "--json"]);
        var query = await FaceVectorProcess.RunAsync(["query", "--query", probe, "--db", Db, "--top", "1000", "--json"]);
        Assert.True(query.ExitCode == 0, query.Stderr);
        var expected = Matches(search.Stdout);
        var actual = Matches(query.Stdout);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((var key, float score) in expected)
        {
            Assert.True(Math.Abs(score - actual[key]) < 1e-5, $"{key}: search {score} vs query {actual[key]}");
        }

        var again = await FaceVectorProcess.RunAsync(["index", TestData.FacesDev, "--db", Db]);
        Assert.Contains("0 embedded", again.Stdout);
        Assert.Equal(faces, await FacesAsync());

        string group = TestData.FacesDevFile("_groups/kit_with_rose.jpg");
        var delete = await FaceVectorProcess.RunAsync(["delete", "--path", group, "--db", Db]);
        Assert.Contains("deleted 2 face(s)", delete.Stdout);
        Assert.Equal(faces - 2, await FacesAsync());
        var afterDelete = await FaceVectorProcess.RunAsync(["query", "--query", TestData.FacesDevFile("rose_leslie/img1.jpg"), "--db", Db, "--json"]);
        Assert.DoesNotContain("kit_with_rose.jpg", afterDelete.Stdout);
    }

    [Fact]
    public async Task Ingest_verify_reports_a_lost_store_and_repair_plus_index_puts_every_face_back()
    {
        string photos = Path.Combine(TestData.FacesDev, "barack_obama");
        Assert.Equal(0, (await FaceVectorProcess.RunAsync(["index", photos, "--db", Db])).ExitCode);
        long faces = await FacesAsync();
        var ok = await FaceVectorProcess.RunAsync(["ingest", "verify", "--db", Db]);
        Assert.True(ok.ExitCode == 0, ok.Stdout + ok.Stderr);
        Assert.Contains("journal and index agree", ok.Stdout);

        File.Delete(Db); // the store is lost, its journal (beside it) stays
        var lost = await FaceVectorProcess.RunAsync(["ingest", "verify", "--db", Db, "--json"]);
        Assert.Equal(1, lost.ExitCode);
        using (JsonDocument doc = JsonDocument.Parse(lost.Stdout))
        {
            Assert.Equal(faces, doc.RootElement.GetProperty("journalFaces").GetInt64());
            Assert.Equal(0, doc.RootElement.GetProperty("indexFaces").GetInt64());
            Assert.True(doc.RootElement.GetProperty("missing").GetArrayLength() > 0);
        }

        var repaired = await FaceVectorProcess.RunAsync(["ingest", "verify", "--db", Db, "--repair"]);
        Assert.True(repaired.ExitCode == 0, repaired.Stdout + repaired.Stderr);
        Assert.Contains("repaired", repaired.Stdout);
        var again = await FaceVectorProcess.RunAsync(["index", photos, "--db", Db]);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.DoesNotContain(" 0 embedded", again.Stdout);
        Assert.Equal(faces, await FacesAsync());
    }

    [Fact]
    public async Task Index_into_a_lost_store_under_the_old_journal_embeds_everything_again_and_says_so()
    {
        string photos = Path.Combine(TestData.FacesDev, "barack_obama");
        Assert.Equal(0, (await FaceVectorProcess.RunAsync(["index", photos, "--db", Db])).ExitCode);
        long faces = await FacesAsync();
        File.Delete(Db);
        var again = await FaceVectorProcess.RunAsync(["index", photos, "--db", Db]);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("were missing from the index and were embedded again", again.Stdout);
        Assert.Equal(faces, await FacesAsync());
    }

    [Fact]
    public async Task Stats_and_report_describe_the_store()
    {
        await FaceVectorProcess.RunAsync(["index", TestData.Awkward, "--db", Db]);
        var stats = await FaceVectorProcess.RunAsync(["stats", "--db", Db, "--json"]);
        using JsonDocument doc = JsonDocument.Parse(stats.Stdout);
        Assert.True(doc.RootElement.GetProperty("faces").GetInt64() >= 8);
        Assert.True(doc.RootElement.GetProperty("images").GetInt32() >= 8);
        Assert.StartsWith("w600k_mbf_dq@", doc.RootElement.GetProperty("model").GetString());

        var report = await FaceVectorProcess.RunAsync(["ingest", "report", "--db", Db, "--json"]);
        using JsonDocument r = JsonDocument.Parse(report.Stdout);
        string[] failed = [.. r.RootElement.GetProperty("failedFiles").EnumerateArray().Select(f => Path.GetFileName(f.GetProperty("path").GetString()!))];
        Assert.Contains("zero_bytes.jpg", failed);
        Assert.Contains("text_renamed.jpg", failed);
        Assert.Contains("huge_8000x8000.png", failed);
        Assert.All(r.RootElement.GetProperty("failedFiles").EnumerateArray(), f => Assert.False(string.IsNullOrEmpty(f.GetProperty("reason").GetString())));
    }

    [Fact]
    public async Task A_collection_refuses_queries_from_another_model()
    {
        await FaceVectorProcess.RunAsync(["index", Path.Combine(TestData.FacesDev, "amy"), "--db", Db]);
        // The same weights under another file name are another model identity as far as the store knows.
        string models = Path.Combine(_dir, "models");
        Directory.CreateDirectory(models);
        File.Copy(Path.Combine(TestData.ModelsPath, "scrfd_det_500m.onnx"), Path.Combine(models, "scrfd_det_500m.onnx"));
        File.Copy(Path.Combine(TestData.ModelsPath, "w600k_mbf_dq.onnx"), Path.Combine(models, "other_recognizer.onnx"));
        var query = await FaceVectorProcess.RunAsync(["query", "--query", TestData.FacesDevFile("amy/amy1.png"), "--db", Db, "--models", models, "--recognizer", "other_recognizer.onnx"]);
        Assert.Equal(2, query.ExitCode);
        Assert.Contains("w600k_mbf_dq", query.Stderr);
        Assert.Contains("other_recognizer", query.Stderr);
    }

    private async Task<long> FacesAsync()
    {
        var stats = await FaceVectorProcess.RunAsync(["stats", "--db", Db, "--json"]);
        using JsonDocument doc = JsonDocument.Parse(stats.Stdout);
        return doc.RootElement.GetProperty("faces").GetInt64();
    }

    private static Dictionary<(string Path, int Face), float> Matches(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("matches").EnumerateArray()
            .ToDictionary(m => (m.GetProperty("path").GetString()!, m.GetProperty("faceIndex").GetInt32()), m => m.GetProperty("score").GetSingle());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
