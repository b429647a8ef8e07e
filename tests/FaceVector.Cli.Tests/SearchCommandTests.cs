using System.Text.Json;

namespace FaceVector.Cli.Tests;

public sealed class SearchCommandTests
{
    [Fact]
    public async Task Json_search_prints_the_documented_shape_sorted_by_score()
    {
        var run = await FaceVectorProcess.RunAsync(["search", "--query", Path.Combine(TestData.FacesDev, "kit_harington", "john2.jpeg"),
            "--target", TestData.FacesDev, "--json"]);
        Assert.Equal(0, run.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        JsonElement root = doc.RootElement;
        Assert.EndsWith("john2.jpeg", root.GetProperty("query").GetProperty("path").GetString());
        Assert.Equal(4, root.GetProperty("query").GetProperty("bbox").GetArrayLength());
        JsonElement[] matches = [.. root.GetProperty("matches").EnumerateArray()];
        Assert.NotEmpty(matches);
        float[] scores = [.. matches.Select(m => m.GetProperty("score").GetSingle())];
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.All(matches, m =>
        {
            Assert.Equal(4, m.GetProperty("bbox").GetArrayLength());
            Assert.True(m.GetProperty("faceIndex").GetInt32() >= 0);
            string path = m.GetProperty("path").GetString()!;
            Assert.True(path.Contains("kit_harington", StringComparison.Ordinal) || path.Contains("kit_with_rose", StringComparison.Ordinal), path);
        });
        Assert.Equal(0, root.GetProperty("errors").GetArrayLength());
        Assert.True(root.GetProperty("stats").GetProperty("faces").GetInt32() > 100);
        // stderr is redirected here: no progress bar control characters.
        Assert.DoesNotContain('\r', run.Stderr);
    }

    [Fact]
    public async Task Text_search_with_top_and_threshold()
    {
        var run = await FaceVectorProcess.RunAsync(["search", "--query", Path.Combine(TestData.FacesDev, "barack_obama", "obama.jpg"),
            "--target", Path.Combine(TestData.FacesDev, "barack_obama"), "--top", "2", "--threshold", "0.6"]);
        Assert.Equal(0, run.ExitCode);
        string[] lines = [.. run.Stdout.Split('\n').Where(l => l.StartsWith("0.", StringComparison.Ordinal) || l.StartsWith("1.", StringComparison.Ordinal))];
        Assert.Equal(2, lines.Length);
    }

    [Fact]
    public async Task Broken_files_go_to_errors_and_the_run_finishes()
    {
        var run = await FaceVectorProcess.RunAsync(["search", "--query", Path.Combine(TestData.FacesDev, "kit_harington", "john2.jpeg"),
            "--target", TestData.Awkward, "--json"]);
        Assert.Equal(0, run.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        string[] errors = [.. doc.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()!)];
        Assert.Contains(errors, e => e.EndsWith("zero_bytes.jpg", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.EndsWith("text_renamed.jpg", StringComparison.Ordinal));
        Assert.Contains(doc.RootElement.GetProperty("matches").EnumerateArray(), m => m.GetProperty("path").GetString()!.EndsWith("grayscale_1ch.jpg", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Query_problems_name_the_file_and_exit_2()
    {
        var noFace = await FaceVectorProcess.RunAsync(["search", "--query", Path.Combine(TestData.FacesDev, "_noface", "coins.png"), "--target", TestData.FacesDev]);
        Assert.Equal(2, noFace.ExitCode);
        Assert.Contains("coins.png", noFace.Stderr);
        Assert.Contains("no face", noFace.Stderr);

        var broken = await FaceVectorProcess.RunAsync(["search", "--query", Path.Combine(TestData.Awkward, "text_renamed.jpg"), "--target", TestData.FacesDev]);
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("text_renamed.jpg", broken.Stderr);
        Assert.Contains("not an image", broken.Stderr);
    }

    [Fact]
    public async Task Missing_models_explain_where_to_put_them()
    {
        var run = await FaceVectorProcess.RunAsync(["search", "--query", Path.Combine(TestData.FacesDev, "amy", "amy1.png"), "--target", TestData.FacesDev,
            "--models", Path.Combine(Path.GetTempPath(), "no-such-models")]);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("FACEVECTOR_MODELS", run.Stderr);
    }
}

public sealed class AnalyzeCommandTests
{
    [Fact]
    public async Task Embed_json_has_boxes_keypoints_and_unit_embeddings()
    {
        var run = await FaceVectorProcess.RunAsync(["embed", Path.Combine(TestData.FacesDev, "_groups", "kit_with_rose.jpg"), "--json"]);
        Assert.Equal(0, run.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        JsonElement[] faces = [.. doc.RootElement.GetProperty("faces").EnumerateArray()];
        Assert.Equal(2, faces.Length);
        foreach (JsonElement face in faces)
        {
            Assert.Equal(10, face.GetProperty("keypoints").GetArrayLength());
            float[] e = [.. face.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle())];
            Assert.Equal(512, e.Length);
            Assert.Equal(1.0, Math.Sqrt(e.Sum(x => (double)x * x)), 3);
        }
    }

    [Fact]
    public async Task Embed_jsonl_streams_one_line_per_file_and_bad_files_get_an_error_line()
    {
        var run = await FaceVectorProcess.RunAsync(["embed", TestData.Awkward, "--jsonl", "--face", "largest"]);
        Assert.Equal(0, run.ExitCode);
        string[] lines = [.. run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        Assert.Equal(Directory.GetFiles(TestData.Awkward).Length, lines.Length);
        var docs = lines.Select(l => JsonDocument.Parse(l)).ToList();
        Assert.Contains(docs, d => d.RootElement.GetProperty("path").GetString()!.EndsWith("zero_bytes.jpg", StringComparison.Ordinal) && d.RootElement.TryGetProperty("error", out _));
        Assert.All(docs.Where(d => d.RootElement.TryGetProperty("faces", out _)), d => Assert.True(d.RootElement.GetProperty("faces").GetArrayLength() <= 1));
    }

    [Fact]
    public async Task Detect_prints_faces_and_saves_aligned_crops()
    {
        string crops = Directory.CreateTempSubdirectory("fv-crops-").FullName;
        var run = await FaceVectorProcess.RunAsync(["detect", Path.Combine(TestData.FacesDev, "_groups", "two_people.jpg"), "--save-crops", crops]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("2 face(s)", run.Stdout);
        Assert.Equal(2, Directory.GetFiles(crops, "*.png").Length);
        Directory.Delete(crops, true);
    }

    [Fact]
    public async Task Models_list_shows_sha256_role_and_licence()
    {
        var run = await FaceVectorProcess.RunAsync(["models", "list"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("w600k_mbf_int8.onnx", run.Stdout);
        Assert.Contains("w600k_mbf_dq.onnx", run.Stdout);
        Assert.Contains("sha256 ok", run.Stdout);
        // The load-time rewrites each model gets, checked as at load: PRelu on dq, the head merge on SCRFD.
        Assert.Contains("prelu-relu (34 site(s)", run.Stdout);
        Assert.Contains("conv-merge (3 site(s)", run.Stdout);
        Assert.Contains("prelu-relu not applied", run.Stdout);
        Assert.Contains("non-commercial", run.Stdout);
        Assert.Contains("MIT", run.Stdout);
    }
}
