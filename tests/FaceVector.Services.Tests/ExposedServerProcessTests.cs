using System.Diagnostics;
using System.Globalization;
using FaceVector.Grpc.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace FaceVector.Services.Tests;

/// <summary>
/// The published hosts and <c>facevector serve</c> as real processes: a refusal to serve beyond loopback without a
/// key is one line and exit code 2; a dozen stalled 30 MB uploads keep the server process's peak memory (VmHWM)
/// under 1.5 GB and are ended by the idle timeout.
/// </summary>
public sealed class ExposedServerProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-exposed-").FullName;

    public static TheoryData<string> Programs() => ["FaceVector.Search.dll", "FaceVector.Embedding.dll", "facevector.dll"];

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Listening_on_every_interface_without_a_key_is_one_line_naming_the_setting_and_exit_code_2(string dll)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        if (dll == "facevector.dll")
        {
            // serve binds 127.0.0.1 itself (ASPNETCORE_URLS is overridden); Kestrel endpoints from configuration add to it.
            foreach (string arg in new[] { "serve", "--port", "0", "--http-port", "0", "--db", Path.Combine(_dir, "serve.db") })
            {
                psi.ArgumentList.Add(arg);
            }

            psi.Environment["Kestrel__Endpoints__Exposed__Url"] = "http://0.0.0.0:0";
        }

        psi.Environment["ASPNETCORE_URLS"] = "http://0.0.0.0:0";
        psi.Environment["FACEVECTOR_MODELS"] = TestData.ModelsPath;
        psi.Environment["FaceVector__Index__DbPath"] = Path.Combine(_dir, "faces.db");
        psi.Environment["FaceVector__Embedding__Addresses__0"] = "http://127.0.0.1:9";
        foreach (string key in new[] { "FACEVECTOR_API_KEY", "FACEVECTOR_API_KEY_FILE", "FACEVECTOR_ADMIN_KEY", "FACEVECTOR_ADMIN_KEY_FILE", "FaceVector__Server__ApiKey" })
        {
            psi.Environment.Remove(key);
        }

        using Process process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{dll} kept running on 0.0.0.0 without a key: {await stdout} {await stderr}");
        }

        string all = await stdout + await stderr;
        output.WriteLine(all);
        Assert.Equal(2, process.ExitCode);
        string[] refusals = [.. (await stderr).Split('\n').Where(l => l.Contains("refusing to serve", StringComparison.Ordinal))];
        string refusal = Assert.Single(refusals);
        Assert.Contains("0.0.0.0", refusal, StringComparison.Ordinal);
        Assert.Contains("FACEVECTOR_API_KEY", refusal, StringComparison.Ordinal);
        Assert.Contains("AllowAnonymous", refusal, StringComparison.Ordinal);
        // No stack trace, no "Unhandled exception".
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dozen_stalled_30_MB_uploads_keep_the_server_process_under_1_5_GB_and_are_ended_by_the_idle_timeout()
    {
        await using ServiceProcess server = ServiceProcess.Start("FaceVector.Search.dll", new Dictionary<string, string?>
        {
            ["FaceVector__Index__DbPath"] = Path.Combine(_dir, "faces.db"),
            ["FaceVector__Embedding__Addresses__0"] = "http://127.0.0.1:9", // never reached: the uploads never complete
            ["FaceVector__Server__UploadIdleTimeoutSeconds"] = "4",
        });
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new FaceSearch.FaceSearchClient(channel);
        await WaitAnsweringAsync(client, server);
        long startRss = Status(server.Id, "VmRSS");

        ByteString chunk = ByteString.CopyFrom(new byte[1 << 20]);
        var clock = Stopwatch.StartNew();
        Task<StatusCode>[] uploads = [.. Enumerable.Range(0, 12).Select(_ => Task.Run(async () =>
        {
            using AsyncClientStreamingCall<SearchChunk, SearchReply> call = client.SearchStream(ServiceHost.KeyHeaders);
            try
            {
                await call.RequestStream.WriteAsync(new SearchChunk { Request = new SearchRequest { Name = "stalled.jpg" } });
                for (int i = 0; i < 30; i++)
                {
                    await call.RequestStream.WriteAsync(new SearchChunk { Data = chunk });
                    await Task.Delay(20); // slowly
                }
            }
            catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException)
            {
                // The server ended the call while we were still sending; its status comes with the response.
            }

            try
            {
                await call.ResponseAsync; // ...and then nothing: the stream is never completed
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }))];
        StatusCode[] codes = await Task.WhenAll(uploads).WaitAsync(TimeSpan.FromMinutes(3));
        TimeSpan lasted = clock.Elapsed;
        Assert.False(server.HasExited, server.Output);
        long peak = Status(server.Id, "VmHWM");

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"12 stalled 30 MB uploads: server process peak RSS (VmHWM) {peak >> 20} MiB (RSS {startRss >> 20} MiB at start); {codes.Count(c => c == StatusCode.DeadlineExceeded)} ended by the idle timeout, {codes.Count(c => c == StatusCode.ResourceExhausted)} refused, others {string.Join(",", codes.Where(c => c is not (StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted)))}; all ended after {lasted.TotalSeconds:0.0} s"));
        Assert.True(peak < 1_500_000_000L, $"server peak RSS {peak >> 20} MiB");
        Assert.DoesNotContain(StatusCode.OK, codes);
        // The server ends each stalled call with DEADLINE_EXCEEDED (idle timeout) or RESOURCE_EXHAUSTED (cap); a client
        // still sending when that happens may see the stream's reset as INTERNAL instead (as in SecurityTests).
        Assert.Contains(codes, c => c is StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted);
        Assert.True(lasted < TimeSpan.FromSeconds(120), $"stalled uploads lasted {lasted}");

        // The server is still there and answers.
        await client.GetStatsAsync(new StatsRequest(), ServiceHost.KeyHeaders, deadline: DateTime.UtcNow.AddSeconds(30));
    }

    private static async Task WaitAnsweringAsync(FaceSearch.FaceSearchClient client, ServiceProcess server)
    {
        DateTime until = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                await client.GetStatsAsync(new StatsRequest(), ServiceHost.KeyHeaders, deadline: DateTime.UtcNow.AddSeconds(10));
                return;
            }
            catch (RpcException) when (DateTime.UtcNow < until && !server.HasExited)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>A kB field of /proc/PID/status (VmRSS, VmHWM: the peak resident set), in bytes.</summary>
    private static long Status(int pid, string field)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
