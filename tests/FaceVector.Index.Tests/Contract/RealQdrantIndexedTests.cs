using System.Numerics.Tensors;
using FaceVector.Index.Qdrant;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Tests.Contract;

/// <summary>
/// The adapter against a real Qdrant at <c>QDRANT_URL</c> on a collection large enough that Qdrant builds its HNSW
/// index and int8 codes (indexing_threshold lowered to 10 KB, 3,000 points), so search is the approximate kind a real
/// deployment runs: re-scoring must give exact cosine scores; counts must be exact. Skipped when the variable is unset.
/// </summary>
[RequiresQdrantUrl]
public sealed class RealQdrantIndexedTests : IAsyncLifetime
{
    private const int Points = 3000;
    private readonly string _collection = $"faces_indexed_{Guid.NewGuid():N}";
    private readonly QdrantClient _client = new(RequiresQdrantUrlAttribute.Url!, Environment.GetEnvironmentVariable("QDRANT_API_KEY"), TimeSpan.FromSeconds(60));

    private QdrantIndexOptions Options => new()
    {
        Endpoint = RequiresQdrantUrlAttribute.Url!,
        ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY"),
        Collection = _collection,
        ScalarQuantization = true,
        CallTimeout = TimeSpan.FromSeconds(60),
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (RequiresQdrantUrlAttribute.Url is not null && await _client.CollectionExistsAsync(_collection)) await _client.DeleteCollectionAsync(_collection);
        _client.Dispose();
    }

    [ContractFact]
    public async Task On_an_indexed_quantised_collection_scores_are_exact_and_counts_exact()
    {
        // Made like the adapter makes it, with a 10 KB indexing threshold so that Qdrant indexes 3,000 points at once.
#pragma warning disable CS0612 // always_ram: see QdrantFaceIndex
        await _client.CreateCollectionAsync(_collection, new VectorParams { Size = TestFaces.Dimension, Distance = Distance.Cosine },
            metadata: new Dictionary<string, Value> { ["facevector_model_id"] = TestFaces.Model, ["facevector_index_id"] = Guid.NewGuid().ToString("N") },
            optimizersConfig: new OptimizersConfigDiff { IndexingThreshold = 10 },
            quantizationConfig: new QuantizationConfig { Scalar = new ScalarQuantization { Type = QuantizationType.Int8, AlwaysRam = true } });
#pragma warning restore CS0612
        var warnings = new List<string>();
        await using var index = new QdrantFaceIndex(Options with { Warn = warnings.Add });
        await index.EnsureCollectionAsync(TestFaces.Spec(quantization: true));
        Assert.Empty(warnings);
        var faces = TestFaces.Many(Points);
        await index.UpsertAsync(faces);

        var deadline = DateTime.UtcNow.AddMinutes(3);
        global::Qdrant.Client.Grpc.CollectionInfo info;
        do
        {
            await Task.Delay(500);
            info = await _client.GetCollectionInfoAsync(_collection);
        } while ((info.IndexedVectorsCount < Points / 2 || info.Status != CollectionStatus.Green) && DateTime.UtcNow < deadline);
        Assert.True(info.IndexedVectorsCount >= Points / 2, $"Qdrant indexed only {info.IndexedVectorsCount} of {Points} vectors within 3 minutes.");

        Assert.Equal(Points, (await index.GetCollectionAsync())!.Faces);
        foreach (var seed in new[] { 3, 77, 1234 })
        {
            var query = TestFaces.Near(faces[seed % Points].Vector!, 0.5f, seed);
            var exact = faces.Select(f => (f.Id, Score: TensorPrimitives.CosineSimilarity(query, f.Vector!))).OrderByDescending(h => h.Score).Take(10).ToList();
            var hits = await index.SearchAsync(new FaceQuery(query, TestFaces.Model, 10));
            Assert.Equal(exact[0].Id, hits[0].Id);
            Assert.All(hits, h => Assert.Equal(TensorPrimitives.CosineSimilarity(query, faces.Single(f => f.Id == h.Id).Vector!), h.Score, 1e-4f));
            var above = await index.SearchAsync(new FaceQuery(query, TestFaces.Model, 100, (exact[0].Score + exact[1].Score) / 2));
            Assert.Equal([exact[0].Id], above.Select(h => h.Id));
        }
        await index.DeleteAsync([.. faces.Take(100).Select(f => f.Id)]);
        Assert.Equal(Points - 100, (await index.GetCollectionAsync())!.Faces);
    }

    [ContractFact]
    public async Task A_dead_first_endpoint_fails_over_to_the_real_server()
    {
        await using var index = new QdrantFaceIndex(Options with { Endpoints = [QdrantDouble.QdrantDoubleServer.DeadAddress(), RequiresQdrantUrlAttribute.Url!] });
        await index.EnsureCollectionAsync(TestFaces.Spec());
        await index.UpsertAsync(TestFaces.Many(5));
        Assert.Equal(5, await index.CountAsync());
    }
}
