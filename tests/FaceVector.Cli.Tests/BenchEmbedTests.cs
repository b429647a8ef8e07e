using System.Text.RegularExpressions;

namespace FaceVector.Cli.Tests;

public sealed class BenchEmbedTests
{
    [Fact]
    public async Task Bench_embed_measures_the_three_ways_against_one_photo_at_a_time()
    {
        CliRun run = await FaceVectorProcess.RunAsync("bench", "embed", "--images", Path.Combine(TestData.FacesDev, "amy"), "--process-files", "2");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Matches(new Regex(@"\(a\) a process per photo.*\s2\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+-"), run.Stdout);
        Assert.Matches(new Regex(@"\(b\) one process, one photo at a time\s.*\s1\.00\s"), run.Stdout);
        Assert.Matches(new Regex(@"\(c\) one process, bulk"), run.Stdout);
    }
}
