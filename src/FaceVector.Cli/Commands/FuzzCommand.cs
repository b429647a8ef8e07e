using System.CommandLine;
using System.Globalization;
using FaceVector.Core.Fuzzing;
using FaceVector.Core.Imaging;
using FaceVector.Services.Fuzzing;

namespace FaceVector.Cli.Commands;

/// <summary>
/// <c>facevector bench fuzz</c>: the seeded mutation fuzzer of the tests, for as long as asked, over the image loader
/// (seeds: the photos of --images) and the gRPC request parsers. Crashing inputs are written to --out for replay.
/// </summary>
internal static class FuzzCommand
{
    public static Command Build()
    {
        var seconds = new Option<int>("--seconds") { Description = "How long each target runs", DefaultValueFactory = _ => 60 };
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of seed photos (small files fuzz faster), e.g. ../shared/data/awkward", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed (the same seed gives the same inputs)", DefaultValueFactory = _ => 1 };
        var target = new Option<string>("--target") { Description = "loader, requests or all", DefaultValueFactory = _ => "all" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for crashing inputs (default: none written)" };
        var command = new Command("fuzz", "Fuzz the image loader and the gRPC request parsers with mutated real inputs; prints inputs tried and crashes (exit 1 if any).")
        {
            seconds, images, seed, target, output,
        };
        command.SetAction(parse =>
        {
            string which = parse.GetValue(target) ?? "all";
            if (which is not ("loader" or "requests" or "all"))
            {
                return CliErrors.Fail($"--target: '{which}' is not loader, requests or all");
            }

            DirectoryInfo folder = parse.GetValue(images)!;
            if (!folder.Exists)
            {
                return CliErrors.Fail($"--images: folder not found: {folder.FullName}");
            }

            List<(string Name, byte[] Bytes)> photos = [.. folder.EnumerateFiles("*", SearchOption.AllDirectories)
                .Where(f => f.Length is > 0 and < 4 << 20)
                .Select(f => (f.Name, File.ReadAllBytes(f.FullName)))];
            if (photos.Count == 0)
            {
                return CliErrors.Fail($"--images: no file under 4 MB in {folder.FullName}");
            }

            var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
            int randomSeed = parse.GetValue(seed);
            var crashes = new List<FuzzCrash>();
            if (which is "loader" or "all")
            {
                var loader = new ImageLoader(new ImageLoaderOptions(MaxPixels: 4_000_000));
                crashes.AddRange(Report("image loader", new MutationFuzzer(photos, randomSeed).Run(bytes => Decode(loader, bytes), duration)));
            }

            if (which is "requests" or "all")
            {
                byte[] smallest = photos.MinBy(p => p.Bytes.Length).Bytes;
                crashes.AddRange(Report("gRPC request parsers", new MutationFuzzer(RequestFuzzTargets.Seeds(smallest), randomSeed).Run(RequestFuzzTargets.Parse, duration)));
            }

            if (parse.GetValue(output) is { } outDir && crashes.Count > 0)
            {
                outDir.Create();
                foreach (FuzzCrash crash in crashes)
                {
                    File.WriteAllBytes(Path.Combine(outDir.FullName, string.Create(CultureInfo.InvariantCulture, $"crash-{crash.Iteration}-{Path.GetFileNameWithoutExtension(crash.Seed)}.bin")), crash.Input);
                }
            }

            return crashes.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static IReadOnlyList<FuzzCrash> Report(string name, FuzzResult result)
    {
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0}: {1:N0} inputs in {2:0.0} s ({3:0} /s): {4:N0} accepted, {5:N0} refused, {6} crash(es)",
            name, result.Inputs, result.Elapsed.TotalSeconds, result.InputsPerSecond, result.Accepted, result.Refused, result.Crashes.Count));
        foreach (FuzzCrash crash in result.Crashes)
        {
            Console.WriteLine($"  {crash.Seed} #{crash.Iteration}: {crash.Exception}");
        }

        return result.Crashes;
    }

    private static bool Decode(ImageLoader loader, byte[] bytes)
    {
        try
        {
            loader.Decode(bytes, "fuzz");
            return true;
        }
        catch (ImageLoadException)
        {
            return false;
        }
    }
}
