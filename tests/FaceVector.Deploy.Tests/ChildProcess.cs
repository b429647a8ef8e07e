using System.Diagnostics;

namespace FaceVector.Deploy.Tests;

/// <summary>What a program run by a test printed and returned.</summary>
internal sealed record ProgramRun(int ExitCode, string Output)
{
    public void AssertSucceeded(string what) => Assert.True(ExitCode == 0, $"{what} failed with exit code {ExitCode}:{Environment.NewLine}{Output}");
}

/// <summary>Runs a program in the repository root to completion (stdout and stderr together).</summary>
internal static class ChildProcess
{
    public static async Task<ProgramRun> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new ProgramRun(process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
