using System.Diagnostics;
using FaceVector.Core.Detection;
using FaceVector.Core.Diagnostics;
using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Core.Recognition;

namespace FaceVector.Benchmarks;

/// <summary>The search pipeline with today's defaults against the defaults before, and the compute bound, from one run.</summary>
/// <param name="Before">int8 recognizer, fixed 640 letterbox, graphs as in the files, each photo's faces embedded on its own worker.</param>
/// <param name="Now">the given options (the defaults: dq recognizer rewritten, per-photo detection size, cross-photo batches).</param>
/// <param name="ModelOnly">the given options one photo at a time on one thread; its <see cref="PipelineRun.ModelTime"/> is the model-only work.</param>
public sealed record PipelineComparison(PipelineRun Before, PipelineRun Now, PipelineRun ModelOnly, int Cores)
{
    public double Speedup => Now.ImagesPerSecond / Before.ImagesPerSecond;

    /// <summary>
    /// Model-only time per photo (measured alone, one thread) over the wall time per photo times the cores: 1.0 means
    /// every core did nothing but run the models.
    /// </summary>
    public double ComputeBoundFraction =>
        ModelOnly.ModelTime.TotalSeconds / ModelOnly.Images / (Now.Elapsed.TotalSeconds / Now.Images * Cores);

    /// <summary>
    /// The same in CPU time: model-only CPU per photo (thread CPU clock around each run, one photo at a time) over the
    /// process CPU per photo of <see cref="Now"/>. On a machine shared with other work, where this process gets fewer
    /// than <see cref="Cores"/> cores, this is the share of the CPU it was given that went into the models.
    /// </summary>
    public double CpuBoundFraction =>
        Now.CpuTime <= TimeSpan.Zero ? 0 : ModelOnly.ModelCpuTime.TotalSeconds / ModelOnly.Images / (Now.CpuTime.TotalSeconds / Now.Images);

    /// <summary>
    /// The three configurations take turns, one pass over the files each per round (after an untimed pass each), so
    /// load from other work on the machine falls on all of them alike.
    /// </summary>
    public static async Task<PipelineComparison> RunAsync(FaceAnalyzerOptions options, IReadOnlyList<string> files, int rounds, int parallelism, Action<string>? log, CancellationToken cancellationToken)
    {
        int cores = parallelism > 0 ? parallelism : Environment.ProcessorCount;
        using var before = new FaceAnalyzer(options.AsBefore());
        using var now = new FaceAnalyzer(options);
        using var alone = new FaceAnalyzer(options);
        (string Name, FaceAnalyzer Analyzer, int Dop)[] configs =
        [
            ($"before: int8, fixed 640, {cores} in flight", before, cores),
            ($"now: {Describe(options)}, {cores} in flight", now, cores),
            ("now, one photo at a time (model-only time)", alone, 1),
        ];
        var totals = new PipelineRun[configs.Length];
        for (int r = -1; r < Math.Max(1, rounds); r++)
        {
            for (int c = 0; c < configs.Length; c++)
            {
                log?.Invoke(r < 0 ? $"warm-up: {configs[c].Name}" : $"round {r + 1}: {configs[c].Name}");
                PipelineRun pass = await PassAsync(configs[c].Analyzer, files, configs[c].Name, configs[c].Dop, cancellationToken).ConfigureAwait(false);
                if (r >= 0)
                {
                    totals[c] = totals[c] is null ? pass : Add(totals[c], pass);
                }
            }
        }

        return new PipelineComparison(totals[0], totals[1], totals[2], cores);
    }

    private static PipelineRun Add(PipelineRun a, PipelineRun b) =>
        new(a.Name, a.Parallelism, a.IntraOpThreads, a.Images + b.Images, a.Faces + b.Faces, a.Elapsed + b.Elapsed, a.CpuTime + b.CpuTime, a.Stages + b.Stages)
        {
            ModelTime = a.ModelTime + b.ModelTime,
            ModelCpuTime = a.ModelCpuTime + b.ModelCpuTime,
        };

    private static async Task<PipelineRun> PassAsync(FaceAnalyzer analyzer, IReadOnlyList<string> files, string name, int parallelism, CancellationToken cancellationToken)
    {
        var batch = new BatchAnalyzer(analyzer, parallelism);
        int images = 0, faces = 0;
        var stages = default(StageTimings);
        TimeSpan model0 = analyzer.ModelTime, modelCpu0 = analyzer.ModelCpuTime;
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        void Count(ImageResult r)
        {
            if (r.Faces is { } f)
            {
                images++;
                faces += f.Faces.Count;
                stages += f.Timings;
            }
        }

        if (parallelism == 1)
        {
            foreach (string f in files)
            {
                Count(batch.AnalyzeOne(f));
            }
        }
        else
        {
            await foreach (ImageResult r in batch.AnalyzeAsync(files, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                Count(r);
            }
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(t0);
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        return new PipelineRun(name, parallelism, 1, images, faces, elapsed, cpu, stages) { ModelTime = analyzer.ModelTime - model0, ModelCpuTime = analyzer.ModelCpuTime - modelCpu0 };
    }

    private static string Describe(FaceAnalyzerOptions o) =>
        $"{Path.GetFileNameWithoutExtension(o.Recognizer ?? ModelCatalog.DefaultRecognizer)}{(o.Runtime.GraphRewrites ? " rewritten" : string.Empty)}, {(o.DetectionSizing == DetectionSizing.PerPhoto ? "per-photo size" : "fixed " + o.DetectionSize)}{(o.Flip ? ", flip" : string.Empty)}";
}

/// <summary>One recognizer configuration measured per face.</summary>
/// <param name="Batch1MsPerFace">CPU milliseconds per face (thread CPU clock; wall time where that clock is unavailable), face by face.</param>
/// <param name="BatchedMsPerFace">The same in batches; null when the model cannot be batched without changing its results (dynamic int8).</param>
/// <param name="Batch1WallMsPerFace">Wall milliseconds per face, face by face (inflated when other work shares the cores).</param>
public sealed record RecognizerTiming(string Name, string ModelId, int BatchSize, double Batch1MsPerFace, double? BatchedMsPerFace, double Batch1WallMsPerFace);

/// <summary>
/// Milliseconds per face of recognizers on the same aligned faces, in one run: each model once face by face and
/// once in batches of the recognizer's size (4; one thread, sequential, graph optimisation ALL).
/// </summary>
public static class RecognizerBenchmark
{
    public static IReadOnlyList<RecognizerTiming> Run(ModelDirectory models, IReadOnlyList<string> files, int rounds, Action<string>? log = null)
    {
        AlignedFaces faces = AlignFaces(models, files);
        using (faces)
        {
            log?.Invoke($"{faces.Count} aligned faces");
            var configs = new List<(string Name, string File, bool Rewrites, bool Flip)>
            {
                ("int8 (as in the file)", "w600k_mbf_int8.onnx", false, false),
                ("dq (as in the file)", "w600k_mbf_dq.onnx", false, false),
                ("dq rewritten (PRelu -> Mul/Relu/Add)", "w600k_mbf_dq.onnx", true, false),
                ("dq rewritten, --flip (face + mirror)", "w600k_mbf_dq.onnx", true, true),
            };
            var embedders = new List<(string Name, ArcFaceEmbedder Embedder)>();
            try
            {
                foreach ((string name, string file, bool rewrites, bool flip) in configs)
                {
                    try
                    {
                        embedders.Add((name, new ArcFaceEmbedder(models.Locate(file), new ArcFaceOptions(Flip: flip), new OnnxRuntimeOptions(GraphRewrites: rewrites))));
                    }
                    catch (ModelNotFoundException)
                    {
                        log?.Invoke($"{file} not in {models.Path}: skipped");
                    }
                }

                // Every configuration takes its turn in each round, so load from other work falls on all alike.
                var single = new double[embedders.Count];
                var batched = new double[embedders.Count];
                var wall = new double[embedders.Count];
                for (int r = -1; r < Math.Max(1, rounds); r++)
                {
                    log?.Invoke(r < 0 ? "warm-up" : $"round {r + 1}");
                    for (int i = 0; i < embedders.Count; i++)
                    {
                        ArcFaceEmbedder e = embedders[i].Embedder;
                        (double one, double oneWall) = Measure(e, faces, 1);
                        double many = e.BatchSize > 1 ? Measure(e, faces, e.BatchSize).Cpu : 0;
                        if (r >= 0)
                        {
                            single[i] += one;
                            batched[i] += many;
                            wall[i] += oneWall;
                        }
                    }
                }

                int n = Math.Max(1, rounds);
                return [.. embedders.Select((e, i) => new RecognizerTiming(e.Name, e.Embedder.ModelId, e.Embedder.BatchSize, single[i] / n, e.Embedder.BatchSize > 1 ? batched[i] / n : null, wall[i] / n))];
            }
            finally
            {
                foreach ((_, ArcFaceEmbedder e) in embedders)
                {
                    e.Dispose();
                }
            }
        }
    }

    // Copies faces into a batch buffer per run, as the pipeline does, and times the recognizer over all of them.
    private static (double Cpu, double Wall) Measure(ArcFaceEmbedder embedder, AlignedFaces faces, int batch)
    {
        const int plane = 3 * Core.Alignment.FaceAligner.Size * Core.Alignment.FaceAligner.Size;
        long t0 = Stopwatch.GetTimestamp(), cpu0 = ThreadCpuClock.Nanoseconds();
        for (int start = 0; start < faces.Count; start += batch)
        {
            int n = Math.Min(batch, faces.Count - start);
            using AlignedFaces part = AlignedFaces.Rent(n);
            faces.Tensor.AsSpan(start * plane, n * plane).CopyTo(part.Tensor);
            embedder.Embed(part);
        }

        double wallMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / faces.Count;
        long cpuNs = ThreadCpuClock.Nanoseconds() - cpu0;
        return (cpuNs > 0 ? cpuNs / 1e6 / faces.Count : wallMs, wallMs);
    }

    private static AlignedFaces AlignFaces(ModelDirectory models, IReadOnlyList<string> files)
    {
        using var analyzer = new FaceAnalyzer(new FaceAnalyzerOptions { Models = models });
        var crops = new List<AlignedFaces>();
        try
        {
            foreach (string file in files)
            {
                try
                {
                    LoadedImage loaded = analyzer.Loader.Load(file);
                    using PreparedImage p = analyzer.Prepare(loaded, file);
                    if (p.Aligned is { } a)
                    {
                        var copy = AlignedFaces.Rent(a.Count);
                        a.Tensor.AsSpan(0, a.Count * 3 * 112 * 112).CopyTo(copy.Tensor);
                        crops.Add(copy);
                    }
                }
                catch (ImageLoadException)
                {
                    // Unreadable files have no faces to time.
                }
            }

            int total = crops.Sum(c => c.Count);
            var all = AlignedFaces.Rent(total);
            int offset = 0;
            foreach (AlignedFaces c in crops)
            {
                c.Tensor.AsSpan(0, c.Count * 3 * 112 * 112).CopyTo(all.Tensor.AsSpan(offset * 3 * 112 * 112));
                offset += c.Count;
            }

            return all;
        }
        finally
        {
            foreach (AlignedFaces c in crops)
            {
                c.Dispose();
            }
        }
    }
}
