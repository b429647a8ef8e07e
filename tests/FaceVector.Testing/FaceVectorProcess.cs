using System.Diagnostics;
using System.Text.Json;

namespace FaceVector.Testing;

/// <summary>What a <c>facevector</c> child process printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout parsed as JSON; throws with stderr when the run failed.</summary>
    public JsonElement Json()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"exit code {ExitCode}: {Stderr}");
        }

        using JsonDocument doc = JsonDocument.Parse(Stdout);
        return doc.RootElement.Clone();
    }
}

/// <summary>Runs the real <c>facevector</c> program (the built facevector.dll) as a child process.</summary>
public static class FaceVectorProcess
{
    /// <summary>Starts facevector without waiting (for tests that kill it).</summary>
    public static Process Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "facevector.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["FACEVECTOR_MODELS"] = TestData.ModelsPath;
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[key] = value;
        }

        return Process.Start(psi)!;
    }

    /// <summary>Runs facevector to completion and returns its exit code and output.</summary>
    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(args, null, null);

    public static async Task<CliRun> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using Process process = Start(args, environment);
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

        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}
