using System.Diagnostics;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using FaceVector.Services.Hosting;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;

namespace FaceVector.Services.Tests;

/// <summary>Each test starts its own hosts: these take services down, fill queues, or start without models.</summary>
public sealed class ResilienceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-resilience-").FullName;

    private static ByteString Image(string relative) => ByteString.CopyFrom(File.ReadAllBytes(TestData.FacesDevFile(relative)));

    [Fact]
    public async Task Search_answers_unavailable_quickly_while_the_embedder_is_down_and_recovers_when_it_returns()
    {
        ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        await using ServiceHost search = await ServiceHost.StartAsync(FaceVectorRoles.Search, SearchStackFixture.SearchSettings(embedder, Path.Combine(_dir, "faces.db")));
        await embedder.WaitServingAsync(TimeSpan.FromSeconds(60));
        await search.WaitServingAsync(TimeSpan.FromSeconds(30));
        var embeddingClient = new FaceEmbedding.FaceEmbeddingClient(embedder.Channel);
        ModelInfo model = await embeddingClient.GetModelInfoAsync(new ModelInfoRequest(), ServiceHost.KeyHeaders);
        await SearchStackFixture.IngestAsync(embeddingClient, search.Services.GetRequiredService<IFaceIndex>(), model, [TestData.FacesDevFile("barack_obama/obama.jpg")]);
        var client = new FaceSearch.FaceSearchClient(search.Channel);
        var request = new SearchRequest { Image = Image("barack_obama/obama1.jpg") };
        Assert.Single((await client.SearchAsync(request, ServiceHost.KeyHeaders)).Faces.Single().Matches);

        int port = embedder.Port;
        await embedder.DisposeAsync();

        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.SearchAsync(request, ServiceHost.KeyHeaders, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"UNAVAILABLE took {watch.Elapsed}");
        var health = new Health.HealthClient(search.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);

        await using ServiceHost restarted = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>(), port);
        await restarted.WaitServingAsync(TimeSpan.FromSeconds(60));
        watch.Restart();
        SearchReply? reply = null;
        while (reply is null && watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                reply = await client.SearchAsync(request, ServiceHost.KeyHeaders);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(200);
            }
        }

        Assert.NotNull(reply);
        Assert.Single(reply.Faces.Single().Matches);
        await search.WaitServingAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_full_inference_queue_refuses_with_resource_exhausted_and_the_service_stays_up()
    {
        await using ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>
        {
            ["FaceVector:Inference:MaxConcurrency"] = "1",
            ["FaceVector:Inference:MaxQueue"] = "1",
        });
        await embedder.WaitServingAsync(TimeSpan.FromSeconds(60));
        var client = new FaceEmbedding.FaceEmbeddingClient(embedder.Channel);
        var request = new ImageRequest { Image = Image("_groups/solvay1927.jpg") };

        // Embedding 29 faces keeps the one slot busy for a while, so the 16 calls overlap even on a loaded machine.
        StatusCode[] codes = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            try
            {
                await client.EmbedAsync(request, ServiceHost.KeyHeaders);
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }));

        Assert.All(codes, c => Assert.True(c is StatusCode.OK or StatusCode.ResourceExhausted, c.ToString()));
        Assert.Contains(StatusCode.ResourceExhausted, codes);
        Assert.InRange(codes.Count(c => c == StatusCode.OK), 2, 15);
        Assert.NotEmpty((await client.DetectAsync(request, ServiceHost.KeyHeaders)).Faces);
    }

    [Fact]
    public async Task Without_models_health_is_not_serving_and_calls_are_unavailable()
    {
        await using ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>
        {
            ["FaceVector:Models:Directory"] = Path.Combine(_dir, "no-models"),
        });
        var health = new Health.HealthClient(embedder.Channel);
        var client = new FaceEmbedding.FaceEmbeddingClient(embedder.Channel);

        RpcException ex = null!;
        for (int i = 0; i < 50 && ex?.Status.Detail.Contains("failed", StringComparison.Ordinal) != true; i++)
        {
            ex = await Assert.ThrowsAsync<RpcException>(() => client.GetModelInfoAsync(new ModelInfoRequest(), ServiceHost.KeyHeaders).ResponseAsync);
            await Task.Delay(100);
        }

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("models failed to load", ex.Status.Detail);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task Search_balances_over_several_embedders_and_carries_on_when_one_stops()
    {
        ServiceHost first = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        await using ServiceHost second = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        Dictionary<string, string?> settings = SearchStackFixture.SearchSettings(first, Path.Combine(_dir, "faces.db"));
        settings["FaceVector:Embedding:Addresses:1"] = second.Address.ToString();
        await using ServiceHost search = await ServiceHost.StartAsync(FaceVectorRoles.Search, settings);
        await Task.WhenAll(first.WaitServingAsync(TimeSpan.FromSeconds(60)), second.WaitServingAsync(TimeSpan.FromSeconds(60)));
        await search.WaitServingAsync(TimeSpan.FromSeconds(30));
        using var meters = new MeterRecorder();
        var client = new FaceSearch.FaceSearchClient(search.Channel);
        var request = new SearchRequest { Image = Image("kit_harington/john1.jpeg") };

        for (int i = 0; i < 6; i++)
        {
            await client.SearchAsync(request, ServiceHost.KeyHeaders);
        }

        const string embed = "/facevector.v1.FaceEmbedding/Embed";
        Assert.True(meters.Calls(first, embed) > 0 && meters.Calls(second, embed) > 0, $"round robin: {meters.Calls(first, embed)} and {meters.Calls(second, embed)} calls");

        // With one embedder gone, every search still succeeds on the other (retry on UNAVAILABLE, balancer skips it).
        await first.DisposeAsync();
        for (int i = 0; i < 4; i++)
        {
            await client.SearchAsync(request, ServiceHost.KeyHeaders);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
