using System.Text.RegularExpressions;

namespace FaceVector.Cli.Tests;

public sealed class BenchIngestTests
{
    [Fact]
    public async Task Bench_ingest_prints_both_comparisons_with_their_baselines_and_inputs()
    {
        CliRun run = await FaceVectorProcess.RunAsync("bench", "ingest", "--images", Path.Combine(TestData.FacesDev, "amy"), "--prefill", "2000", "--writer-files", "16");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Matches(new Regex(@"baseline: one image at a time.*\s1\.00\s"), run.Stdout);
        Assert.Contains("pre-filled with 2,000 synthetic faces", run.Stdout, StringComparison.Ordinal);
        foreach (string scenario in new[] { "writer, new files", "writer, changed files", "whole ingest, new files" })
        {
            Assert.Matches(new Regex(Regex.Escape(scenario) + @"\s+baseline: per-file delete by path, then upsert\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+1\.00"), run.Stdout);
            Assert.Matches(new Regex(Regex.Escape(scenario) + @"\s+batched replace"), run.Stdout);
        }

        Assert.Contains("precomputed faces of", run.Stdout, StringComparison.Ordinal);
    }
}
