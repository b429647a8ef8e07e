using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceVector.Core.Pipeline;

namespace FaceVector.Benchmarks;

/// <summary>
/// The cost of calling <c>facevector embed FILE --json</c> once per photo, as a script looping over files would:
/// every child pays for runtime start-up and model loading before its one image.
/// </summary>
public static class ProcessPerImage
{
    /// <param name="launcher">Starts the <c>facevector</c> program (the file and any leading arguments); the child's arguments are appended.</param>
    public static async Task<PipelineRun> MeasureAsync(FaceAnalyzerOptions options, IReadOnlyList<string> files, string name, Func<ProcessStartInfo> launcher, CancellationToken ct)
    {
        // One untimed child first, so the measurement does not include cold file caches.
        await EmbedInChildAsync(launcher, options, files[0], ct);
        int faces = 0, images = 0;
        long t0 = Stopwatch.GetTimestamp();
        foreach (string file in files)
        {
            int? found = await EmbedInChildAsync(launcher, options, file, ct);
            images += found is null ? 0 : 1;
            faces += found ?? 0;
        }

        // Children's CPU time cannot be read back once they have exited: reported as zero ("-").
        return new PipelineRun(name, 1, options.Runtime.IntraOpThreads, images, faces, Stopwatch.GetElapsedTime(t0), TimeSpan.Zero, default);
    }

    /// <summary>Faces found in <paramref name="file"/> by a child <c>facevector embed</c>, or null when it failed.</summary>
    private static async Task<int?> EmbedInChildAsync(Func<ProcessStartInfo> launcher, FaceAnalyzerOptions options, string file, CancellationToken ct)
    {
        ProcessStartInfo start = launcher();
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        foreach (string arg in ChildArguments(options, file))
        {
            start.ArgumentList.Add(arg);
        }

        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        Task<string> stdout = child.StandardOutput.ReadToEndAsync(ct);
        Task<string> stderr = child.StandardError.ReadToEndAsync(ct);
        await child.WaitForExitAsync(ct);
        string json = await stdout;
        await stderr;
        if (child.ExitCode != 0)
        {
            return null;
        }

        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("faces", out JsonElement f) ? f.GetArrayLength() : 0;
    }

    /// <summary>The same model choices as this process, so parent and children run the same models.</summary>
    private static IEnumerable<string> ChildArguments(FaceAnalyzerOptions options, string file)
    {
        var inv = CultureInfo.InvariantCulture;
        string[] args =
        [
            "embed", file, "--json", "--models", options.Models.Path,
            "--min-face", options.MinFaceSize.ToString(inv), "--max-pixels", options.Loader.MaxPixels.ToString(inv),
            "--intra-op-threads", options.Runtime.IntraOpThreads.ToString(inv), "--provider", options.Runtime.ExecutionProvider,
        ];
        return args
            .Concat(options.Detector is { } d ? ["--detector", d] : [])
            .Concat(options.Recognizer is { } r ? ["--recognizer", r] : []);
    }
}
