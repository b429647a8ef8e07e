using System.Diagnostics;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.Services.Hosting;
using Google.Protobuf;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace FaceVector.Services.Tests;

/// <summary>
/// The deployment as separate processes on loopback (two embedding services, the search service, the ingest worker,
/// the embedded store) with faults injected as an operator would meet them: an embedder killed mid-ingest, an
/// embedder hung (SIGSTOP) during searches, the worker killed twice, the index file removed while the journal stays.
/// After each, the index must equal a one-process <c>facevector index</c> of the same folder (same face ids, same
/// vectors). A small folder (20 photos) keeps it to a few minutes.
/// </summary>
public sealed class TopologyFaultTests : IDisposable
{
    private static readonly string[] Folders = ["barack_obama", "kit_harington", "rose_leslie", "_groups"];
    private readonly string _dir = Directory.CreateTempSubdirectory("fv-topology-").FullName;

    private string Photos => Path.Combine(_dir, "photos");

    private string Db => Path.Combine(_dir, "faces.db");

    private string Journal => Path.Combine(_dir, "ingest.journal.db");

    [Fact]
    public async Task Every_fault_ends_in_the_index_a_one_process_run_builds()
    {
        CopyPhotos();
        string referenceDb = Path.Combine(_dir, "reference.db");
        CliRun reference = await FaceVectorProcess.RunAsync(["index", Photos, "--db", referenceDb], timeout: TimeSpan.FromMinutes(5));
        Assert.True(reference.ExitCode == 0, reference.Stderr);
        Dictionary<Guid, FacePoint> expected = await ReadAllAsync(referenceDb);
        Assert.True(expected.Count > 20, $"only {expected.Count} faces in the reference");

        await using ServiceProcess a = StartEmbedder();
        await using ServiceProcess b = StartEmbedder();
        await WaitServingAsync(a, TimeSpan.FromMinutes(2));
        await WaitServingAsync(b, TimeSpan.FromMinutes(2));

        // 1. One embedder killed while the worker is ingesting: the other carries on, nothing is lost.
        await using (ServiceProcess worker = StartWorker(a, b))
        {
            await WaitUntilAsync(async () => await CountAsync(Db) > 0 || worker.HasExited, TimeSpan.FromMinutes(3), "first faces", worker);
            Assert.False(worker.HasExited, "the worker finished before the embedder could be killed mid-ingest");
            a.Kill();
            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromMinutes(5)) == 0, worker.Output);
        }

        await AssertSameIndexAsync(expected, "after an embedder was killed mid-ingest");

        // 2. One embedder hung (SIGSTOP) while searches run: every search answers within 5 s, health stays SERVING.
        await using ServiceProcess restarted = StartEmbedder(a.Port);
        await WaitServingAsync(restarted, TimeSpan.FromMinutes(2));
        await using (ServiceProcess search = StartSearch(restarted, b))
        {
            await WaitServingAsync(search, TimeSpan.FromMinutes(2));
            using var channel = GrpcChannel.ForAddress(search.Address);
            var client = new FaceSearch.FaceSearchClient(channel);
            var health = new Health.HealthClient(channel);
            var request = new SearchRequest { Image = ByteString.CopyFrom(File.ReadAllBytes(TestData.FacesDevFile("barack_obama/obama1.jpg"))) };
            Assert.NotEmpty((await client.SearchAsync(request, ServiceHost.KeyHeaders)).Faces.Single().Matches);

            restarted.Pause();
            try
            {
                for (int i = 0; i < 8; i++)
                {
                    var watch = Stopwatch.StartNew();
                    SearchReply reply = await client.SearchAsync(request, ServiceHost.KeyHeaders, deadline: DateTime.UtcNow.AddSeconds(30));
                    Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"search {i} took {watch.Elapsed.TotalSeconds:0.0} s with one embedder hung");
                    Assert.NotEmpty(reply.Faces.Single().Matches);
                    HealthCheckResponse status = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
                    Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status.Status);
                }
            }
            finally
            {
                restarted.Resume();
            }
        }

        // 3. The worker killed twice, mid-ingest, then run to the end: it resumes, and the index is whole.
        DeleteIndexAndJournal();
        for (int kill = 0; kill < 2; kill++)
        {
            long before = await CountAsync(Db);
            await using ServiceProcess worker = StartWorker(restarted, b);
            await WaitUntilAsync(async () => await CountAsync(Db) > before || worker.HasExited, TimeSpan.FromMinutes(3), $"progress before kill {kill + 1}", worker);
            worker.Kill();
        }

        await using (ServiceProcess worker = StartWorker(restarted, b))
        {
            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromMinutes(5)) == 0, worker.Output);
        }

        await AssertSameIndexAsync(expected, "after the worker was killed twice");

        // 4. The index file is lost, its journal stays: the worker notices and embeds everything again.
        foreach (string file in Directory.GetFiles(_dir, "faces.db*"))
        {
            File.Delete(file);
        }

        Assert.True(File.Exists(Journal));
        await using (ServiceProcess worker = StartWorker(restarted, b))
        {
            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromMinutes(5)) == 0, worker.Output);
        }

        await AssertSameIndexAsync(expected, "after the index file was removed and the journal kept");
    }

    private static ServiceProcess StartEmbedder(int? port = null) => ServiceProcess.Start("FaceVector.Embedding.dll", new Dictionary<string, string?>
    {
        ["FaceVector__Inference__MaxConcurrency"] = "1", // two replicas on a small machine: one image at a time each
    }, port);

    private ServiceProcess StartSearch(ServiceProcess a, ServiceProcess b) => ServiceProcess.Start("FaceVector.Search.dll", new Dictionary<string, string?>
    {
        ["FaceVector__Embedding__Addresses__0"] = a.Address.ToString(),
        ["FaceVector__Embedding__Addresses__1"] = b.Address.ToString(),
        ["FaceVector__Embedding__HedgeAfterSeconds"] = "1.5",
        ["FaceVector__Index__DbPath"] = Db,
    });

    private ServiceProcess StartWorker(ServiceProcess a, ServiceProcess b) => ServiceProcess.Start("FaceVector.Ingest.dll", new Dictionary<string, string?>
    {
        ["FaceVector__Embedding__Addresses__0"] = a.Address.ToString(),
        ["FaceVector__Embedding__Addresses__1"] = b.Address.ToString(),
        ["FaceVector__Index__DbPath"] = Db,
        ["FaceVector__Ingest__Folders__0"] = Photos,
        ["FaceVector__Ingest__Mode"] = "once",
        ["FaceVector__Ingest__JournalPath"] = Journal,
        ["FaceVector__Ingest__BatchFiles"] = "3", // many small batches: kills land between and inside them
        ["FaceVector__Ingest__Parallelism"] = "2",
    });

    private static async Task WaitServingAsync(ServiceProcess process, TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(process.Address);
        try
        {
            await HealthProbe.WaitServingAsync(channel, timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; {process.Name} printed: {process.Output}", ex);
        }
    }

    private async Task AssertSameIndexAsync(Dictionary<Guid, FacePoint> expected, string when)
    {
        Dictionary<Guid, FacePoint> actual = await ReadAllAsync(Db);
        Assert.True(expected.Keys.Order().SequenceEqual(actual.Keys.Order()), $"{when}: {actual.Count} faces, expected {expected.Count}; missing {expected.Keys.Except(actual.Keys).Count()}, extra {actual.Keys.Except(expected.Keys).Count()}");
        foreach ((Guid id, FacePoint e) in expected)
        {
            float cos = e.Vector!.Zip(actual[id].Vector!, (x, y) => x * y).Sum();
            Assert.True(cos > 0.99999f, $"{when}: {e.Payload.ImagePath} face {e.Payload.FaceIndex}: cosine {cos}");
        }
    }

    private static async Task<long> CountAsync(string db)
    {
        if (!File.Exists(db))
        {
            return 0;
        }

        await using var index = new SqliteFaceIndex(new SqliteIndexOptions(db, "faces"));
        return await index.GetCollectionAsync() is { } info ? info.Faces : 0;
    }

    private static async Task<Dictionary<Guid, FacePoint>> ReadAllAsync(string db)
    {
        var all = new Dictionary<Guid, FacePoint>();
        await using var index = new SqliteFaceIndex(new SqliteIndexOptions(db, "faces"));
        await foreach (FacePoint p in index.ScanAsync(500, withVectors: true))
        {
            all.Add(p.Id, p);
        }

        return all;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, ServiceProcess process)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"waiting for {what}: {process.Name} printed {process.Output}");
            }

            await Task.Delay(100);
        }
    }

    private void DeleteIndexAndJournal()
    {
        foreach (string file in Directory.GetFiles(_dir, "faces.db*").Concat(Directory.GetFiles(_dir, "ingest.journal.db*")))
        {
            File.Delete(file);
        }
    }

    private void CopyPhotos()
    {
        foreach (string folder in Folders)
        {
            Directory.CreateDirectory(Path.Combine(Photos, folder));
            foreach (string file in Directory.EnumerateFiles(Path.Combine(TestData.FacesDev, folder)))
            {
                File.Copy(file, Path.Combine(Photos, folder, Path.GetFileName(file)));
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
