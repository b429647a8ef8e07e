using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;

namespace FaceVector.Benchmarks.Tests;

/// <summary>Sanity only: the benchmark runs end to end on real photos and both writers write the same files. Timing claims come from `facevector bench ingest`.</summary>
public sealed class PrefilledIngestBenchmarkTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("fv-bench-ingest-").FullName;

    [Fact]
    public async Task A_tiny_run_compares_both_writers_on_the_same_files_and_prints_every_scenario()
    {
        using var analyzer = new FaceAnalyzer(new FaceAnalyzerOptions { Models = new ModelDirectory(TestData.ModelsPath, "tests") });
        var options = new PrefilledIngestOptions { PrefillFaces = 3_000, WriterFiles = 40, BatchFiles = 8 };
        PrefilledIngestResult result = await PrefilledIngestBenchmark.RunAsync(analyzer, TestData.FacesDevFile("barack_obama"), _work, options);

        Assert.Equal(["writer, new files", "writer, changed files", "whole ingest, new files"], result.Comparisons.Select(c => c.Scenario));
        Assert.All(result.Comparisons, c =>
        {
            Assert.Equal((c.Baseline.Files, c.Baseline.Faces), (c.Batched.Files, c.Batched.Faces));
            Assert.True(c.Baseline.Faces > 0 && c.Ratio > 0);
        });
        Assert.Equal(40, result.Comparisons[0].Batched.Files);
        string table = result.ToTable();
        Assert.Contains("3,000 synthetic faces", table, StringComparison.Ordinal);
        Assert.Contains("precomputed faces of 5 real photos", table, StringComparison.Ordinal);
        Assert.Contains("per-file delete by path", table, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
