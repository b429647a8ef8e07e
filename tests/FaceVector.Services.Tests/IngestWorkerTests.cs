using System.Net;
using System.Net.Sockets;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.Ingest;
using FaceVector.Ingest.Extensions;
using FaceVector.Ingestion;
using FaceVector.Services.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FaceVector.Services.Tests;

/// <summary>The ingest worker host against a real embedding service on a loopback socket.</summary>
public sealed class IngestWorkerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fv-worker-").FullName;

    [Fact]
    public async Task A_once_pass_through_the_embedding_service_equals_the_in_process_index()
    {
        string photos = CopyPhotos("barack_obama", "_groups");
        await using ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        await embedder.WaitServingAsync(TimeSpan.FromSeconds(60));

        string workerDb = Path.Combine(_dir, "worker.db");
        await RunWorkerAsync(embedder.Port, workerDb, photos, mode: "once", TimeSpan.FromMinutes(3));

        // The same folder through the in-process pipeline (what 'facevector index' runs).
        string localDb = Path.Combine(_dir, "local.db");
        using (var analyzer = new FaceAnalyzer(new FaceAnalyzerOptions { Models = new ModelDirectory(TestData.ModelsPath, "test") }))
        await using (var index = new SqliteFaceIndex(new SqliteIndexOptions(localDb, "faces")))
        using (var journal = new IngestJournal(Path.Combine(_dir, "local.journal")))
        {
            await new IngestPipeline(new LocalImageEmbedder(analyzer), index, journal).RunAsync(new IngestSource { Folders = [photos] });
        }

        Dictionary<Guid, FacePoint> expected = await ReadAllAsync(localDb), actual = await ReadAllAsync(workerDb);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((Guid id, FacePoint e) in expected)
        {
            float cos = e.Vector!.Zip(actual[id].Vector!, (a, b) => a * b).Sum();
            Assert.True(cos > 0.99999f, $"{e.Payload.ImagePath}: cosine {cos}");
        }
    }

    [Fact]
    public async Task Once_people_exist_the_worker_adds_new_faces_to_them_and_keeps_names()
    {
        string photos = CopyPhotos("barack_obama", "joe_biden");
        // Two of Obama's photos arrive later.
        string later = Path.Combine(_dir, "later");
        Directory.CreateDirectory(later);
        string[] held = [.. Directory.EnumerateFiles(Path.Combine(photos, "barack_obama")).Order(StringComparer.Ordinal).Take(2)];
        foreach (string file in held)
        {
            File.Move(file, Path.Combine(later, Path.GetFileName(file)));
        }

        await using ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        await embedder.WaitServingAsync(TimeSpan.FromSeconds(60));
        string db = Path.Combine(_dir, "people.db");
        await RunWorkerAsync(embedder.Port, db, photos, mode: "once", TimeSpan.FromMinutes(3));
        CliRun cluster = await FaceVectorProcess.RunAsync("people", "cluster", "--db", db);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);

        long obama;
        int before;
        using (var store = new FaceVector.People.Storage.PeopleStore(db, "faces"))
        {
            Dictionary<Guid, FacePoint> faces = await ReadAllAsync(db);
            obama = store.Faces().Values.Where(f => f.PersonId is not null && faces[f.FaceId].Payload.ImagePath.Contains("barack_obama", StringComparison.Ordinal))
                .GroupBy(f => f.PersonId!.Value).MaxBy(g => g.Count())!.Key;
            before = store.FaceIdsOf(obama).Count;
            store.Write(w => w.SetName(obama, "Barack Obama"));
        }

        foreach (string file in held)
        {
            File.Move(Path.Combine(later, Path.GetFileName(file)), file);
        }

        await RunWorkerAsync(embedder.Port, db, photos, mode: "once", TimeSpan.FromMinutes(3));
        Dictionary<Guid, FacePoint> all = await ReadAllAsync(db);
        Guid[] added = [.. all.Values.Where(f => held.Contains(f.Payload.ImagePath)).Select(f => f.Id)];
        Assert.NotEmpty(added);
        using (var store = new FaceVector.People.Storage.PeopleStore(db, "faces"))
        {
            Assert.All(added, id => Assert.Equal(obama, store.Faces([id])[id].PersonId));
            Assert.Equal(before + added.Length, store.FaceIdsOf(obama).Count);
            Assert.Equal("Barack Obama", store.Person(obama)!.Name);
        }
    }

    [Fact]
    public async Task The_worker_waits_for_a_late_embedding_service_and_then_finishes_the_work()
    {
        string photos = CopyPhotos("kit_harington");
        int port = FreePort();
        string db = Path.Combine(_dir, "late.db");
        Task worker = RunWorkerAsync(port, db, photos, mode: "once", TimeSpan.FromMinutes(3));
        await Task.Delay(TimeSpan.FromSeconds(3)); // the worker is retrying against nothing
        Assert.False(worker.IsCompleted);
        await using ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>(), port);
        await worker;
        Dictionary<Guid, FacePoint> faces = await ReadAllAsync(db);
        Assert.Equal(Directory.GetFiles(Path.Combine(photos, "kit_harington")).Length, faces.Values.Select(f => f.Payload.ImagePath).Distinct().Count());
    }

    [Fact]
    public async Task Watch_mode_indexes_new_files_and_forgets_deleted_ones()
    {
        string photos = CopyPhotos("rose_leslie");
        await using ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        string db = Path.Combine(_dir, "watch.db");
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        Task worker = RunWorkerAsync(embedder.Port, db, photos, mode: "watch", TimeSpan.FromMinutes(3), stop.Token);
        await WaitUntilAsync(async () => (await ReadAllAsync(db)).Count == Directory.GetFiles(Path.Combine(photos, "rose_leslie")).Length, stop.Token);

        string added = Path.Combine(photos, "rose_leslie", "added.jpg");
        File.Copy(TestData.FacesDevFile("_groups/kit_with_rose.jpg"), added);
        await WaitUntilAsync(async () => (await ReadAllAsync(db)).Values.Any(f => f.Payload.ImagePath == added), stop.Token);
        File.Delete(added);
        await WaitUntilAsync(async () => (await ReadAllAsync(db)).Values.All(f => f.Payload.ImagePath != added), stop.Token);
        await stop.CancelAsync();
        await worker;
    }

    [Fact]
    public async Task A_wrong_key_stops_the_worker_with_a_failure_exit_code()
    {
        string photos = CopyPhotos("kit_harington");
        await using ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        await embedder.WaitServingAsync(TimeSpan.FromSeconds(60));
        IngestStatus status = await RunWorkerAsync(embedder.Port, Path.Combine(_dir, "wrong-key.db"), photos, mode: "watch", TimeSpan.FromMinutes(2), apiKey: "not-the-key");
        Assert.Equal(IngestStatus.FatalExitCode, status.ExitCode);
        Assert.Contains("Unauthenticated", status.FatalError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_follows_the_embedding_service()
    {
        string photos = CopyPhotos("rose_leslie");
        ServiceHost embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        await embedder.WaitServingAsync(TimeSpan.FromSeconds(60));
        await using WebApplication app = BuildWorker(embedder.Port, Path.Combine(_dir, "ready.db"), photos, "watch", ServiceHost.ApiKey);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First()) };
            using var ready = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await WaitUntilAsync(async () => (await http.GetAsync("/readyz", ready.Token)).StatusCode == HttpStatusCode.OK, ready.Token);

            await embedder.DisposeAsync();
            await WaitUntilAsync(async () => (await http.GetAsync("/readyz", ready.Token)).StatusCode == HttpStatusCode.ServiceUnavailable, ready.Token);
            string reason = await (await http.GetAsync("/readyz", ready.Token)).Content.ReadAsStringAsync(ready.Token);
            Assert.Contains("embedding service", reason, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static WebApplication BuildWorker(int embedderPort, string db, string photos, string mode, string apiKey)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FaceVector:Embedding:Addresses:0"] = $"http://127.0.0.1:{embedderPort}",
            ["FaceVector:Embedding:ApiKey"] = apiKey,
            ["FaceVector:Index:DbPath"] = db,
            ["FaceVector:Ingest:Folders:0"] = photos,
            ["FaceVector:Ingest:Mode"] = mode,
            ["FaceVector:Ingest:DebounceSeconds"] = "1",
            ["FaceVector:Ingest:RescanSeconds"] = "30",
            ["FaceVector:Ingest:JournalPath"] = db + ".journal",
        });
        builder.AddFaceVectorIngest();
        WebApplication app = builder.Build();
        app.MapIngestEndpoints();
        return app;
    }

    private async Task<IngestStatus> RunWorkerAsync(int embedderPort, string db, string photos, string mode, TimeSpan timeout, CancellationToken cancellationToken = default, string apiKey = ServiceHost.ApiKey)
    {
        await using WebApplication app = BuildWorker(embedderPort, db, photos, mode, apiKey);
        IngestStatus status = app.Services.GetRequiredService<IngestStatus>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await app.RunAsync(limit.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        Assert.False(limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested, "the worker did not finish in time");
        return status;
    }

    private static async Task<Dictionary<Guid, FacePoint>> ReadAllAsync(string db)
    {
        var all = new Dictionary<Guid, FacePoint>();
        if (!File.Exists(db))
        {
            return all;
        }

        await using var index = new SqliteFaceIndex(new SqliteIndexOptions(db, "faces"));
        if (await index.GetCollectionAsync() is null)
        {
            return all;
        }

        await foreach (FacePoint p in index.ScanAsync(500, withVectors: true))
        {
            all.Add(p.Id, p);
        }

        return all;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        while (!await condition())
        {
            await Task.Delay(500, ct);
        }
    }

    private string CopyPhotos(params string[] folders)
    {
        string root = Path.Combine(_dir, "photos-" + string.Join('-', folders));
        foreach (string folder in folders)
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
            foreach (string file in Directory.EnumerateFiles(Path.Combine(TestData.FacesDev, folder)))
            {
                File.Copy(file, Path.Combine(root, folder, Path.GetFileName(file)));
            }
        }

        return root;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
