using System.Diagnostics;

namespace FaceVector.Cli.Tests;

/// <summary>Runs the real <c>facevector</c> program (the built facevector.dll) as a child process.</summary>
public static class FacevectorProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static string Shared => FindShared();

    public static string FacesDev => Path.Combine(Shared, "data", "faces-dev");

    public static string Awkward => Path.Combine(Shared, "data", "awkward");

    public static string Models =>
        Environment.GetEnvironmentVariable("FACEVECTOR_MODELS") is { Length: > 0 } env ? env : Path.Combine(Shared, "models");

    public static async Task<Result> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "facevector.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["FACEVECTOR_MODELS"] = Models;
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[key] = value;
        }

        using Process process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"facevector {string.Join(' ', args)} did not finish in time");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static string FindShared()
    {
        if (Environment.GetEnvironmentVariable("FACEVECTOR_SHARED") is { Length: > 0 } env)
        {
            return env;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceVector.sln")) && Directory.Exists(Path.Combine(dir.Parent!.FullName, "shared")))
            {
                return Path.Combine(dir.Parent.FullName, "shared");
            }
        }

        throw new DirectoryNotFoundException("shared test data not found beside the repository (or set FACEVECTOR_SHARED)");
    }
}
