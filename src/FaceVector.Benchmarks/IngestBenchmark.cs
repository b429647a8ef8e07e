using System.Diagnostics;
using FaceVector.Core.Pipeline;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.Ingestion;

namespace FaceVector.Benchmarks;

/// <summary>One measured way of ingesting the same files into a fresh store.</summary>
public sealed record IngestRun(string Name, int Files, long Faces, TimeSpan Elapsed, TimeSpan CpuTime)
{
    public double FilesPerSecond => Files / Elapsed.TotalSeconds;

    public double FacesPerSecond => Faces / Elapsed.TotalSeconds;

    public double CoresUsed => CpuTime.TotalSeconds / Elapsed.TotalSeconds;
}

/// <summary>
/// Bulk ingest against the naive way (one image at a time: decode, detect, embed, write its faces, next), both into
/// fresh embedded stores, measured in the same run.
/// </summary>
public static class IngestBenchmark
{
    public static async Task<(IngestRun Baseline, IngestRun Pipeline)> RunAsync(FaceAnalyzerOptions options, string folder, string workDirectory, Action<string>? log = null, CancellationToken ct = default)
    {
        var source = new IngestSource { Folders = [folder] };
        IReadOnlyList<string> files = source.Files();
        Directory.CreateDirectory(workDirectory);

        log?.Invoke($"baseline: {files.Count} files one at a time");
        IngestRun baseline;
        using (var analyzer = new FaceAnalyzer(options with { Runtime = options.Runtime with { IntraOpThreads = 1 } }))
        await using (var index = new SqliteFaceIndex(new SqliteIndexOptions(Path.Combine(workDirectory, "baseline.db"), "faces")))
        {
            await index.EnsureCollectionAsync(new CollectionSpec(analyzer.EmbeddingDimension, analyzer.ModelId), ct);
            baseline = await MeasureAsync("baseline: one image at a time, write per image", files.Count, async () =>
            {
                long faces = 0;
                foreach (string file in files)
                {
                    ImageResult r = new BatchAnalyzer(analyzer, 1).AnalyzeOne(file);
                    if (r.Faces is not { } f)
                    {
                        continue;
                    }

                    FacePoint[] points = [.. f.Faces.Select(face => FacePoints.From(file, f.Sha256, face, analyzer.ModelId, DateTimeOffset.UtcNow))];
                    if (points.Length > 0)
                    {
                        await index.UpsertAsync(points, ct);
                    }

                    faces += points.Length;
                }

                return faces;
            });
        }

        log?.Invoke($"pipeline: {files.Count} files, bulk");
        IngestRun pipeline;
        using (var analyzer = new FaceAnalyzer(options with { Runtime = options.Runtime with { IntraOpThreads = 1 } }))
        await using (var index = new SqliteFaceIndex(new SqliteIndexOptions(Path.Combine(workDirectory, "pipeline.db"), "faces")))
        using (var journal = new IngestJournal(Path.Combine(workDirectory, "pipeline.journal")))
        {
            // The baseline took the models' warm-up; give the pipeline the same by analysing one file first.
            analyzer.Analyze(files[0]);
            var ingest = new IngestPipeline(new LocalImageEmbedder(analyzer), index, journal, new IngestOptions { Gates = new QualityGates(MinFaceSize: 0) });
            pipeline = await MeasureAsync($"pipeline: {Environment.ProcessorCount} images in flight, batched writes", files.Count,
                async () => (await ingest.RunAsync(source, cancellationToken: ct)).FacesIndexed);
        }

        return (baseline, pipeline);
    }

    private static async Task<IngestRun> MeasureAsync(string name, int files, Func<Task<long>> run)
    {
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        long faces = await run();
        return new IngestRun(name, files, faces, Stopwatch.GetElapsedTime(t0), Process.GetCurrentProcess().TotalProcessorTime - cpu0);
    }
}
