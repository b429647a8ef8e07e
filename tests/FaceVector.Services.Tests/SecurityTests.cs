using System.Diagnostics;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using FaceVector.Ingestion;
using FaceVector.Services.Hosting;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FaceVector.Services.Tests;

/// <summary>
/// Keys and roles, exposure, upload limits and cancellation over real gRPC on loopback. The hosts here run the search
/// role over a temporary store (no models needed: nothing here reaches the embedder).
/// </summary>
public sealed class SecurityTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-security-").FullName;

    private string DbPath => Path.Combine(_dir, "faces.db");

    private string JournalPath => Path.Combine(_dir, "journal.db");

    private Dictionary<string, string?> SearchSettings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FaceVector:Index:DbPath"] = DbPath,
            ["FaceVector:Index:JournalPath"] = JournalPath,
            // Never called by these tests; a closed port.
            ["FaceVector:Embedding:Addresses:0"] = "http://127.0.0.1:9",
        };
        foreach ((string key, string? value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task The_search_key_may_read_but_not_delete_the_admin_key_may_and_the_journal_forgets_the_photo()
    {
        await using ServiceHost host = await ServiceHost.StartAsync(FaceVectorRoles.Search, SearchSettings());
        string photo = Path.Combine(_dir, "photos", "a.jpg");
        await AddFaceAsync(host, photo);
        using (var journal = new IngestJournal(JournalPath))
        {
            journal.Record([(new JournalEntry(photo, 10, 1, "hash-a", "model", FileState.Indexed, 1, null, DateTimeOffset.UtcNow), null)]);
        }

        var client = new FaceSearch.FaceSearchClient(host.Channel);
        var request = new DeleteImagesRequest { Filter = new PayloadFilter { ImagePath = photo } };

        StatsReply stats = await client.GetStatsAsync(new StatsRequest(), ServiceHost.KeyHeaders);
        Assert.Equal(1, stats.Faces);
        RpcException noKey = await Assert.ThrowsAsync<RpcException>(() => client.DeleteImagesAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, noKey.StatusCode);
        RpcException searchKey = await Assert.ThrowsAsync<RpcException>(() => client.DeleteImagesAsync(request, ServiceHost.KeyHeaders).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, searchKey.StatusCode);
        Assert.Equal(1, (await client.GetStatsAsync(new StatsRequest(), ServiceHost.KeyHeaders)).Faces);

        DeleteImagesReply deleted = await client.DeleteImagesAsync(request, new Metadata { { "authorization", $"Bearer {ServiceHost.AdminKey}" } });
        Assert.Equal(1, deleted.Deleted);
        using var after = new IngestJournal(JournalPath);
        Assert.Null(after.Find(photo));
    }

    [Fact]
    public async Task A_server_on_every_interface_without_a_key_refuses_to_start()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync("http://0.0.0.0:0", SearchSettings()));
        Assert.Contains("without an API key", Flatten(ex), StringComparison.Ordinal);

        // Told that anonymous access is wanted, or given a key, it starts.
        await using (WebApplication open = await StartAsync("http://0.0.0.0:0", SearchSettings(("FaceVector:Server:AllowAnonymous", "true"))))
        {
            Assert.NotEmpty(open.Urls);
        }

        await using (WebApplication keyed = await StartAsync("http://0.0.0.0:0", SearchSettings(("FaceVector:Server:ApiKey", "k-0123456789"))))
        {
            Assert.NotEmpty(keyed.Urls);
        }

        // Loopback without a key is the local default.
        await using WebApplication local = await StartAsync("http://127.0.0.1:0", SearchSettings());
        Assert.NotEmpty(local.Urls);
    }

    [Fact]
    public async Task Keys_come_from_files_like_docker_secrets_and_a_missing_key_file_stops_the_start()
    {
        string searchFile = Path.Combine(_dir, "search.key"), adminFile = Path.Combine(_dir, "admin.key");
        await File.WriteAllTextAsync(searchFile, "from-a-file-0123\n");
        await File.WriteAllTextAsync(adminFile, "admin-from-a-file-0123\n");
        await using (WebApplication app = await StartAsync("http://127.0.0.1:0",
            SearchSettings(("FACEVECTOR_API_KEY_FILE", searchFile), ("FACEVECTOR_ADMIN_KEY_FILE", adminFile))))
        {
            using var channel = GrpcChannel.ForAddress(app.Urls.Single());
            var client = new FaceSearch.FaceSearchClient(channel);
            await client.GetStatsAsync(new StatsRequest(), new Metadata { { "x-api-key", "from-a-file-0123" } });
            RpcException wrong = await Assert.ThrowsAsync<RpcException>(() => client.GetStatsAsync(new StatsRequest(), new Metadata { { "x-api-key", "from-a-file-0124" } }).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
            RpcException denied = await Assert.ThrowsAsync<RpcException>(() => client.DeleteImagesAsync(
                new DeleteImagesRequest { Filter = new PayloadFilter { ImageHash = "x" } }, new Metadata { { "x-api-key", "from-a-file-0123" } }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
            await client.DeleteImagesAsync(new DeleteImagesRequest { Filter = new PayloadFilter { ImageHash = "x" } }, new Metadata { { "x-api-key", "admin-from-a-file-0123" } });
        }

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync("http://127.0.0.1:0", SearchSettings(("FACEVECTOR_API_KEY_FILE", Path.Combine(_dir, "missing.key")))));
        Assert.Contains("missing.key", Flatten(ex), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dozen_stalled_30_MB_uploads_are_capped_in_memory_and_ended_by_the_idle_timeout()
    {
        await using ServiceHost host = await ServiceHost.StartAsync(FaceVectorRoles.Search, SearchSettings(
            ("FaceVector:Server:UploadIdleTimeoutSeconds", "4"), ("FaceVector:Server:MaxStreamedImageBytes", (64L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var client = new FaceSearch.FaceSearchClient(host.Channel);
        UploadLimiter limiter = host.Services.GetRequiredService<UploadLimiter>();
        ByteString chunk = ByteString.CopyFrom(new byte[1 << 20]);
        long baseline = CurrentMemory();
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, CurrentMemory());
                await Task.Delay(50);
            }
        });

        var clock = Stopwatch.StartNew();
        var details = new System.Collections.Concurrent.ConcurrentBag<string>();
        Task<StatusCode>[] uploads = [.. Enumerable.Range(0, 12).Select(_ => Task.Run(async () =>
        {
            using AsyncClientStreamingCall<SearchChunk, SearchReply> call = client.SearchStream(ServiceHost.KeyHeaders);
            try
            {
                await call.RequestStream.WriteAsync(new SearchChunk { Request = new SearchRequest { Name = "stalled.jpg" } });
                for (int i = 0; i < 30; i++)
                {
                    await call.RequestStream.WriteAsync(new SearchChunk { Data = chunk });
                }
            }
            catch (Exception ex) when (ex is RpcException or IOException)
            {
                // The server ended the call while we were still sending (RpcException, or the HTTP/2 stream closed
                // under the write): its status comes with the response.
            }

            try
            {
                // ...and then nothing: the stream is never completed.
                await call.ResponseAsync;
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                details.Add($"{ex.StatusCode}: {ex.Status.Detail}");
                return ex.StatusCode;
            }
        }))];
        StatusCode[] codes = await Task.WhenAll(uploads).WaitAsync(TimeSpan.FromMinutes(3));
        sampling.Cancel();
        await sampler;

        // Every stalled upload was ended by the server, none hangs. Under load the client sometimes sees the HTTP/2
        // stream the server closed as INTERNAL instead of the status it sent; the server-side counts below are exact.
        Assert.DoesNotContain(StatusCode.OK, codes);
        Assert.Contains(codes, c => c is StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted);
        output.WriteLine($"12 stalled 30 MB uploads: {codes.Count(c => c == StatusCode.DeadlineExceeded)} ended by the idle timeout, {codes.Count(c => c == StatusCode.ResourceExhausted)} refused; process memory {baseline >> 20} MiB before, peak {peak >> 20} MiB");
        // No memory bound here: this process also holds the clients' 360 MB and whatever the test classes running beside
        // this one load. The bound (< 1.5 GB) is asserted on a server in its own process, in ExposedServerProcessTests.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"stalled uploads lasted {clock.Elapsed}");
        Assert.Equal(0, limiter.Open);
        Assert.Equal(0, limiter.HeldBytes);
    }

    [Fact]
    public async Task A_call_the_client_cancels_is_counted_as_cancelled()
    {
        using var meters = new MeterRecorder();
        await using ServiceHost host = await ServiceHost.StartAsync(FaceVectorRoles.Search, SearchSettings());
        var client = new FaceSearch.FaceSearchClient(host.Channel);
        using var cts = new CancellationTokenSource();
        using AsyncClientStreamingCall<SearchChunk, SearchReply> call = client.SearchStream(ServiceHost.KeyHeaders, cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(new SearchChunk { Request = new SearchRequest { Name = "cancelled.jpg" } });
        await call.RequestStream.WriteAsync(new SearchChunk { Data = ByteString.CopyFrom(new byte[1024]) });
        await Task.Delay(500);
        cts.Cancel();
        RpcException ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);

        const string method = "/facevector.v1.FaceSearch/SearchStream";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IReadOnlyList<MeterRecorder.Measurement> counted;
        do
        {
            await Task.Delay(100);
            counted = [.. meters.Of(host, "facevector.rpc.requests").Where(m => (string?)m.Tags["rpc.method"] == method)];
        }
        while (counted.Count == 0 && DateTime.UtcNow < deadline);

        MeterRecorder.Measurement measurement = Assert.Single(counted);
        Assert.Equal("Cancelled", measurement.Tags["rpc.grpc.status_code"]);
    }

    private async Task AddFaceAsync(ServiceHost host, string photo)
    {
        IFaceIndex index = host.Services.GetRequiredService<IFaceIndex>();
        float[] vector = [.. Enumerable.Range(0, 512).Select(i => (float)Math.Sin(i + 1))];
        await index.EnsureCollectionAsync(new CollectionSpec(512, "model"));
        await index.UpsertAsync([new FacePoint(Guid.NewGuid(), new FacePayload
        {
            ImagePath = photo, ImageHash = "hash-a", FaceIndex = 0, Box = new FaceBox(0, 0, 10, 10), DetectionScore = 1,
            Keypoints = new float[10], ModelId = "model", IngestedAt = DateTimeOffset.UtcNow,
        }, vector)]);
    }

    private static async Task<WebApplication> StartAsync(string url, Dictionary<string, string?> settings)
    {
        WebApplication app = FaceVectorHost.Build(FaceVectorRoles.Search, [], builder =>
        {
            builder.WebHost.UseUrls(url);
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        try
        {
            await app.StartCheckedAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static long CurrentMemory()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static string Flatten(Exception ex) => ex is AggregateException a ? string.Join(" | ", a.Flatten().InnerExceptions.Select(Flatten)) : ex.ToString();

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
