using System.Security.Cryptography;
using System.Text;
using FaceVector.Application.Migration;
using FaceVector.Index.Qdrant;
using FaceVector.Index.Tests.QdrantDouble;

namespace FaceVector.Index.Tests.Migration;

/// <summary>
/// The store side of a model migration on Qdrant (through the adapter, against the in-process TEST DOUBLE, not a real
/// Qdrant): a collection that carries the configured name itself cannot be hidden by an alias there, so it is copied
/// to a kept name, dropped and replaced by the alias. The recognizer here is <see cref="SeededReembedder"/> (vectors
/// from the stored box), which is enough for the store flow; the real models are exercised by the CLI and gRPC tests.
/// </summary>
public sealed class QdrantMigrationTests(QdrantDoubleServer server) : IClassFixture<QdrantDoubleServer>, IDisposable
{
    private const string NewModel = "w600k_mbf_dq@test";
    private readonly string _photos = Directory.CreateTempSubdirectory("facevector-migration-").FullName;
    private readonly QdrantIndexOptions _options = new() { CallTimeout = TimeSpan.FromSeconds(10), CollectionInfoLifetime = TimeSpan.Zero };

    [Fact]
    public async Task A_plain_collection_is_kept_under_another_name_and_the_alias_takes_its_name()
    {
        var name = $"faces_{Guid.NewGuid():N}";
        await using var reader = new QdrantFaceIndex(server.CreateClient(), _options with { Collection = name });
        var made = await reader.EnsureCollectionAsync(TestFaces.Spec());
        List<FacePoint> faces = [.. Enumerable.Range(0, 12).Select(i => PhotoFace(i))];
        await reader.UpsertAsync(faces);

        await using var catalog = new QdrantStoreCatalog(server.CreateClient(), _options);
        var migration = new ModelMigration(catalog, new MigrationOptions { BatchSize = 5 });
        var report = await migration.RunAsync(name, new SeededReembedder(), null);

        var kept = ModelMigration.TargetName(name, TestFaces.Model);
        Assert.True(report.Switched);
        Assert.Equal((12L, 12L, 0L), (report.Reembedded, report.TargetFaces, report.FacesLeftOut));
        Assert.Equal(kept, report.OldKeptAs);
        Assert.Equal(report.Target, await catalog.AliasTargetAsync(name));
        Assert.False(await catalog.CollectionExistsAsync(name)); // the name is the alias's now
        // Readers of the name: the new model, the same ids, the index id carried over (ingest journals stay valid).
        var info = (await reader.GetCollectionAsync())!;
        Assert.Equal((NewModel, 12L, made.IndexId), (info.ModelId, info.Faces, info.IndexId));
        Assert.Equal(faces.Select(f => f.Id).Order(), (await reader.GetAsync([.. faces.Select(f => f.Id)])).Select(f => f.Id).Order());
        await Assert.ThrowsAsync<ModelMismatchException>(() => reader.SearchAsync(new FaceQuery(TestFaces.Vector(1), TestFaces.Model)));
        // The old faces, vectors unchanged, under the kept name.
        await using (var old = catalog.OpenCollection(kept))
        {
            var oldFaces = await old.GetAsync([.. faces.Select(f => f.Id)], withVectors: true);
            Assert.Equal(12, oldFaces.Count);
            Assert.All(oldFaces, f => Assert.Equal(TestFaces.Model, f.Payload.ModelId));
        }

        var again = await migration.RunAsync(name, new SeededReembedder(), null);
        Assert.True(again.AlreadySwitched);
        Assert.Equal(kept, again.OldKeptAs);
        var finished = await migration.FinishAsync(name);
        Assert.True(finished.OldDropped);
        Assert.False(await catalog.CollectionExistsAsync(kept));
        Assert.Equal(12, await reader.CountAsync());
    }

    [Fact]
    public async Task A_run_stopped_between_dropping_the_collection_and_making_the_alias_is_finished_by_the_next()
    {
        var name = $"faces_{Guid.NewGuid():N}";
        await using (var index = new QdrantFaceIndex(server.CreateClient(), _options with { Collection = name }))
        {
            await index.EnsureCollectionAsync(TestFaces.Spec());
            await index.UpsertAsync([.. Enumerable.Range(0, 4).Select(i => PhotoFace(i))]);
        }

        await using var catalog = new QdrantStoreCatalog(server.CreateClient(), _options);
        var migration = new ModelMigration(catalog);
        // A kill right after the old collection was dropped (copied first), before the alias was made.
        var stopping = new StopAfterDropCatalog(catalog);
        await Assert.ThrowsAsync<OperationCanceledException>(() => new ModelMigration(stopping).RunAsync(name, new SeededReembedder(), null));
        Assert.False(await catalog.CollectionExistsAsync(name));
        Assert.Null(await catalog.AliasTargetAsync(name));

        var report = await migration.RunAsync(name, new SeededReembedder(), null);
        Assert.True(report.Switched);
        Assert.Equal(report.Target, await catalog.AliasTargetAsync(name));
        await using var reader = new QdrantFaceIndex(server.CreateClient(), _options with { Collection = name });
        Assert.Equal(4, await reader.CountAsync());
    }

    /// <summary>A face whose photo exists: the file's bytes are its own path, so the stored hash matches.</summary>
    private FacePoint PhotoFace(int i)
    {
        var path = Path.Combine(_photos, $"p{i}.jpg");
        File.WriteAllText(path, path);
        var face = TestFaces.Face(100 + i, path);
        return face with { Payload = face.Payload with { ImageHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path))) } };
    }

    public void Dispose() => Directory.Delete(_photos, recursive: true);

    /// <summary>A stand-in recognizer for the store flow: a seeded vector per stored box.</summary>
    private sealed class SeededReembedder : IFaceReembedder
    {
        public string ModelId => NewModel;

        public int Dimension => TestFaces.Dimension;

        public Task<IReadOnlyList<float[]?>> EmbedAsync(string path, byte[] bytes, IReadOnlyList<FacePayload> faces, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<float[]?>>([.. faces.Select(f => (float[]?)TestFaces.Vector(HashCode.Combine(path, f.FaceIndex)))]);
    }

    /// <summary>The real catalog, stopped (as by a kill) right after the old collection was dropped.</summary>
    private sealed class StopAfterDropCatalog(Index.Migration.ICollectionCatalog inner) : Index.Migration.ICollectionCatalog
    {
        public string Location => inner.Location;
        public bool AliasMayShadowCollection => inner.AliasMayShadowCollection;
        public Task<string?> AliasTargetAsync(string alias, CancellationToken cancellationToken = default) => inner.AliasTargetAsync(alias, cancellationToken);
        public Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default) => inner.CollectionExistsAsync(collection, cancellationToken);
        public IFaceIndex OpenCollection(string collection) => inner.OpenCollection(collection);
        public Task SwitchAliasAsync(string alias, string collection, CancellationToken cancellationToken = default) => throw new OperationCanceledException("stopped before the alias");
        public Task DropCollectionAsync(string collection, CancellationToken cancellationToken = default) => inner.DropCollectionAsync(collection, cancellationToken);
        public Task<Index.Migration.CollectionMigration?> GetMigrationAsync(string target, CancellationToken cancellationToken = default) => inner.GetMigrationAsync(target, cancellationToken);
        public Task SaveMigrationAsync(Index.Migration.CollectionMigration migration, CancellationToken cancellationToken = default) => inner.SaveMigrationAsync(migration, cancellationToken);
        public Task ForgetMigrationAsync(string target, CancellationToken cancellationToken = default) => inner.ForgetMigrationAsync(target, cancellationToken);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
