using System.CommandLine;
using System.Globalization;
using FaceVector.Core.Fuzzing;
using FaceVector.Core.Imaging;
using FaceVector.Services.Fuzzing;
using Microsoft.AspNetCore.Builder;

namespace FaceVector.Cli.Commands;

/// <summary>
/// <c>facevector bench fuzz</c>: the seeded mutation fuzzer of the tests, for as long as asked, over the image loader
/// (seeds: the photos of --images), the gRPC request parsers in-process, and the request parsers of a running server
/// (<c>http</c>: the web API; <c>grpc</c>: raw gRPC frames over h2c), which it starts on loopback over a copy of --db
/// (or an empty store). Crashing inputs are written to --out for replay.
/// </summary>
internal static class FuzzCommand
{
    public static Command Build()
    {
        var seconds = new Option<int>("--seconds") { Description = "How long each target runs", DefaultValueFactory = _ => 60 };
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of seed photos (small files fuzz faster), e.g. ../shared/data/awkward", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed (the same seed gives the same inputs)", DefaultValueFactory = _ => 1 };
        var target = new Option<string>("--target") { Description = "image (the loader), requests (gRPC parsers in-process), http or grpc (a running server), or all", DefaultValueFactory = _ => "all" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for crashing inputs (default: none written)" };
        var db = new Option<FileInfo?>("--db") { Description = "Store the http/grpc server fuzzes a copy of (default: an empty store)" };
        var models = new ModelOptions();
        var command = new Command("fuzz", "Fuzz the image loader, the gRPC request parsers and a running server's HTTP and gRPC request handling with mutated real inputs; prints inputs tried and crashes (exit 1 if any).")
        {
            seconds, images, seed, target, output, db,
        };
        models.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            string which = parse.GetValue(target) ?? "all";
            if (which == "loader")
            {
                which = "image";
            }

            if (which is not ("image" or "requests" or "http" or "grpc" or "all"))
            {
                return CliErrors.Fail($"--target: '{which}' is not image, requests, http, grpc or all");
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
            if (which is "image" or "all")
            {
                var loader = new ImageLoader(new ImageLoaderOptions(MaxPixels: 4_000_000));
                crashes.AddRange(Report("image loader", new MutationFuzzer(photos, randomSeed).Run(bytes => Decode(loader, bytes), duration)));
            }

            if (which is "requests" or "all")
            {
                byte[] smallest = photos.MinBy(p => p.Bytes.Length).Bytes;
                crashes.AddRange(Report("gRPC request parsers", new MutationFuzzer(RequestFuzzTargets.Seeds(smallest), randomSeed).Run(RequestFuzzTargets.Parse, duration)));
            }

            if (which is "http" or "grpc" or "all")
            {
                byte[] smallest = photos.MinBy(p => p.Bytes.Length).Bytes;
                crashes.AddRange(await FuzzServerAsync(parse, models, parse.GetValue(db), which, smallest, randomSeed, duration, ct));
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

    /// <summary>Starts <c>serve</c> on loopback over a copy of the store, with keys, and fuzzes its HTTP and/or gRPC port.</summary>
    private static async Task<IReadOnlyList<FuzzCrash>> FuzzServerAsync(ParseResult parse, ModelOptions models, FileInfo? store, string which, byte[] photo, int randomSeed, TimeSpan duration, CancellationToken ct)
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("facevector-fuzz-");
        try
        {
            string dbPath = Path.Combine(dir.FullName, "faces.db");
            if (store is not null)
            {
                if (!store.Exists)
                {
                    throw new CliException($"--db: file not found: {store.FullName}");
                }

                store.CopyTo(dbPath);
            }

            string searchKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            Dictionary<string, string?> settings = ServeCommand.Settings(parse, models, null);
            settings["FaceVector:Index:DbPath"] = dbPath;
            settings["Logging:LogLevel:Default"] = "Warning";
            settings["Logging:LogLevel:FaceVector.Services.Web.WebGuards"] = "Error";
            settings["FaceVector:Server:ApiKey"] = searchKey;
            // An admin key the fuzzer does not hold: deletes reach their parser but are refused.
            settings["FaceVector:Server:AdminKey"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            ServeEndpoints server = await ServeCommand.StartWithWebAsync(settings, 0, 0, ct);
            await using WebApplication app = server.App;
            using var web = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Web, Timeout = Timeout.InfiniteTimeSpan };
            web.DefaultRequestHeaders.Add("x-api-key", searchKey);
            await WaitReadyAsync(web, ct);
            var crashes = new List<FuzzCrash>();
            if (which is "http" or "all")
            {
                var http = new HttpApiFuzzTarget(web, TimeSpan.FromSeconds(60));
                crashes.AddRange(Report("HTTP API (live)", new MutationFuzzer(HttpApiFuzzTarget.Seeds(photo), randomSeed).Run(http.Send, duration, cancellationToken: ct)));
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "  {0:N0} of them sendable requests, sent to the server", http.Sent));
            }

            if (which is "grpc" or "all")
            {
                using var h2c = new HttpClient(new SocketsHttpHandler()) { BaseAddress = server.Grpc, Timeout = Timeout.InfiniteTimeSpan };
                var grpc = new GrpcWireFuzzTarget(h2c, TimeSpan.FromSeconds(60), searchKey);
                crashes.AddRange(Report("gRPC wire (live)", new MutationFuzzer(GrpcWireFuzzTarget.Seeds(photo), randomSeed).Run(grpc.Send, duration, cancellationToken: ct)));
            }

            return crashes;
        }
        finally
        {
            try
            {
                dir.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temporary folder.
            }
        }
    }

    /// <summary>Ready when the stats answer: the models are loaded and the store is open.</summary>
    private static async Task WaitReadyAsync(HttpClient web, CancellationToken ct)
    {
        DateTime until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            using HttpResponseMessage response = await web.GetAsync(new Uri("/api/stats", UriKind.Relative), ct);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > until)
            {
                throw new CliException($"the server to fuzz did not become ready: /api/stats answers {(int)response.StatusCode}");
            }

            await Task.Delay(200, ct);
        }
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
