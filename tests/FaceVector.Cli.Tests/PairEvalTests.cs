using System.Text.Json;
using FaceVector.Evaluation.Lfw;

namespace FaceVector.Cli.Tests;

/// <summary>faces-dev turned into a 2-fold pairs benchmark once per class, and that benchmark run.</summary>
public sealed class PairBenchmarkFixture : CliRunsFixture
{
    public string PairsFile => Temp.File("pairs.txt");

    public string Images => Temp.File("lfw");

    public CliRun MakePairs { get; private set; } = null!;

    public CliRun Benchmark { get; private set; } = null!;

    public string Write(string name, string text)
    {
        File.WriteAllText(Temp.File(name), text);
        return Temp.File(name);
    }

    public override async Task InitializeAsync()
    {
        MakePairs = await FaceVectorProcess.RunAsync("eval", "--make-pairs", Temp.Path, "--images", TestData.FacesDev, "--folds", "2", "--pairs-per-fold", "50", "--seed", "7");
        Benchmark = await FaceVectorProcess.RunAsync("eval", "--pairs", PairsFile, "--images", Images, "--json");
    }
}

public sealed class PairEvalTests(PairBenchmarkFixture fixture) : IClassFixture<PairBenchmarkFixture>
{
    [Fact]
    public void Make_pairs_writes_an_lfw_pairs_file_and_links_in_the_lfw_layout()
    {
        Assert.True(fixture.MakePairs.ExitCode == 0, fixture.MakePairs.Stderr);
        LfwPairList list = LfwPairFile.Parse(File.ReadAllText(fixture.PairsFile));
        Assert.Equal(2, list.FoldCount);
        Assert.Equal(200, list.Pairs.Count);
        foreach (LfwPair pair in list.Pairs)
        {
            Assert.True(File.Exists(pair.PathA(fixture.Images)), pair.PathA(fixture.Images));
            Assert.True(File.Exists(pair.PathB(fixture.Images)), pair.PathB(fixture.Images));
        }

        string link = LfwPair.ImagePath(fixture.Images, "amy", 1);
        Assert.Equal(Path.Combine(TestData.FacesDev, "amy", "amy1.png"), new FileInfo(link).LinkTarget);
    }

    [Fact]
    public async Task Make_pairs_by_default_takes_the_most_pairs_every_fold_can_supply_and_is_repeatable()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        CliRun first = await FaceVectorProcess.RunAsync("eval", "--make-pairs", a.Path, "--images", TestData.FacesDev, "--json");
        CliRun second = await FaceVectorProcess.RunAsync("eval", "--make-pairs", b.Path, "--images", TestData.FacesDev, "--json");
        int perFold = first.Json().GetProperty("pairs_per_fold").GetInt32();
        Assert.InRange(perFold, 20, 299); // faces-dev is far below the 300 cap
        Assert.Equal(File.ReadAllText(a.File("pairs.txt")), File.ReadAllText(b.File("pairs.txt")));
        Assert.Equal(first.Json().GetProperty("pair_count").GetInt32(), second.Json().GetProperty("pair_count").GetInt32());

        // One more pair per fold than the default is more than some fold can supply.
        CliRun tooMany = await FaceVectorProcess.RunAsync("eval", "--make-pairs", b.Path, "--images", TestData.FacesDev, "--pairs-per-fold", (perFold + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, tooMany.ExitCode);
        Assert.Contains("can supply only", tooMany.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Round_trip_on_faces_dev_is_accurate_and_finds_every_face()
    {
        JsonElement r = fixture.Benchmark.Json();
        Assert.StartsWith("w600k_mbf_dq@", r.GetProperty("model").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, r.GetProperty("pair_count").GetInt32());
        Assert.Equal(2, r.GetProperty("fold_count").GetInt32());
        Assert.InRange(r.GetProperty("accuracy").GetDouble(), 0.9, 1);
        Assert.InRange(r.GetProperty("accuracy_std").GetDouble(), 0, 0.1);
        Assert.InRange(r.GetProperty("threshold").GetDouble(), 0, 0.7);
        Assert.InRange(r.GetProperty("best_accuracy").GetDouble(), 0.9, 1);
        Assert.True(r.TryGetProperty("tar_at_far_1e-3", out _));
        Assert.InRange(r.GetProperty("no_face").GetInt32(), 0, 4);
        Assert.Equal(r.GetProperty("no_face").GetInt32() == 0, r.GetProperty("no_face_images").GetArrayLength() == 0);
        Assert.Empty(r.GetProperty("unreadable_images").EnumerateArray());
        Assert.Equal(2, r.GetProperty("fold_results").GetArrayLength());
        Assert.NotEmpty(r.GetProperty("worst_same_pairs").EnumerateArray());
    }

    [Fact]
    public async Task A_missing_image_is_reported_and_scored_as_no_face()
    {
        string pairs = fixture.Write("missing.txt", "2 1\namy 1 2\namy 1 penny 1\npenny 1 99\npenny 1 nobody 1\n");
        CliRun run = await FaceVectorProcess.RunAsync("eval", "--pairs", pairs, "--images", fixture.Images, "--json");
        JsonElement r = run.Json();
        Assert.Equal(2, r.GetProperty("no_face").GetInt32());
        string[] unreadable = [.. r.GetProperty("unreadable_images").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal(2, unreadable.Length);
        Assert.Contains(unreadable, u => u.Contains("penny_0099.jpg", StringComparison.Ordinal));
        Assert.Contains("missing or unreadable", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_pairs_file_exits_with_2_and_names_the_line()
    {
        string pairs = fixture.Write("malformed.txt", "2 1\namy 1 2\n\namy one penny 1\npenny 1 2\npenny 1 amy 1\n");
        CliRun run = await FaceVectorProcess.RunAsync("eval", "--pairs", pairs, "--images", fixture.Images);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("line 4", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task Pairs_without_images_is_a_usage_error()
    {
        CliRun run = await FaceVectorProcess.RunAsync("eval", "--pairs", fixture.PairsFile);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--images", run.Stderr, StringComparison.Ordinal);
    }
}
