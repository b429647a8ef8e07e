using FaceVector.Index.Embedded;
using FaceVector.Index.Migration;
using FaceVector.Index.Qdrant;
using FaceVector.Index.Tests.QdrantDouble;
using Grpc.Core;

namespace FaceVector.Index.Tests.Contract;

/// <summary>
/// What a store's aliases must do for model migration, run against the embedded store and against the Qdrant adapter
/// talking to the in-process TEST DOUBLE (whose alias semantics follow Qdrant's server code; it is not Qdrant).
/// </summary>
public abstract class CollectionCatalogContract : IAsyncLifetime
{
    private const string OtherModel = "w600k_mbf_dq@test";

    private ICollectionCatalog? _catalog;

    protected ICollectionCatalog Catalog => _catalog ?? throw new InvalidOperationException("not initialised");

    protected abstract Task<ICollectionCatalog> OpenCatalogAsync();

    /// <summary>A reader of the configured name, as the search service or the CLI opens it (aliases followed).</summary>
    protected abstract IFaceIndex OpenByName(string name);

    public async Task InitializeAsync() => _catalog = await OpenCatalogAsync();

    public virtual async Task DisposeAsync()
    {
        if (_catalog is not null) await _catalog.DisposeAsync();
    }

    private static string NewName(string what) => $"{what}_{Guid.NewGuid():N}";

    /// <summary>A collection of <paramref name="model"/> holding <paramref name="count"/> faces.</summary>
    private async Task<string> MakeAsync(string model, int count, int seedBase)
    {
        var name = NewName("c");
        await using var index = OpenByName(name);
        await index.EnsureCollectionAsync(new CollectionSpec(TestFaces.Dimension, model));
        await index.UpsertAsync([.. Enumerable.Range(0, count).Select(i => TestFaces.Face(seedBase + i, $"/p/{name}/{i}.jpg", model: model))]);
        return name;
    }

    [ContractFact]
    public async Task A_switch_moves_every_reader_of_the_name_to_the_other_collection_and_its_model()
    {
        var old = await MakeAsync(TestFaces.Model, 3, 100);
        var next = await MakeAsync(OtherModel, 5, 200);
        var name = NewName("faces");
        await using var reader = OpenByName(name);
        Assert.Null(await reader.GetCollectionAsync());
        Assert.Null(await Catalog.AliasTargetAsync(name));

        await Catalog.SwitchAliasAsync(name, old);
        Assert.Equal(old, await Catalog.AliasTargetAsync(name));
        Assert.Equal((TestFaces.Model, 3L), ((await reader.GetCollectionAsync())!.ModelId, await reader.CountAsync()));
        Assert.NotEmpty(await reader.SearchAsync(new FaceQuery(TestFaces.Vector(100), TestFaces.Model, 1)));

        await Catalog.SwitchAliasAsync(name, next);
        Assert.Equal(next, await Catalog.AliasTargetAsync(name));
        var info = (await reader.GetCollectionAsync())!;
        Assert.Equal((OtherModel, 5L), (info.ModelId, info.Faces));
        Assert.Equal(5, await reader.CountAsync());
        // The same open reader now refuses the old model's vectors, for writes and for searches.
        await Assert.ThrowsAsync<ModelMismatchException>(() => reader.UpsertAsync([TestFaces.Face(1, "/p/late.jpg")]));
        await Assert.ThrowsAsync<ModelMismatchException>(() => reader.SearchAsync(new FaceQuery(TestFaces.Vector(100), TestFaces.Model, 1)));
        Assert.Equal($"/p/{next}/0.jpg", Assert.Single(await reader.SearchAsync(new FaceQuery(TestFaces.Vector(200), OtherModel, 1))).Payload.ImagePath);
        // The old collection is untouched under its own name.
        await using var kept = Catalog.OpenCollection(old);
        Assert.Equal(3, await kept.CountAsync());
    }

    [ContractFact]
    public async Task An_alias_needs_an_existing_collection()
    {
        var name = NewName("faces");
        await Assert.ThrowsAsync<CollectionNotFoundException>(() => Catalog.SwitchAliasAsync(name, NewName("missing")));
        Assert.Null(await Catalog.AliasTargetAsync(name));
    }

    [ContractFact]
    public async Task Dropping_a_collection_drops_the_aliases_that_point_at_it()
    {
        var old = await MakeAsync(TestFaces.Model, 2, 300);
        var name = NewName("faces");
        await Catalog.SwitchAliasAsync(name, old);
        Assert.True(await Catalog.CollectionExistsAsync(old));
        Assert.False(await Catalog.CollectionExistsAsync(name)); // an alias is not a collection
        await Catalog.DropCollectionAsync(old);
        Assert.False(await Catalog.CollectionExistsAsync(old));
        Assert.Null(await Catalog.AliasTargetAsync(name));
        await using var reader = OpenByName(name);
        Assert.Null(await reader.GetCollectionAsync());
    }

    [ContractFact]
    public async Task An_alias_over_a_collection_of_the_same_name_hides_it_or_is_refused()
    {
        var plain = await MakeAsync(TestFaces.Model, 2, 400);
        var next = await MakeAsync(OtherModel, 4, 500);
        if (Catalog.AliasMayShadowCollection)
        {
            await Catalog.SwitchAliasAsync(plain, next);
            await using var reader = OpenByName(plain);
            Assert.Equal(4, await reader.CountAsync());
            await using var hidden = Catalog.OpenCollection(plain);
            Assert.Equal(2, await hidden.CountAsync());
        }
        else
        {
            // Qdrant: "Collection `x` already exists!"; nothing changes.
            var refused = await Assert.ThrowsAsync<RpcException>(() => Catalog.SwitchAliasAsync(plain, next));
            Assert.Equal(StatusCode.AlreadyExists, refused.StatusCode);
            Assert.Null(await Catalog.AliasTargetAsync(plain));
        }
    }

    [ContractFact]
    public async Task A_migration_record_is_kept_with_its_target_until_forgotten()
    {
        var target = await MakeAsync(OtherModel, 1, 600);
        Assert.Null(await Catalog.GetMigrationAsync(target));
        var record = new CollectionMigration("faces", "faces", target, TestFaces.Model, OtherModel, "faces.old");
        await Catalog.SaveMigrationAsync(record);
        Assert.Equal(record, await Catalog.GetMigrationAsync(target));
        await Catalog.ForgetMigrationAsync(target);
        Assert.Null(await Catalog.GetMigrationAsync(target));
    }
}

/// <summary>Aliases of the embedded store: a table switched in one transaction.</summary>
public sealed class SqliteCatalogContract : CollectionCatalogContract
{
    private readonly TempDatabase _database = new();

    protected override async Task<ICollectionCatalog> OpenCatalogAsync()
    {
        // The catalog works on an existing store file.
        await using (var made = new SqliteFaceIndex(_database.Path)) await made.GetCollectionAsync();
        return new SqliteStoreCatalog(_database.Path);
    }

    protected override IFaceIndex OpenByName(string name) => new SqliteFaceIndex(_database.Path, name);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

/// <summary>Qdrant's aliases, through the adapter, against the in-process TEST DOUBLE (not a real Qdrant).</summary>
public sealed class QdrantDoubleCatalogContract(QdrantDoubleServer server) : CollectionCatalogContract, IClassFixture<QdrantDoubleServer>
{
    private readonly QdrantIndexOptions _options = new() { CallTimeout = TimeSpan.FromSeconds(10), CollectionInfoLifetime = TimeSpan.Zero };

    protected override Task<ICollectionCatalog> OpenCatalogAsync() => Task.FromResult<ICollectionCatalog>(new QdrantStoreCatalog(server.CreateClient(), _options));

    protected override IFaceIndex OpenByName(string name) => new QdrantFaceIndex(server.CreateClient(), _options with { Collection = name });
}
