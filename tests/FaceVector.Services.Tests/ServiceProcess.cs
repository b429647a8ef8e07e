using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FaceVector.Services.Tests;

/// <summary>
/// One FaceVector service (FaceVector.Embedding.dll, FaceVector.Search.dll, FaceVector.Ingest.dll) as a real child
/// process on a loopback port, so that a test can kill it, stop it (SIGSTOP) and let it go on (SIGCONT).
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (the dotnet host running the service dll).</summary>
    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process printed (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                string text = _output.ToString();
                return text.Length > 4000 ? text[^4000..] : text;
            }
        }
    }

    /// <summary>Starts <paramref name="dll"/> (from the test's output folder) with settings as environment variables.</summary>
    public static ServiceProcess Start(string dll, IDictionary<string, string?> environment, int? port = null)
    {
        int p = port ?? FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{p}");
        psi.Environment["FACEVECTOR_MODELS"] = TestData.ModelsPath;
        psi.Environment["FACEVECTOR_API_KEY"] = ServiceHost.ApiKey;
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach ((string key, string? value) in environment)
        {
            psi.Environment[key] = value;
        }

        return new ServiceProcess(Path.GetFileNameWithoutExtension(dll), Process.Start(psi)!, p);
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGSTOP: the process hangs with its sockets open, as a wedged server does.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("CONT");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0} s: {Output}");
        }

        return _process.ExitCode;
    }

    private void Signal(string signal)
    {
        using Process kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Resume(); // a stopped process cannot die until it runs again
            Kill();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
