using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FaceVector.Cli.Remote;
using FaceVector.Grpc.V1;
using FaceVector.Services.Hosting;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace FaceVector.Services.Tests;

/// <summary>The CLI against the running services: remote search/embed, the load benchmark, and serve.</summary>
[Collection(SearchStackCollection.Name)]
public sealed class CliTests(SearchStackFixture stack)
{
    private static readonly string Obama = TestData.FacesDevFile("barack_obama/obama.jpg");

    /// <summary>The services' key, as a user would set it for the CLI.</summary>
    private static readonly Dictionary<string, string?> KeyEnvironment = new() { ["FACEVECTOR_API_KEY"] = ServiceHost.ApiKey };

    private static async Task<(int, string, string)> RunAsync(params string[] args)
    {
        CliRun run = await FaceVectorProcess.RunAsync(args, KeyEnvironment);
        return (run.ExitCode, run.Stdout, run.Stderr);
    }

    [Fact]
    public async Task Remote_search_prints_the_search_json_shape()
    {
        (int code, string stdout, string stderr) = await RunAsync("remote", "search", "--server", stack.Search.Address.ToString(), "--query", Obama, "--top", "20", "--json");

        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement root = doc.RootElement;
        Assert.Equal(Obama, root.GetProperty("query").GetProperty("path").GetString());
        Assert.Equal(4, root.GetProperty("query").GetProperty("bbox").GetArrayLength());
        string[] paths = [.. root.GetProperty("matches").EnumerateArray().Select(m => m.GetProperty("path").GetString()!)];
        Assert.Contains(TestData.FacesDevFile("_groups/two_people.jpg"), paths);
        Assert.All(root.GetProperty("matches").EnumerateArray(), m => Assert.True(m.TryGetProperty("faceIndex", out _) && m.TryGetProperty("score", out _)));
        Assert.Equal(stack.Model.ModelId, root.GetProperty("stats").GetProperty("model").GetString());
        Assert.Equal(0, root.GetProperty("errors").GetArrayLength());
    }

    [Theory]
    [InlineData("_groups/two_people.jpg", 0)] // one message
    [InlineData("../awkward/huge_8000x8000.png", 2)] // over 1 MiB: chunked upload; over the pixel limit: the same error as locally
    public async Task Remote_embed_prints_what_local_embed_prints(string relative, int exitCode)
    {
        string file = Path.GetFullPath(TestData.FacesDevFile(relative));
        Task<(int, string, string)> local = RunAsync("embed", file, "--json");
        (int code, string remote, string stderr) = await RunAsync("remote", "embed", "--server", stack.Embedder.Address.ToString(), file, "--json");
        (int localCode, string localJson, _) = await local;

        Assert.True(code == exitCode, stderr);
        Assert.Equal(exitCode, localCode);
        Assert.Equal(localJson, remote);
    }

    [Fact]
    public async Task Remote_commands_with_a_wrong_key_fail_with_the_status()
    {
        (int code, _, string stderr) = await RunAsync("remote", "search", "--server", stack.Search.Address.ToString(), "--api-key", "nope", "--query", Obama);

        Assert.Equal(RemoteErrors.ServiceError, code);
        Assert.Contains("Unauthenticated", stderr);
    }

    [Fact]
    public async Task Load_benchmark_answers_or_refuses_every_call_and_keeps_the_services_up()
    {
        var options = new LoadBenchmarkOptions(stack.Search.Address, File.ReadAllBytes(Obama), Obama, Clients: 8, TimeSpan.FromSeconds(3), ServiceHost.ApiKey);

        LoadBenchmarkResult result = await LoadBenchmark.RunAsync(options, null, CancellationToken.None);

        Assert.Equal(0, result.Unexpected);
        Assert.True(result.Ok > 0);
        Assert.True(result.P50Ms <= result.P95Ms && result.P95Ms <= result.P99Ms);
        await stack.Search.WaitServingAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<ArgumentException>(() => LoadBenchmark.RunAsync(options with { Server = new Uri("http://192.0.2.1:50051") }, null, CancellationToken.None));
    }

    [Fact]
    public async Task Serve_hosts_both_services_on_loopback_with_h2c()
    {
        string dir = Directory.CreateTempSubdirectory("facevector-serve-").FullName;
        int port = FreePort();
        using Process serve = FaceVectorProcess.Start(["serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", Path.Combine(dir, "faces.db")], KeyEnvironment);
        try
        {
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            await HealthProbe.WaitServingAsync(channel, TimeSpan.FromSeconds(60));
            Metadata key = ServiceHost.KeyHeaders;

            Grpc.V1.ImageFaces faces = await new FaceEmbedding.FaceEmbeddingClient(channel).EmbedAsync(new ImageRequest { Image = ByteString.CopyFrom(File.ReadAllBytes(Obama)) }, key);
            SearchReply reply = await new FaceSearch.FaceSearchClient(channel).SearchAsync(new SearchRequest { Image = ByteString.CopyFrom(File.ReadAllBytes(Obama)) }, key);
            StatsReply stats = await new FaceSearch.FaceSearchClient(channel).GetStatsAsync(new StatsRequest(), key);

            Assert.Single(faces.Faces);
            Assert.Empty(reply.Faces.Single().Matches); // a new, empty store
            Assert.Equal(faces.ModelId, stats.ModelId);
            Assert.True(File.Exists(Path.Combine(dir, "faces.db")));
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
