using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace FaceVector.Web.Tests;

/// <summary>
/// <c>facevector serve --port 0 --http-port 0</c> as a child process: the real program, on free loopback ports,
/// with an HTTP client for its search page once the models are loaded.
/// </summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServeProcess(Process process) => _process = process;

    public Uri WebUrl { get; private set; } = null!;

    /// <summary>The gRPC endpoint (FaceSearch, FaceEmbedding) of the same process.</summary>
    public Uri? GrpcUrl { get; private set; }

    public HttpClient Http { get; private set; } = null!;

    /// <summary>True once the server process has ended (a crash, when a test did not stop it).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What the server printed so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<ServeProcess> StartAsync(string dbPath, IDictionary<string, string?>? environment = null, string? apiKey = null)
    {
        var server = new ServeProcess(FaceVectorProcess.Start(["serve", "--port", "0", "--http-port", "0", "--db", dbPath], environment));
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        server._process.ErrorDataReceived += (_, e) => server.Collect(e.Data, url);
        server._process.OutputDataReceived += (_, e) => server.Collect(e.Data, url);
        server._process.BeginErrorReadLine();
        server._process.BeginOutputReadLine();
        try
        {
            server.WebUrl = await url.Task.WaitAsync(TimeSpan.FromSeconds(60));
            server.Http = new HttpClient { BaseAddress = server.WebUrl, Timeout = TimeSpan.FromSeconds(60) };
            await server.WaitReadyAsync(apiKey, TimeSpan.FromSeconds(60));
            return server;
        }
        catch (Exception ex)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"facevector serve did not come up: {ex.Message}\n{server.Log}", ex);
        }
    }

    /// <summary>Ready when the stats answer, which needs the models loaded and the index open.</summary>
    private async Task WaitReadyAsync(string? apiKey, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
            if (apiKey is not null)
            {
                request.Headers.Add("x-api-key", apiKey);
            }

            using HttpResponseMessage response = await Http.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > until || _process.HasExited)
            {
                throw new TimeoutException($"/api/stats still {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(200);
        }
    }

    private void Collect(string? line, TaskCompletionSource<Uri> url)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }

        if (GrpcLine().Match(line) is { Success: true } g)
        {
            GrpcUrl = new Uri(g.Groups[1].Value);
        }

        if (PageLine().Match(line) is { Success: true } m)
        {
            url.TrySetResult(new Uri(m.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"gRPC on (http://[^\s,]+)")]
    private static partial Regex GrpcLine();

    [GeneratedRegex(@"search page on (http://\S+/)")]
    private static partial Regex PageLine();

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
