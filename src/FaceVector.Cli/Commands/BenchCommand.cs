using System.CommandLine;
using System.Globalization;
using FaceVector.Core.Benchmarks;
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
        return bench;
    }

    private static Command BuildPipeline()
    {
        var models = new ModelOptions();
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of photos to run (e.g. faces-dev)", Required = true };
        var rounds = new Option<int>("--rounds") { Description = "Passes over the folder per configuration", DefaultValueFactory = _ => 1 };
        var command = new Command("pipeline", "Images/s of the one-shot search pipeline against a naive one-image-at-a-time, single-threaded baseline, with the time per stage.") { images, rounds };
        models.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            FaceAnalyzerOptions options = models.ToAnalyzerOptions(parse);
            List<string> files = [.. ImageFileEnumerator.Enumerate(parse.GetValue(images)!.FullName).Where(ImageFileEnumerator.HasImageExtension)];
            Console.WriteLine($"{files.Count} files, {parse.GetValue(rounds)} round(s), {Environment.ProcessorCount} cores");
            PipelineBenchmarkResult result = await PipelineBenchmark.RunAsync(options, files, parse.GetValue(rounds), parse.GetValue(models.Threads), m => Console.Error.WriteLine(m), ct);
            Print(result);
            return 0;
        });
        return command;
    }

    private static void Print(PipelineBenchmarkResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"{"configuration",-52} {"images",7} {"faces",6} {"wall s",7} {"img/s",7} {"x base",7} {"cores",6}");
        foreach (PipelineRun run in result.Runs)
        {
            Console.WriteLine(string.Format(inv, "{0,-52} {1,7} {2,6} {3,7:0.00} {4,7:0.00} {5,7:0.00} {6,6:0.00}",
                run.Name, run.Images, run.Faces, run.Elapsed.TotalSeconds, run.ImagesPerSecond, result.SpeedupOf(run), run.CoresUsed));
        }

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
}
