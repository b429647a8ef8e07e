
namespace FaceVector.Benchmarks.Tests;

/// <summary>Sanity only: the benchmark runs and reports plausible numbers. Timing claims come from the benchmark program.</summary>
public sealed class VectorSearchBenchmarkTests
{
    [Fact]
    public async Task A_tiny_run_reports_every_size_and_a_printable_table()
    {
        var options = new VectorSearchBenchmarkOptions { Sizes = [300, 1_000], Queries = 10, LoadRows = 500, Centroids = 20, Dimension = 64 };
        var result = await new VectorSearchBenchmark(options).RunAsync();
        Assert.Equal([300, 1_000], result.Sizes.Select(s => s.Rows));
        Assert.All(result.Sizes, s =>
        {
            Assert.True(s.ExactP50Ms > 0 && s.ExactP99Ms >= s.ExactP50Ms && s.BandwidthBoundMs > 0);
            Assert.InRange(s.Int8RecallAt10, 0.8, 1.0);
            Assert.True(s.VectorBytes >= s.Rows * 64L * sizeof(float));
        });
        Assert.Equal(1_000, result.Kernel!.Rows);
        Assert.True(result.LoadMs > 0 && result.StoreFileBytes > 500 * 64 * sizeof(float));
        var table = result.ToTable();
        Assert.Contains("recall@10", table, StringComparison.Ordinal);
        Assert.Contains("500 faces", table, StringComparison.Ordinal);
    }
}
