using System.Numerics.Tensors;
using FaceVector.Index.Qdrant;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Tests.QdrantDouble;

/// <summary>
/// What the Qdrant adapter does when a deployment misbehaves, against the in-process Qdrant TEST DOUBLE (not Qdrant):
/// node loss, Qdrant's failover answers, unconfirmed writes, approximate counts and quantised scores, collections laid
/// out otherwise, answers over the receive limit.
/// </summary>
public sealed class QdrantResilienceTests(QdrantDoubleServer server) : IClassFixture<QdrantDoubleServer>
{
    private QdrantIndexOptions Options(int maxRetries = 3) => new()
    {
        Endpoint = server.Address,
        Collection = $"faces_{Guid.NewGuid():N}",
        CallTimeout = TimeSpan.FromSeconds(10),
        MaxRetries = maxRetries,
        RetryBackoff = TimeSpan.FromMilliseconds(1),
        // Queued faults count calls: a re-read of the collection's model on a slow machine must not take one.
        CollectionInfoLifetime = Timeout.InfiniteTimeSpan,
    };

    private QdrantTestDouble Double => server.Double;

    private int Calls(string collection, string requestType) =>
        Double.Received.Count(r => r.Collection == collection && r.Request.GetType().Name == requestType);

    [Fact]
    public async Task A_node_that_is_down_is_skipped_for_the_next_endpoint()
    {
        var options = Options() with { Endpoints = [QdrantDoubleServer.DeadAddress(), server.Address] };
        await using var index = new QdrantFaceIndex(options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        await index.UpsertAsync(TestFaces.Many(5));
        Assert.Equal(5, await index.CountAsync());
    }

    [Fact]
    public async Task One_dns_name_balances_over_the_addresses_it_resolves_to()
    {
        var options = Options() with { Endpoints = QdrantIndexOptions.ParseEndpoints($"dns:///localhost:{server.Address.Port}") };
        await using var index = new QdrantFaceIndex(options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        await index.UpsertAsync(TestFaces.Many(3));
        Assert.Equal(3, await index.CountAsync());
    }

    [Fact]
    public void Endpoint_lists_are_parsed_in_one_place_and_bad_ones_named()
    {
        Assert.Equal(["http://a:6334/", "https://b:6334/"], QdrantIndexOptions.ParseEndpoints(" http://a:6334 , https://b:6334 ").Select(u => u.ToString()));
        Assert.Contains("'ftp://x'", Assert.Throws<ArgumentException>(() => QdrantIndexOptions.ParseEndpoints("http://a:6334,ftp://x")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => QdrantIndexOptions.ParseEndpoints("dns:///q:6334,http://a:6334"));
        var store = new FaceIndexOptions { Provider = FaceIndexOptions.QdrantProvider, QdrantUrl = new Uri("http://n1:6334"), QdrantFailoverUrls = [new Uri("http://n2:6334")] };
        Assert.Equal(["http://n1:6334/", "http://n2:6334/"], store.ToQdrantOptions().EffectiveEndpoints.Select(u => u.ToString()));
        Assert.Contains((store with { QdrantUrl = new Uri("dns:///q:6334") }).Problems(s => s), p => p.Contains("QdrantFailoverUrls", StringComparison.Ordinal));
        Assert.Empty((store with { QdrantUrl = new Uri("dns:///q:6334"), QdrantFailoverUrls = [] }).Problems(s => s));
    }

    public static TheoryData<string> RetryableFaults() => [nameof(DoubleFault.NoActiveReplica), nameof(DoubleFault.PleaseRetry),
        nameof(DoubleFault.PreconditionDuringSwitch), nameof(DoubleFault.ShardUnavailable), nameof(DoubleFault.RateLimited)];

    private static DoubleFault Fault(string name, string? method) => name switch
    {
        nameof(DoubleFault.NoActiveReplica) => DoubleFault.NoActiveReplica(method),
        nameof(DoubleFault.PleaseRetry) => DoubleFault.PleaseRetry(method),
        nameof(DoubleFault.PreconditionDuringSwitch) => DoubleFault.PreconditionDuringSwitch(method),
        nameof(DoubleFault.ShardUnavailable) => DoubleFault.ShardUnavailable(method),
        nameof(DoubleFault.RateLimited) => DoubleFault.RateLimited(method),
        nameof(DoubleFault.StorageLocked) => DoubleFault.StorageLocked(method),
        nameof(DoubleFault.InternalBug) => DoubleFault.InternalBug(method),
        nameof(DoubleFault.InsufficientStorage) => DoubleFault.InsufficientStorage(method),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(RetryableFaults))]
    public async Task Qdrants_failover_answers_are_retried_and_the_write_lands(string fault)
    {
        var options = Options();
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        Double.Fail(options.Collection, Fault(fault, "Upsert"), Fault(fault, "Upsert"));
        await index.UpsertAsync(TestFaces.Many(4));
        Assert.Equal(0, Double.PendingFaults(options.Collection));
        Assert.Equal(3, Calls(options.Collection, nameof(UpsertPoints)));
        Assert.Equal(4, await index.CountAsync());
    }

    [Theory]
    [InlineData(nameof(DoubleFault.StorageLocked))]
    [InlineData(nameof(DoubleFault.InternalBug))]
    [InlineData(nameof(DoubleFault.InsufficientStorage))]
    public async Task Answers_that_would_fail_again_are_not_retried(string fault)
    {
        var options = Options();
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        Double.Fail(options.Collection, Fault(fault, "Upsert"));
        var error = await Assert.ThrowsAsync<RpcException>(() => index.UpsertAsync(TestFaces.Many(2)));
        Assert.False(QdrantErrors.IsRetryable(error));
        Assert.Equal(1, Calls(options.Collection, nameof(UpsertPoints)));
    }

    [Fact]
    public async Task Retries_on_several_endpoints_go_to_the_next_node()
    {
        var options = Options();
        using var first = new CountingInterceptor();
        using var second = new CountingInterceptor();
        await using var index = new QdrantFaceIndex([server.CreateClient(first), server.CreateClient(second)], options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        var before = (first.Calls, second.Calls);
        Double.Fail(options.Collection, DoubleFault.NoActiveReplica("Count"));
        Assert.Equal(0, await index.CountAsync());
        Assert.Equal((before.Item1 + 1, before.Item2 + 1), (first.Calls, second.Calls)); // failed on node 0, answered by node 1
        await index.CountAsync();
        Assert.Equal(before.Item2 + 2, second.Calls); // and stays there
    }

    [Theory]
    [InlineData(UpdateStatus.Acknowledged)]
    [InlineData(UpdateStatus.WaitTimeout)]
    public async Task A_write_Qdrant_does_not_confirm_is_repeated_until_it_is_Completed(UpdateStatus status)
    {
        var options = Options();
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        var faces = TestFaces.Many(3);
        Double.Fail(options.Collection, DoubleFault.Unconfirmed(status, "Upsert"));
        await index.UpsertAsync(faces);
        Assert.Equal(2, Calls(options.Collection, nameof(UpsertPoints)));

        Double.Fail(options.Collection, [.. Enumerable.Repeat(DoubleFault.Unconfirmed(status, "Delete"), 4)]);
        var error = await Assert.ThrowsAsync<QdrantWriteNotConfirmedException>(() => index.DeleteAsync([faces[0].Id]));
        Assert.Equal((status, 4), (error.Status, error.Attempts));
        Assert.Contains(status.ToString(), error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<TimeoutException>(error); // the ingest pipeline retries timeouts
    }

    [Fact]
    public async Task Reported_counts_are_exact_not_qdrants_approximate_points_count()
    {
        var options = Options();
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        var faces = TestFaces.Many(10);
        await index.UpsertAsync(faces);
        await index.DeleteAsync([faces[0].Id, faces[1].Id, faces[2].Id]);
        using var client = new QdrantClient(server.CreateClient());
        Assert.Equal(10ul, (await client.GetCollectionInfoAsync(options.Collection)).PointsCount); // approximate: deletions not yet vacuumed
        Assert.Equal(7, (await index.GetCollectionAsync())!.Faces);
        Assert.All(Double.Received.Where(r => r.Collection == options.Collection).Select(r => r.Request).OfType<CountPoints>(), c => Assert.True(c.Exact));
    }

    [Fact]
    public async Task A_collection_with_named_vectors_or_another_distance_is_refused_clearly()
    {
        using var client = new QdrantClient(server.CreateClient());
        var named = Options();
        await client.CreateCollectionAsync(named.Collection, new VectorParamsMap { Map = { ["face"] = new VectorParams { Size = TestFaces.Dimension, Distance = Distance.Cosine } } });
        await using (var index = new QdrantFaceIndex(server.CreateClient(), named))
        {
            var error = await Assert.ThrowsAsync<CollectionLayoutException>(() => index.EnsureCollectionAsync(TestFaces.Spec()));
            Assert.Contains("named vectors (face)", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<CollectionLayoutException>(() => index.GetCollectionAsync());
        }
        var euclid = Options();
        await client.CreateCollectionAsync(euclid.Collection, new VectorParams { Size = TestFaces.Dimension, Distance = Distance.Euclid });
        await using (var index = new QdrantFaceIndex(server.CreateClient(), euclid))
        {
            var error = await Assert.ThrowsAsync<CollectionLayoutException>(() => index.EnsureCollectionAsync(TestFaces.Spec()));
            Assert.Contains("Euclid", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_existing_collection_laid_out_otherwise_is_used_with_a_warning()
    {
        var options = Options();
        await using (var first = new QdrantFaceIndex(server.CreateClient(), options))
        {
            await first.EnsureCollectionAsync(TestFaces.Spec());
            Assert.Empty(first.LayoutWarnings);
        }
        var warnings = new List<string>();
        await using var second = new QdrantFaceIndex(server.CreateClient(), options with { ShardNumber = 3, ReplicationFactor = 2, ScalarQuantization = true, Warn = warnings.Add });
        await second.EnsureCollectionAsync(TestFaces.Spec());
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("shard_number 1, the options say 3", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("replication_factor 1, the options say 2", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("scalar quantisation off, the options say on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Quantised_search_is_re_scored_so_scores_and_threshold_are_exact()
    {
        var options = Options();
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        await index.EnsureCollectionAsync(TestFaces.Spec(quantization: true));
        var faces = TestFaces.Many(60);
        await index.UpsertAsync(faces);
        Double.MarkIndexed(options.Collection);
        var query = TestFaces.Near(faces[9].Vector!, 0.6f, seed: 3);
        var exact = faces.Select(f => (f.Id, Score: Cosine(query, f.Vector!))).OrderByDescending(h => h.Score).ToList();

        // Without rescoring (Qdrant's behaviour unless asked) the double's scores are int8 approximations:
        using var client = new QdrantClient(server.CreateClient());
        var raw = await client.QueryAsync(options.Collection, query, limit: 10);
        Assert.Contains(raw, h => MathF.Abs(h.Score - exact.Single(e => e.Id == Guid.Parse(h.Id.Uuid)).Score) > 1e-5f);

        var hits = await index.SearchAsync(new FaceQuery(query, TestFaces.Model, 10));
        Assert.Equal(exact.Take(10).Select(e => e.Id), hits.Select(h => h.Id));
        Assert.All(hits, h => Assert.Equal(exact.Single(e => e.Id == h.Id).Score, h.Score, 1e-5f));
        var thresholded = await index.SearchAsync(new FaceQuery(query, TestFaces.Model, 60, (exact[3].Score + exact[4].Score) / 2));
        Assert.Equal(exact.Take(4).Select(e => e.Id), thresholded.Select(h => h.Id)); // the threshold applies to exact scores
        var sent = Double.Received.Where(r => r.Collection == options.Collection).Select(r => r.Request).OfType<QueryPoints>().Last();
        Assert.True(sent.Params.Quantization.Rescore);
        Assert.Equal(options.Oversampling, sent.Params.Quantization.Oversampling);
    }

    [Fact]
    public async Task Payload_indexes_are_requested_without_waiting_and_polled_until_they_show()
    {
        var options = Options();
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        var requests = Double.Received.Where(r => r.Collection == options.Collection).Select(r => r.Request).OfType<CreateFieldIndexCollection>().ToList();
        Assert.Equal(4, requests.Count);
        Assert.All(requests, r => Assert.False(r.Wait)); // answered Acknowledged by the double, as by Qdrant
        using var client = new QdrantClient(server.CreateClient());
        Assert.Equal(4, (await client.GetCollectionInfoAsync(options.Collection)).PayloadSchema.Count);
    }

    [Fact]
    public async Task Answers_over_4_MB_arrive_and_one_over_the_limit_is_refused_once_without_retries()
    {
        var options = Options();
        await using (var index = new QdrantFaceIndex(options))
        {
            await index.EnsureCollectionAsync(TestFaces.Spec());
            await index.UpsertAsync(TestFaces.Many(2500)); // ~2.6 KB a face with its vector: one page of all is ~6.5 MB
            Assert.Equal(2500, (await index.ListAsync(2500, withVectors: true)).Points.Count);
        }
        await using var small = new QdrantFaceIndex(options with { MaxReceiveMessageBytes = 256 << 10 });
        var scrolls = Calls(options.Collection, nameof(ScrollPoints));
        var error = await Assert.ThrowsAsync<QdrantAnswerTooLargeException>(() => small.ListAsync(2500, withVectors: true));
        Assert.Contains("MaxReceiveMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(scrolls + 1, Calls(options.Collection, nameof(ScrollPoints)));
    }

    [Fact]
    public async Task A_collection_made_before_index_ids_gets_one_on_ensure()
    {
        var options = Options();
        using var client = new QdrantClient(server.CreateClient());
        await client.CreateCollectionAsync(options.Collection, new VectorParams { Size = TestFaces.Dimension, Distance = Distance.Cosine },
            metadata: new Dictionary<string, Value> { ["facevector_model_id"] = TestFaces.Model });
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        Assert.Null((await index.GetCollectionAsync())!.IndexId);
        var id = (await index.EnsureCollectionAsync(TestFaces.Spec())).IndexId;
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal(id, (await client.GetCollectionInfoAsync(options.Collection)).Config.Metadata["facevector_index_id"].StringValue);
    }

    [Fact]
    public async Task The_double_refuses_options_it_does_not_model()
    {
        var options = Options();
        await using var index = new QdrantFaceIndex(server.CreateClient(), options);
        await index.EnsureCollectionAsync(TestFaces.Spec());
        using var client = new QdrantClient(server.CreateClient());
        async Task Unimplemented(Func<Task> call) => Assert.Equal(StatusCode.Unimplemented, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);
        await Unimplemented(() => client.CountAsync(options.Collection, exact: false));
        await Unimplemented(() => client.CountAsync(options.Collection, readConsistency: new ReadConsistency { Type = ReadConsistencyType.Majority }));
        await Unimplemented(() => client.QueryAsync(options.Collection, TestFaces.Vector(1), searchParams: new SearchParams { IndexedOnly = true }));
        await Unimplemented(() => client.QueryAsync(options.Collection, TestFaces.Vector(1), usingVector: "face"));
        await Unimplemented(() => client.QueryAsync(options.Collection, TestFaces.Vector(1), readConsistency: new ReadConsistency { Type = ReadConsistencyType.All }));
        await Unimplemented(() => client.UpsertAsync(options.Collection, [QdrantPayload.ToPoint(TestFaces.Face(1, "/a.jpg"))], ordering: WriteOrderingType.Strong));
        await Unimplemented(() => client.CreateCollectionAsync($"x{Guid.NewGuid():N}", new VectorParams { Size = 3, Distance = Distance.Cosine },
            quantizationConfig: new QuantizationConfig { Binary = new BinaryQuantization() }));
        await Unimplemented(() => client.UpdateCollectionAsync(options.Collection, hnswConfig: new HnswConfigDiff { M = 4 }));
    }

    private static float Cosine(float[] a, float[] b) => TensorPrimitives.CosineSimilarity(a, b);

    /// <summary>Counts the calls that pass through one channel (one "node").</summary>
    private sealed class CountingInterceptor : Interceptor, IDisposable
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            Interlocked.Increment(ref _calls);
            return continuation(request, context);
        }

        public void Dispose() { }
    }
}
