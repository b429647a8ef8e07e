using FaceVector.Index.Embedded;
using FaceVector.Index.Qdrant;
using FaceVector.Index.Tests.QdrantDouble;
using Grpc.Net.Client;
using Qdrant.Client;

namespace FaceVector.Index.Tests.Contract;

/// <summary>The contract against the embedded store on a temporary file.</summary>
public sealed class SqliteFaceIndexContract : FaceIndexContract<SqliteFaceIndex>
{
    private readonly TempDatabase _database = new();

    protected override Task<SqliteFaceIndex> OpenAsync(string collection) =>
        Task.FromResult(new SqliteFaceIndex(_database.Path, collection));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

/// <summary>The contract against the Qdrant adapter talking gRPC to the in-process TEST DOUBLE (not a real Qdrant).</summary>
public sealed class QdrantTestDoubleContract(QdrantDoubleServer server) : FaceIndexContract<QdrantFaceIndex>, IClassFixture<QdrantDoubleServer>
{
    protected override Task<QdrantFaceIndex> OpenAsync(string collection) =>
        Task.FromResult(new QdrantFaceIndex(server.CreateClient(), new QdrantIndexOptions { Collection = collection, CallTimeout = TimeSpan.FromSeconds(10) }));
}

/// <summary>The contract against a real Qdrant at <c>QDRANT_URL</c>; skipped when the variable is unset. Test collections are dropped afterwards.</summary>
[RequiresQdrantUrl]
public sealed class RealQdrantContract : FaceIndexContract<QdrantFaceIndex>
{
    private readonly List<string> _collections = [];

    protected override Task<QdrantFaceIndex> OpenAsync(string collection)
    {
        _collections.Add(collection);
        var options = new QdrantIndexOptions
        {
            Endpoint = RequiresQdrantUrlAttribute.Url!,
            ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY"),
            Collection = collection,
            CallTimeout = TimeSpan.FromSeconds(30),
        };
        return Task.FromResult(new QdrantFaceIndex(options));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        using var client = new QdrantClient(RequiresQdrantUrlAttribute.Url!, Environment.GetEnvironmentVariable("QDRANT_API_KEY"));
        foreach (var collection in _collections.Distinct())
        {
            if (await client.CollectionExistsAsync(collection)) await client.DeleteCollectionAsync(collection);
        }
    }
}

/// <summary>A database file in a fresh temporary folder, removed (with its WAL files) afterwards.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase() => Directory.CreateDirectory(Folder);

    public string Folder { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"facevector-tests-{Guid.NewGuid():N}");

    public string Path => System.IO.Path.Combine(Folder, "faces.db");

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { /* a child process may still hold it for a moment; temp files are harmless */ }
    }
}

/// <summary>Reachability of the real Qdrant at <c>QDRANT_URL</c>, reported before the contract's own failures would be.</summary>
public sealed class RealQdrantSmokeTests
{
    [QdrantFact]
    public async Task The_server_answers_its_health_check()
    {
        using var client = new QdrantClient(RequiresQdrantUrlAttribute.Url!, Environment.GetEnvironmentVariable("QDRANT_API_KEY"), TimeSpan.FromSeconds(10));
        Assert.False(string.IsNullOrEmpty((await client.HealthAsync()).Version));
    }
}
