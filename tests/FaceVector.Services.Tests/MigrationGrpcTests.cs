using FaceVector.Application.Errors;
using FaceVector.Client;
using FaceVector.Core.Pipeline;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.Services.Hosting;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace FaceVector.Services.Tests;

/// <summary>
/// FaceMigration over real loopback sockets: an embedding service with the old recognizer (ingest and probes), one with
/// the new recognizer (the migration embedder), and the search service that runs the migration on its store.
/// </summary>
public sealed class MigrationGrpcTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-migration-").FullName;
    private ServiceHost _old = null!, _new = null!, _search = null!;
    private ModelInfo _oldModel = null!, _newModel = null!;
    private long _faces;

    private string DbPath => Path.Combine(_dir, "faces.db");

    private FaceMigration.FaceMigrationClient Client => new(_search.Channel);

    public async Task InitializeAsync()
    {
        _old = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?> { ["FaceVector:Models:Recognizer"] = "w600k_mbf_int8.onnx" });
        _new = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?> { ["FaceVector:Models:Recognizer"] = "w600k_mbf_dq.onnx" });
        var settings = SearchStackFixture.SearchSettings(_old, DbPath);
        settings["FaceVector:Migration:EmbeddingAddress"] = _new.Address.ToString();
        _search = await ServiceHost.StartAsync(FaceVectorRoles.Search, settings);
        await _old.WaitServingAsync(TimeSpan.FromSeconds(60));
        await _new.WaitServingAsync(TimeSpan.FromSeconds(60));
        await _search.WaitServingAsync(TimeSpan.FromSeconds(30));
        _oldModel = await new FaceEmbedding.FaceEmbeddingClient(_old.Channel).GetModelInfoAsync(new ModelInfoRequest(), ServiceHost.KeyHeaders);
        _newModel = await new FaceEmbedding.FaceEmbeddingClient(_new.Channel).GetModelInfoAsync(new ModelInfoRequest(), ServiceHost.KeyHeaders);
        IFaceIndex index = _search.Services.GetRequiredService<IFaceIndex>();
        string[] photos = [.. ImageFileEnumerator.Enumerate(TestData.FacesDev).Where(f => !f.EndsWith(".tsv", StringComparison.Ordinal) && !f.Contains("_noface", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Take(24)];
        await SearchStackFixture.IngestAsync(new FaceEmbedding.FaceEmbeddingClient(_old.Channel), index, _oldModel, photos);
        _faces = await index.CountAsync();
    }

    [Fact]
    public async Task Migrate_streams_progress_switches_the_collection_to_the_new_model_and_keeps_every_face_id()
    {
        Assert.NotEqual(_oldModel.ModelId, _newModel.ModelId);
        Assert.True(_faces > 20, $"{_faces} faces ingested");
        HashSet<Guid> before = await IdsAsync();

        var progress = new List<MigrateProgress>();
        using (var call = Client.Migrate(new MigrateRequest { ToModelId = _newModel.ModelId, BatchSize = 8 }, ServiceHost.AdminHeaders))
        {
            await foreach (MigrateProgress p in call.ResponseStream.ReadAllAsync())
            {
                progress.Add(p);
            }
        }

        MigrateReport report = progress[^1].Report;
        Assert.NotNull(report);
        Assert.Contains(progress, p => p.Report is null && p.PhotosDone > 0);
        Assert.True(report.Switched);
        Assert.Equal(_oldModel.ModelId, report.FromModelId);
        Assert.Equal(_newModel.ModelId, report.ToModelId);
        // The same detector finds every stored face again (same boxes): nothing is left out.
        Assert.Equal(0, report.FacesLeftOut);
        Assert.Equal(_faces, report.TargetFaces);
        Assert.Equal("faces", report.OldKeptAs);

        // The running search service now reads the new collection: new model id, same face ids.
        StatsReply stats = await new FaceSearch.FaceSearchClient(_search.Channel).GetStatsAsync(new StatsRequest(), ServiceHost.KeyHeaders);
        Assert.Equal((_newModel.ModelId, _faces), (stats.ModelId, stats.Faces));
        Assert.Equal(before, await IdsAsync());

        // Asked again: already switched; finish drops the old collection.
        MigrateReport again = await LastReportAsync(new MigrateRequest { ToModelId = _newModel.ModelId });
        Assert.True(again.Switched);
        MigrateReport finished = await LastReportAsync(new MigrateRequest { Finish = true });
        Assert.True(finished.OldDropped);
        await using var catalog = new SqliteStoreCatalog(DbPath);
        Assert.False(await catalog.CollectionExistsAsync("faces"));
    }

    [Fact]
    public async Task Bad_requests_are_invalid_argument_naming_the_field_and_the_search_key_is_refused()
    {
        async Task<string?> FieldOf(MigrateRequest request)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => LastReportAsync(request));
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            FaceVectorError error = GrpcErrors.ToError(ex);
            Assert.Equal(ErrorCode.InvalidArgument, error.Code);
            return error.Field;
        }

        Assert.Equal("to_model_id", await FieldOf(new MigrateRequest()));
        Assert.Equal("to_model_id", await FieldOf(new MigrateRequest { ToModelId = "w600k_r50@000000000000" }));
        Assert.Equal("batch_size", await FieldOf(new MigrateRequest { ToModelId = _newModel.ModelId, BatchSize = 5000 }));
        Assert.Equal("finish", await FieldOf(new MigrateRequest { ToModelId = _newModel.ModelId, Finish = true }));

        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = Client.Migrate(new MigrateRequest { ToModelId = _newModel.ModelId }, ServiceHost.KeyHeaders);
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        // Nothing was switched by any of these.
        await using var catalog = new SqliteStoreCatalog(DbPath);
        Assert.Null(await catalog.AliasTargetAsync("faces"));
    }

    private async Task<MigrateReport> LastReportAsync(MigrateRequest request)
    {
        using var call = Client.Migrate(request, ServiceHost.AdminHeaders);
        MigrateReport? last = null;
        await foreach (MigrateProgress p in call.ResponseStream.ReadAllAsync())
        {
            last = p.Report ?? last;
        }

        return last ?? throw new InvalidOperationException("no report");
    }

    private async Task<HashSet<Guid>> IdsAsync()
    {
        IFaceIndex index = _search.Services.GetRequiredService<IFaceIndex>();
        var ids = new HashSet<Guid>();
        await foreach (FacePoint p in index.ScanAsync(500))
        {
            ids.Add(p.Id);
        }

        return ids;
    }

    public async Task DisposeAsync()
    {
        await _search.DisposeAsync();
        await _new.DisposeAsync();
        await _old.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
