using System.Diagnostics;
using FaceVector.Core.Pipeline;

namespace FaceVector.Benchmarks;

/// <summary>One measured configuration of the folder search pipeline.</summary>
public sealed record PipelineRun(string Name, int Parallelism, int IntraOpThreads, int Images, int Faces, TimeSpan Elapsed, TimeSpan CpuTime, StageTimings Stages)
{
    public double ImagesPerSecond => Images / Elapsed.TotalSeconds;

    /// <summary>Average number of cores kept busy (process CPU time / wall time).</summary>
    public double CoresUsed => CpuTime.TotalSeconds / Elapsed.TotalSeconds;
}

public sealed record PipelineBenchmarkResult(IReadOnlyList<PipelineRun> Runs, int Files, int Rounds)
{
    public PipelineRun Baseline => Runs[0];

    public double SpeedupOf(PipelineRun run) => run.ImagesPerSecond / Baseline.ImagesPerSecond;
}

/// <summary>
/// Measures the one-shot search pipeline (decode, detect, align, embed) over a set of files against a naive
/// baseline of the same pipeline measured in the same run: one image at a time, single-threaded.
/// </summary>
public static class PipelineBenchmark
{
    public static async Task<PipelineBenchmarkResult> RunAsync(FaceAnalyzerOptions options, IReadOnlyList<string> files, int rounds = 1, int parallelism = 0, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        int cores = parallelism > 0 ? parallelism : Environment.ProcessorCount;
        var configs = new List<(string Name, int Dop, int Intra)>
        {
            ("baseline: 1 image at a time, 1 thread", 1, 1),
            ($"1 image at a time, {cores} intra-op threads", 1, cores),
            ($"pipelined: {cores} images in flight, 1 thread each", cores, 1),
        };
        var runs = new List<PipelineRun>();
        foreach ((string name, int dop, int intra) in configs)
        {
            runs.Add(await MeasureAsync(options, files, name, dop, intra, rounds, log, cancellationToken).ConfigureAwait(false));
        }

        return new PipelineBenchmarkResult(runs, files.Count, rounds);
    }

    /// <summary>
    /// Measures one configuration: <paramref name="parallelism"/> images in flight (1: a plain loop, no batching),
    /// each model run on <paramref name="intraOpThreads"/> threads. Model loading and a short warm-up are not timed.
    /// </summary>
    public static async Task<PipelineRun> MeasureAsync(FaceAnalyzerOptions options, IReadOnlyList<string> files, string name, int parallelism, int intraOpThreads, int rounds = 1, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        using var analyzer = new FaceAnalyzer(options with { Runtime = options.Runtime with { IntraOpThreads = intraOpThreads } });
        // Warm-up: the first runs pay for session initialisation and JIT.
        foreach (string f in files.Take(Math.Min(4, files.Count)))
        {
            new BatchAnalyzer(analyzer, 1).AnalyzeOne(f);
        }

        log?.Invoke($"measuring: {name}");
        var batch = new BatchAnalyzer(analyzer, parallelism);
        int images = 0, faces = 0;
        var stages = default(StageTimings);
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        for (int r = 0; r < rounds; r++)
        {
            if (parallelism == 1)
            {
                foreach (string f in files)
                {
                    Count(batch.AnalyzeOne(f), ref images, ref faces, ref stages);
                }
            }
            else
            {
                await foreach (ImageResult res in batch.AnalyzeAsync(files, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    Count(res, ref images, ref faces, ref stages);
                }
            }
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(t0);
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        return new PipelineRun(name, parallelism, intraOpThreads, images, faces, elapsed, cpu, stages);
    }

    private static void Count(ImageResult result, ref int images, ref int faces, ref StageTimings stages)
    {
        if (result.Faces is { } f)
        {
            images++;
            faces += f.Faces.Count;
            stages += f.Timings;
        }
    }
}
