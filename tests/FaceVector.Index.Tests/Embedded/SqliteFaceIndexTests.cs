using FaceVector.Index.Embedded;
using FaceVector.Index.Tests.Contract;
using Microsoft.Data.Sqlite;

namespace FaceVector.Index.Tests.Embedded;

/// <summary>What only the embedded store promises: durability across reopen, concurrency, several writers on one file.</summary>
public sealed class SqliteFaceIndexTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task A_file_made_before_index_ids_gets_the_column_and_its_collection_an_id()
    {
        await using (var index = new SqliteFaceIndex(_database.Path))
        {
            await index.EnsureCollectionAsync(TestFaces.Spec());
            await index.UpsertAsync(TestFaces.Many(3));
        }
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_database.Path};Pooling=False"))
        {
            old.Open();
            using var drop = old.CreateCommand();
            drop.CommandText = "ALTER TABLE collections DROP COLUMN index_id"; // the layout of older files
            drop.ExecuteNonQuery();
        }
        await using var reopened = new SqliteFaceIndex(_database.Path);
        Assert.Null((await reopened.GetCollectionAsync())!.IndexId);
        var id = (await reopened.EnsureCollectionAsync(TestFaces.Spec())).IndexId;
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal(3, (await reopened.GetCollectionAsync())!.Faces);
        await using var again = new SqliteFaceIndex(_database.Path);
        Assert.Equal(id, (await again.GetCollectionAsync())!.IndexId);
    }

    [Fact]
    public async Task Reopening_the_file_gives_the_same_results()
    {
        var faces = TestFaces.Many(40);
        var query = new FaceQuery(TestFaces.Near(faces[5].Vector!, 0.4f, 1), TestFaces.Model, 10);
        IReadOnlyList<FaceMatch> before;
        CollectionInfo made;
        await using (var index = new SqliteFaceIndex(_database.Path))
        {
            made = await index.EnsureCollectionAsync(TestFaces.Spec());
            await index.UpsertAsync(faces);
            await index.DeleteAsync([faces[1].Id]);
            await index.DeleteAsync(new FaceFilter { ImagePath = faces[10].Payload.ImagePath });
            before = await index.SearchAsync(query);
        }
        await using var reopened = new SqliteFaceIndex(_database.Path);
        Assert.Equal(new CollectionInfo(FaceIndexOptions.DefaultCollection, TestFaces.Dimension, TestFaces.Model, 37) { IndexId = made.IndexId }, await reopened.GetCollectionAsync());
        Assert.Equal(before, await reopened.SearchAsync(query), new MatchComparer());
        Assert.Equal(faces[5].Vector!.Length, (await reopened.GetAsync([faces[5].Id], withVectors: true)).Single().Vector!.Length);
    }

    [Fact]
    public async Task Several_collections_share_one_file_without_mixing()
    {
        await using var a = new SqliteFaceIndex(_database.Path, "a");
        await using var b = new SqliteFaceIndex(_database.Path, "b");
        await a.EnsureCollectionAsync(TestFaces.Spec());
        await b.EnsureCollectionAsync(new CollectionSpec(TestFaces.Dimension, "other@2"));
        await a.UpsertAsync(TestFaces.Many(5));
        Assert.Equal(5, await a.CountAsync());
        Assert.Equal(0, await b.CountAsync());
        Assert.Equal("other@2", (await b.GetCollectionAsync())!.ModelId);
    }

    [Fact]
    public async Task Concurrent_searches_during_writes_see_whole_batches_only()
    {
        const int batch = 50;
        await using var writer = new SqliteFaceIndex(_database.Path);
        await using var otherInstance = new SqliteFaceIndex(_database.Path);
        await writer.EnsureCollectionAsync(TestFaces.Spec());
        await writer.UpsertAsync(TestFaces.Many(batch * 4));
        using var stop = new CancellationTokenSource();
        var writes = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++) await writer.UpsertAsync(TestFaces.Many(batch, seedBase: 10_000 + i * batch).Select(f => f with { Id = Guid.NewGuid() }).ToList());
            await stop.CancelAsync();
        });
        var readers = new[] { writer, otherInstance, writer, otherInstance }.Select((index, n) => Task.Run(async () =>
        {
            var searches = 0;
            while (!stop.IsCancellationRequested || searches == 0)
            {
                var hits = await index.SearchAsync(new FaceQuery(TestFaces.Vector(n), TestFaces.Model, 10));
                Assert.Equal(10, hits.Count);
                Assert.Equal(0, await index.CountAsync() % batch);
                searches++;
            }
            return searches;
        })).ToList();
        await writes;
        Assert.All(await Task.WhenAll(readers), searches => Assert.True(searches > 0));
        Assert.Equal(batch * 24, await otherInstance.CountAsync());
    }

    [Fact]
    public async Task Int8_scan_with_exact_rescoring_finds_nearly_the_same_top_ten()
    {
        await using var exact = new SqliteFaceIndex(_database.Path, "exact");
        await using var quantized = new SqliteFaceIndex(_database.Path, "int8");
        await exact.EnsureCollectionAsync(TestFaces.Spec());
        await quantized.EnsureCollectionAsync(TestFaces.Spec(quantization: true));
        var faces = TestFaces.Many(2000);
        await exact.UpsertAsync(faces);
        await quantized.UpsertAsync(faces);
        var found = 0;
        for (var q = 0; q < 20; q++)
        {
            var query = new FaceQuery(TestFaces.Near(faces[q * 37].Vector!, 0.8f, q), TestFaces.Model, 10);
            var truth = (await exact.SearchAsync(query)).Select(h => h.Id).ToHashSet();
            var approx = await quantized.SearchAsync(query);
            found += approx.Count(h => truth.Contains(h.Id));
            Assert.Equal(faces[q * 37].Id, approx[0].Id);
        }
        Assert.True(found >= 190, $"recall@10 {found / 200.0}");
        var self = (await quantized.SearchAsync(new FaceQuery(faces[3].Vector!, TestFaces.Model, 1))).Single();
        Assert.Equal(1f, self.Score, 1e-5f); // rescored with the float vector, not the int8 estimate
    }

    [Fact]
    public async Task Writes_are_durable_settings_and_the_schema_is_as_documented()
    {
        await using (var index = new SqliteFaceIndex(_database.Path))
        {
            await index.EnsureCollectionAsync(TestFaces.Spec());
            await index.UpsertAsync(TestFaces.Many(3));
        }
        using var connection = new SqliteConnection($"Data Source={_database.Path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "SELECT count(*), min(length(vector)) FROM faces WHERE collection = 'faces'";
        using var reader = command.ExecuteReader();
        reader.Read();
        Assert.Equal(3L, reader.GetInt64(0));
        Assert.Equal(TestFaces.Dimension * sizeof(float), reader.GetInt64(1));
    }

    private sealed class MatchComparer : IEqualityComparer<FaceMatch>
    {
        public bool Equals(FaceMatch? x, FaceMatch? y) =>
            x!.Id == y!.Id && Math.Abs(x.Score - y.Score) < 1e-6 && x.Payload.ImagePath == y.Payload.ImagePath && x.Payload.Keypoints.SequenceEqual(y.Payload.Keypoints);

        public int GetHashCode(FaceMatch obj) => obj.Id.GetHashCode();
    }
}
