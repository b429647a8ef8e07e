using System.Diagnostics;

namespace FaceVector.Services.Tests;

/// <summary>Runs the real <c>facevector</c> executable (copied beside the tests) as a child process.</summary>
public static class CliProcess
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "facevector.dll");

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["FACEVECTOR_MODELS"] = Core.Tests.TestData.ModelsPath;
        info.Environment["FACEVECTOR_API_KEY"] = ServiceHost.ApiKey;
        return info;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using Process process = Process.Start(StartInfo(args))!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
