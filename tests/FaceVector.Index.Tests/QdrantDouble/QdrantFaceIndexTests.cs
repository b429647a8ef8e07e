using FaceVector.Index.Qdrant;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Tests.QdrantDouble;

/// <summary>What only the Qdrant adapter promises: collection layout, deadlines on every call, retries of transient failures.</summary>
public sealed class QdrantFaceIndexTests(QdrantDoubleServer server) : IClassFixture<QdrantDoubleServer>
{
    private QdrantIndexOptions Options(int maxRetries = 3) => new()
    {
        Collection = $"faces_{Guid.NewGuid():N}",
        CallTimeout = TimeSpan.FromSeconds(7),
        ShardNumber = 3,
        ReplicationFactor = 2,
        WriteConsistencyFactor = 2,
        MaxRetries = maxRetries,
        RetryBackoff = TimeSpan.FromMilliseconds(1),
    };

    [Fact]
    public async Task Ensure_lays_out_the_collection_and_every_call_has_a_deadline()
    {
        var calls = new FaultInjector(failFirst: 0);
        var options = Options();
        await using (var index = new QdrantFaceIndex(server.CreateClient(calls), options))
        {
            await index.EnsureCollectionAsync(TestFaces.Spec());
            await index.UpsertAsync(TestFaces.Many(3));
            await index.SearchAsync(new FaceQuery(TestFaces.Vector(1), TestFaces.Model));
            await index.ListAsync(2);
        }
        Assert.All(calls.Deadlines, d => Assert.InRange(d!.Value, DateTime.UtcNow.AddSeconds(-60), DateTime.UtcNow.AddSeconds(8)));

        using var client = new QdrantClient(server.CreateClient());
        var info = await client.GetCollectionInfoAsync(options.Collection);
        Assert.Equal((3u, 2u, 2u), (info.Config.Params.ShardNumber, info.Config.Params.ReplicationFactor, info.Config.Params.WriteConsistencyFactor));
        Assert.Equal(Distance.Cosine, info.Config.Params.VectorsConfig.Params.Distance);
        Assert.Equal(TestFaces.Model, info.Config.Metadata["facevector_model_id"].StringValue);
        Assert.Equal(["image_dirs", "image_hash", "image_path", "tags"], info.PayloadSchema.Keys.Order());
        Assert.All(info.PayloadSchema.Values, s => Assert.Equal(PayloadSchemaType.Keyword, s.DataType));
    }

    [Fact]
    public async Task Ensure_adds_payload_indexes_missing_from_an_existing_collection()
    {
        var options = Options();
        using var client = new QdrantClient(server.CreateClient());
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        await client.DeleteCollectionAsync(options.Collection);
        // As if a crash struck between creating the collection and its indexes:
        await client.CreateCollectionAsync(options.Collection, new VectorParams { Size = TestFaces.Dimension, Distance = Distance.Cosine },
            metadata: new Dictionary<string, Value> { ["facevector_model_id"] = TestFaces.Model });
        await index.EnsureCollectionAsync(TestFaces.Spec());
        Assert.Equal(4, (await client.GetCollectionInfoAsync(options.Collection)).PayloadSchema.Count);
    }

    [Fact]
    public async Task Transient_failures_are_retried_and_give_up_after_the_configured_count()
    {
        await using (var flaky = new QdrantFaceIndex(server.CreateClient(new FaultInjector(failFirst: 3)), Options(maxRetries: 3)))
        {
            Assert.Null(await flaky.GetCollectionAsync()); // three Unavailable answers, then the real one
        }
        await using var broken = new QdrantFaceIndex(server.CreateClient(new FaultInjector(failFirst: 4)), Options(maxRetries: 3));
        var error = await Assert.ThrowsAsync<RpcException>(() => broken.GetCollectionAsync());
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task The_double_answers_like_qdrant_for_errors_it_models_and_unimplemented_for_the_rest()
    {
        using var client = new QdrantClient(server.CreateClient());
        var missing = await Assert.ThrowsAsync<RpcException>(() => client.CountAsync("nope"));
        Assert.Equal((StatusCode.NotFound, "Not found: Collection `nope` doesn't exist!"), (missing.StatusCode, missing.Status.Detail));
        await client.CreateCollectionAsync("dim3", new VectorParams { Size = 3, Distance = Distance.Cosine });
        var exists = await Assert.ThrowsAsync<RpcException>(() => client.CreateCollectionAsync("dim3", new VectorParams { Size = 3, Distance = Distance.Cosine }));
        Assert.Equal(StatusCode.AlreadyExists, exists.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => client.UpsertAsync("dim3", [new PointStruct { Id = Guid.NewGuid(), Vectors = new[] { 1f, 2f } }]));
        Assert.Equal((StatusCode.InvalidArgument, "Wrong input: Vector dimension error: expected dim: 3, got 2"), (wrong.StatusCode, wrong.Status.Detail));
        var unmodelled = await Assert.ThrowsAsync<RpcException>(() => client.CreateSnapshotAsync("dim3"));
        Assert.Equal(StatusCode.Unimplemented, unmodelled.StatusCode);
        Assert.Contains("TEST DOUBLE", (await client.HealthAsync()).Title, StringComparison.Ordinal);
    }

    /// <summary>Records each call's deadline and fails the first calls with Unavailable, as an overloaded node would.</summary>
    private sealed class FaultInjector(int failFirst) : Interceptor
    {
        private int _calls;

        public List<DateTime?> Deadlines { get; } = [];

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            lock (Deadlines) Deadlines.Add(context.Options.Deadline);
            if (Interlocked.Increment(ref _calls) > failFirst) return continuation(request, context);
            var failure = new RpcException(new Status(StatusCode.Unavailable, "injected: node restarting"));
            return new AsyncUnaryCall<TResponse>(Task.FromException<TResponse>(failure), Task.FromResult(new Metadata()),
                () => failure.Status, () => [], () => { });
        }
    }
}
