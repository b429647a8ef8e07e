using System.Diagnostics;

namespace FaceVector.Testing;

/// <summary>Runs the real <c>facevector</c> program (the built facevector.dll) as a child process.</summary>
public static class FacevectorProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

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
    public static async Task<Result> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
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

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
