using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FaceVector.Benchmarks;
using FaceVector.Core.Pipeline;

namespace FaceVector.Cli.Commands;

/// <summary><c>facevector bench</c>: performance measured against a baseline in the same run.</summary>
internal static class BenchCommand
{
    public static Command Build()
    {
        var bench = new Command("bench", "Benchmarks that print ratios against a baseline measured in the same run.");
        bench.Add(BuildPipeline());
        bench.Add(Remote.LoadBenchCommand.Build());
        bench.Add(BuildEmbed());
        bench.Add(BuildIngest());
        bench.Add(BuildIndex());
        bench.Add(PeopleBenchCommand.Build());
        bench.Add(FuzzCommand.Build());
        return bench;
    }

    private static Command BuildIngest()
    {
        var models = new ModelOptions();
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of photos (a few hundred make a fair test)", Required = true };
        var prefill = new Option<int>("--prefill") { Description = "Synthetic faces already in the store for the writer comparison (0 skips it)", DefaultValueFactory = _ => 200_000 };
        var writerFiles = new Option<int>("--writer-files") { Description = "Files per writer measurement (the photos' faces repeated under distinct paths)", DefaultValueFactory = _ => 640 };
        var command = new Command("ingest", "Files/s of bulk ingest into a fresh embedded store against the naive one-image-at-a-time way; then, into a store already holding --prefill faces, the batched replace against the old per-file delete-then-upsert; all in the same run.")
        {
            images, prefill, writerFiles,
        };
        models.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            string folder = parse.GetValue(images)!.FullName;
            string work = Directory.CreateTempSubdirectory("facevector-bench-ingest-").FullName;
            Action<string> log = m => Console.Error.WriteLine(m);
            try
            {
                FaceAnalyzerOptions options = models.ToAnalyzerOptions(parse);
                var (baseline, pipeline) = await IngestBenchmark.RunAsync(options, folder, work, log, ct);
                var inv = CultureInfo.InvariantCulture;
                Console.WriteLine($"{"configuration",-52} {"files",6} {"faces",6} {"wall s",7} {"files/s",8} {"faces/s",8} {"x base",7} {"cores",6}");
                foreach (IngestRun run in new[] { baseline, pipeline })
                {
                    Console.WriteLine(string.Format(inv, "{0,-52} {1,6} {2,6} {3,7:0.00} {4,8:0.00} {5,8:0.00} {6,7:0.00} {7,6:0.00}",
                        run.Name, run.Files, run.Faces, run.Elapsed.TotalSeconds, run.FilesPerSecond, run.FacesPerSecond, run.FilesPerSecond / baseline.FilesPerSecond, run.CoresUsed));
                }

                if (parse.GetValue(prefill) > 0)
                {
                    using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(options with { Runtime = options.Runtime with { IntraOpThreads = 1 } });
                    var prefilled = new PrefilledIngestOptions { PrefillFaces = parse.GetValue(prefill), WriterFiles = parse.GetValue(writerFiles) };
                    PrefilledIngestResult result = await PrefilledIngestBenchmark.RunAsync(analyzer, folder, Path.Combine(work, "prefilled"), prefilled, log, ct);
                    Console.WriteLine();
                    Console.Write(result.ToTable());
                }
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }

            return 0;
        });
        return command;
    }

    private static Command BuildIndex()
    {
        var million = new Option<bool>("--million") { Description = "Also measure 1,000,000 faces (needs ~3 GB of memory)" };
        var command = new Command("index", "Exact vector search latency (p50/p99) and memory at 10k and 100k faces against the memory-bandwidth bound measured in the same run; int8 scan; store open time.") { million };
        command.SetAction(async (parse, ct) =>
        {
            var benchmark = new VectorSearchBenchmark(new VectorSearchBenchmarkOptions { IncludeMillion = parse.GetValue(million) });
            var result = await benchmark.RunAsync(new SyncProgress<string>(m => Console.Error.WriteLine(m)), ct);
            Console.WriteLine(result.ToTable());
            return 0;
        });
        return command;
    }

    private static Command BuildEmbed()
    {
        var models = new ModelOptions();
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of photos to embed (e.g. faces-dev)", Required = true };
        var processFiles = new Option<int>("--process-files") { Description = "Photos for the process-per-photo measurement (each child loads the models)", DefaultValueFactory = _ => 8 };
        var rounds = new Option<int>("--rounds") { Description = "Passes over the folder for the in-process measurements", DefaultValueFactory = _ => 1 };
        var recognizersOnly = new Option<bool>("--recognizers-only") { Description = "Only the ms-per-face table of the recognizers (int8, dq, dq rewritten, dq rewritten with --flip; batch 1 and batched)" };
        var command = new Command("embed", "Milliseconds per face of the recognizers (int8, dq, dq rewritten; batch 1 and batched), then images/s of bulk embedding against one photo at a time: a process per photo, one process looping, and one process with every core busy.") { images, processFiles, rounds, recognizersOnly };
        models.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            FaceAnalyzerOptions options = models.ToAnalyzerOptions(parse);
            List<string> files = ImageFiles(parse.GetValue(images)!);
            PrintRecognizers(RecognizerBenchmark.Run(options.Models, files, Math.Max(1, parse.GetValue(rounds)), m => Console.Error.WriteLine(m)));
            if (parse.GetValue(recognizersOnly))
            {
                return 0;
            }

            int cores = parse.GetValue(models.Threads) is > 0 and var t ? t : Environment.ProcessorCount;
            int spawned = Math.Clamp(parse.GetValue(processFiles), 1, files.Count);
            Console.WriteLine($"{files.Count} files ({spawned} for the process-per-photo run), {parse.GetValue(rounds)} round(s), {Environment.ProcessorCount} cores");
            Action<string> log = m => Console.Error.WriteLine(m);
            log("measuring: a process per photo");
            PipelineRun perProcess = await ProcessPerImage.MeasureAsync(options, files[..spawned], $"(a) a process per photo: embed FILE --json x{spawned}", SelfLauncher, ct);
            PipelineRun loop = await PipelineBenchmark.MeasureAsync(options, files, "(b) one process, one photo at a time", 1, options.Runtime.IntraOpThreads, parse.GetValue(rounds), log, ct);
            PipelineRun bulk = await PipelineBenchmark.MeasureAsync(options, files, $"(c) one process, bulk: {cores} photos in flight", cores, options.Runtime.IntraOpThreads, parse.GetValue(rounds), log, ct);
            PrintRuns([perProcess, loop, bulk], baseline: loop);
            return 0;
        });
        return command;
    }

    private static List<string> ImageFiles(DirectoryInfo dir) =>
        dir.Exists
            ? [.. ImageFileEnumerator.Enumerate(dir.FullName).Where(ImageFileEnumerator.HasImageExtension)]
            : throw new CliException($"--images: folder not found: {dir.FullName}");

    private static Command BuildPipeline()
    {
        var models = new ModelOptions();
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of photos to run (e.g. faces-dev)", Required = true };
        var rounds = new Option<int>("--rounds") { Description = "Passes over the folder per configuration", DefaultValueFactory = _ => 1 };
        var threading = new Option<bool>("--threading") { Description = "Also compare threading layouts (one image at a time, intra-op threads, images in flight)" };
        var threadingOnly = new Option<bool>("--threading-only") { Description = "Only the threading comparison (the benchmark before the new defaults)" };
        var command = new Command("pipeline", "Images/s of the one-shot search pipeline with the current defaults against the defaults before (int8, fixed 640, per-photo embedding) in the same run, and the fraction of the compute bound reached; --threading adds the threading layouts.") { images, rounds, threading, threadingOnly };
        models.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            FaceAnalyzerOptions options = models.ToAnalyzerOptions(parse);
            List<string> files = ImageFiles(parse.GetValue(images)!);
            Console.WriteLine($"{files.Count} files, {parse.GetValue(rounds)} round(s), {Environment.ProcessorCount} cores");
            if (!parse.GetValue(threadingOnly))
            {
                PipelineComparison comparison = await PipelineComparison.RunAsync(options, files, parse.GetValue(rounds), parse.GetValue(models.Threads), m => Console.Error.WriteLine(m), ct);
                PrintComparison(comparison);
                if (!parse.GetValue(threading))
                {
                    return 0;
                }
            }

            PipelineBenchmarkResult result = await PipelineBenchmark.RunAsync(options, files, parse.GetValue(rounds), parse.GetValue(models.Threads), m => Console.Error.WriteLine(m), ct);
            Print(result);
            return 0;
        });
        return command;
    }

    private static void PrintComparison(PipelineComparison c)
    {
        var inv = CultureInfo.InvariantCulture;
        PrintRuns([c.Before, c.Now, c.ModelOnly], c.Before);
        Console.WriteLine();
        Console.WriteLine("time per stage (sum over images, ms per image):");
        Console.WriteLine($"{"configuration",-52} {"decode",7} {"detect",7} {"align",7} {"embed",7} {"model",7}");
        foreach (PipelineRun run in new[] { c.Before, c.Now, c.ModelOnly })
        {
            double n = Math.Max(1, run.Images);
            StageTimings s = run.Stages;
            Console.WriteLine(string.Format(inv, "{0,-52} {1,7:0.0} {2,7:0.0} {3,7:0.0} {4,7:0.0} {5,7:0.0}",
                run.Name, s.Decode.TotalMilliseconds / n, s.Detect.TotalMilliseconds / n, s.Align.TotalMilliseconds / n, s.Embed.TotalMilliseconds / n, run.ModelTime.TotalMilliseconds / n));
        }

        Console.WriteLine();
        Console.WriteLine(string.Format(inv, "speed-up, now against before (same run): {0:0.00}x ({1:0.0} -> {2:0.0} images/s)", c.Speedup, c.Before.ImagesPerSecond, c.Now.ImagesPerSecond));
        Console.WriteLine(string.Format(inv, "compute bound reached: {0:0.00} (model-only {1:0.0} ms per photo, one thread / (wall {2:0.0} ms per photo x {3} cores))",
            c.ComputeBoundFraction, c.ModelOnly.ModelTime.TotalMilliseconds / c.ModelOnly.Images, c.Now.Elapsed.TotalMilliseconds / c.Now.Images, c.Cores));
        Console.WriteLine(string.Format(inv, "of the CPU this process was given: {0:0.00} (model-only {1:0.0} ms CPU per photo / {2:0.0} ms process CPU per photo; cores used {3:0.00} of {4})",
            c.CpuBoundFraction, c.ModelOnly.ModelCpuTime.TotalMilliseconds / c.ModelOnly.Images, c.Now.CpuTime.TotalMilliseconds / c.Now.Images, c.Now.CoresUsed, c.Cores));
    }

    private static void PrintRecognizers(IReadOnlyList<RecognizerTiming> timings)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{"recognizer",-40} {"model",-28} {"batch 1",8} {"batched",8} {"x int8",7} {"wall b1",8}");
        double? int8 = timings.FirstOrDefault(t => t.ModelId.StartsWith("w600k_mbf_int8", StringComparison.Ordinal))?.Batch1MsPerFace;
        foreach (RecognizerTiming t in timings)
        {
            double best = Math.Min(t.Batch1MsPerFace, t.BatchedMsPerFace ?? double.MaxValue);
            string batched = t.BatchedMsPerFace is double b ? b.ToString("0.00", inv) : "n/a";
            string ratio = int8 is double i ? (i / best).ToString("0.00", inv) : "-";
            Console.WriteLine(string.Format(inv, "{0,-40} {1,-28} {2,8:0.00} {3,8} {4,7} {5,8:0.00}", t.Name, t.ModelId, t.Batch1MsPerFace, batched, ratio, t.Batch1WallMsPerFace));
        }

        Console.WriteLine("CPU ms per face (thread CPU clock), one thread; batched = up to 4 faces per run (the default; larger batches are slower on CPU) (n/a: results would depend on batch-mates);");
        Console.WriteLine("x int8 = int8 batch 1 / best of the row; wall b1 = wall ms per face at batch 1 (inflated when other work shares the cores)");
        Console.WriteLine();
    }

    private static void Print(PipelineBenchmarkResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        PrintRuns(result.Runs, result.Baseline);
        Console.WriteLine();
        Console.WriteLine("time per stage (sum over images, ms per image):");
        Console.WriteLine($"{"configuration",-52} {"decode",7} {"detect",7} {"align",7} {"embed",7}");
        foreach (PipelineRun run in result.Runs)
        {
            double n = Math.Max(1, run.Images);
            StageTimings s = run.Stages;
            Console.WriteLine(string.Format(inv, "{0,-52} {1,7:0.0} {2,7:0.0} {3,7:0.0} {4,7:0.0}",
                run.Name, s.Decode.TotalMilliseconds / n, s.Detect.TotalMilliseconds / n, s.Align.TotalMilliseconds / n, s.Embed.TotalMilliseconds / n));
        }
    }

    /// <summary>One row per run with its speed relative to <paramref name="baseline"/>; cores "-" where CPU time is unknown.</summary>
    private static void PrintRuns(IReadOnlyList<PipelineRun> runs, PipelineRun baseline)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"{"configuration",-52} {"images",7} {"faces",6} {"wall s",7} {"img/s",7} {"x base",7} {"cores",6}");
        foreach (PipelineRun run in runs)
        {
            string cores = run.CpuTime > TimeSpan.Zero ? run.CoresUsed.ToString("0.00", inv) : "-";
            Console.WriteLine(string.Format(inv, "{0,-52} {1,7} {2,6} {3,7:0.00} {4,7:0.00} {5,7:0.00} {6,6}",
                run.Name, run.Images, run.Faces, run.Elapsed.TotalSeconds, run.ImagesPerSecond, run.ImagesPerSecond / baseline.ImagesPerSecond, cores));
        }
    }

    /// <summary>This executable when running as <c>facevector</c>; otherwise (<c>dotnet facevector.dll</c>, a test host) dotnet with facevector.dll.</summary>
    private static ProcessStartInfo SelfLauncher()
    {
        string? self = Environment.ProcessPath;
        var start = new ProcessStartInfo();
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "facevector")
        {
            start.FileName = self;
            return start;
        }

        start.FileName = self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        start.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        return start;
    }
}
