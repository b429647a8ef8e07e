using System.Diagnostics;
using System.Text.Json;

namespace FaceVector.Cli.Tests;

/// <summary>What a <c>facevector</c> child process printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}: {Stderr}");
        using JsonDocument doc = JsonDocument.Parse(Stdout);
        return doc.RootElement.Clone();
    }
}

/// <summary>
/// Runs the real <c>facevector</c> (<c>dotnet facevector.dll</c>, copied beside the tests) as a child process: exit
/// codes, stdout and stderr are exactly what a user sees, and console output of parallel tests never mixes.
/// </summary>
public static class FaceVectorProcess
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "facevector.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["FACEVECTOR_MODELS"] = TestData.Models;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}
