using FaceVector.Application.Errors;
using FaceVector.Client;
using FaceVector.Grpc.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FaceVector.Services.Tests;

/// <summary>Search over real sockets: embedding host and search host, faces-dev indexed, real models.</summary>
[Collection(SearchStackCollection.Name)]
public sealed class SearchServiceTests(SearchStackFixture stack)
{
    private static SearchRequest Probe(string relative, int topK = 50) => new()
    {
        Image = ByteString.CopyFrom(File.ReadAllBytes(TestData.FacesDevFile(relative))),
        Name = relative,
        TopK = topK,
    };

    private static string Relative(string path) => Path.GetRelativePath(TestData.FacesDev, path);

    private async Task<IReadOnlyList<string>> MatchedFilesAsync(SearchRequest request)
    {
        SearchReply reply = await stack.SearchClient.SearchAsync(request, ServiceHost.KeyHeaders);
        return [.. reply.Faces.Single().Matches.Select(m => Relative(m.ImagePath)).Distinct().Order()];
    }

    [Fact]
    public async Task Obama_finds_every_obama_photo_and_both_group_photos_with_him()
    {
        IReadOnlyList<string> files = await MatchedFilesAsync(Probe("barack_obama/obama.jpg"));

        string[] expected =
        [
            "_groups/obama_and_biden.jpg", "_groups/two_people.jpg",
            "barack_obama/obama-480p.jpg", "barack_obama/obama.jpg", "barack_obama/obama1.jpg", "barack_obama/obama2.jpg", "barack_obama/obama3.jpg",
        ];
        Assert.Equal(expected, files);
    }

    [Fact]
    public async Task Calls_are_measured_by_the_FaceVector_meter()
    {
        using var meters = new MeterRecorder();

        await stack.SearchClient.SearchAsync(Probe("_groups/obama_and_biden.jpg"), ServiceHost.KeyHeaders);

        Assert.Equal(1, meters.Calls(stack.Search, "/facevector.v1.FaceSearch/Search"));
        MeterRecorder.Measurement duration = Assert.Single(meters.Of(stack.Search, "facevector.rpc.duration"));
        Assert.Equal("OK", duration.Tags["rpc.grpc.status_code"]);
        Assert.InRange(duration.Value, 0.001, 60);
        Assert.Contains(meters.Of(stack.Embedder, "facevector.faces_per_image"), m => m.Value >= 2);
        Assert.Contains(meters.Of(stack.Embedder, "facevector.inference.queue_depth"), m => m.Value >= 0);
    }

    [Fact]
    public async Task Kit_harington_finds_his_photos_and_the_photo_with_rose()
    {
        IReadOnlyList<string> files = await MatchedFilesAsync(Probe("kit_harington/john1.jpeg"));

        Assert.Equal(["_groups/kit_with_rose.jpg", "kit_harington/john1.jpeg", "kit_harington/john2.jpeg", "kit_harington/johnsnow_test1.jpg"], files);
    }

    [Fact]
    public async Task Bbt_crop_finds_only_that_character()
    {
        SearchReply reply = await stack.SearchClient.SearchAsync(Probe("sheldon/sheldon1.png"), ServiceHost.KeyHeaders);

        IReadOnlyList<Grpc.V1.FaceMatch> matches = reply.Faces.Single().Matches;
        Assert.Equal("sheldon/sheldon1.png", Relative(matches[0].ImagePath));
        Assert.True(matches[0].Score > 0.99f);
        Assert.True(matches.Count(m => m.Tags["folder"] == "sheldon") >= 3);
        Assert.All(matches, m => Assert.Contains(m.Tags["folder"], new[] { "sheldon", "_groups" }));
        Assert.True(matches.Zip(matches.Skip(1)).All(p => p.First.Score >= p.Second.Score), "best first");
        Assert.Equal(stack.Model.RecommendedThreshold, reply.ScoreThreshold);
    }

    [Fact]
    public async Task All_probe_faces_each_get_their_own_matches()
    {
        SearchRequest request = Probe("_groups/obama_and_biden.jpg");
        request.FaceSelection = ProbeFaceSelection.All;

        SearchReply reply = await stack.SearchClient.SearchAsync(request, ServiceHost.KeyHeaders);

        Assert.True(reply.Faces.Count >= 2);
        // Each identity's photos come back under a different probe face.
        int Face(string folder) => reply.Faces.Single(f => f.Matches.Any(m => m.Tags["folder"] == folder)).FaceIndex;
        Assert.NotEqual(Face("barack_obama"), Face("joe_biden"));
    }

    [Fact]
    public async Task Face_index_searches_with_that_probe_face_only_and_a_missing_one_is_not_found()
    {
        SearchRequest all = Probe("_groups/obama_and_biden.jpg");
        all.FaceSelection = ProbeFaceSelection.All;
        SearchReply every = await stack.SearchClient.SearchAsync(all, ServiceHost.KeyHeaders);
        ProbeFaceMatches biden = every.Faces.First(f => f.Matches.Any(m => m.Tags["folder"] == "joe_biden"));

        SearchRequest one = Probe("_groups/obama_and_biden.jpg");
        one.FaceIndex = biden.FaceIndex;
        SearchReply reply = await stack.SearchClient.SearchAsync(one, ServiceHost.KeyHeaders);
        Assert.Equal(biden.Matches.Select(m => m.PointId), reply.Faces.Single().Matches.Select(m => m.PointId));

        one.FaceIndex = 99;
        var ex = await Assert.ThrowsAsync<RpcException>(() => stack.SearchClient.SearchAsync(one, ServiceHost.KeyHeaders).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no face 99", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_threshold_and_top_k_apply()
    {
        SearchRequest request = Probe("barack_obama/obama.jpg", topK: 3);
        request.Filter = new PayloadFilter { ImagePathPrefix = TestData.FacesDevFile("_groups") };
        request.ScoreThreshold = 0.1f;

        SearchReply reply = await stack.SearchClient.SearchAsync(request, ServiceHost.KeyHeaders);

        IReadOnlyList<Grpc.V1.FaceMatch> matches = reply.Faces.Single().Matches;
        Assert.Equal(3, matches.Count);
        Assert.All(matches, m => Assert.StartsWith(TestData.FacesDevFile("_groups"), m.ImagePath, StringComparison.Ordinal));
        Assert.Equal(0.1f, reply.ScoreThreshold);
    }

    [Fact]
    public async Task Precomputed_embedding_searches_and_a_foreign_model_is_refused()
    {
        Grpc.V1.ImageFaces faces = await stack.EmbeddingClient.EmbedAsync(
            new ImageRequest { Image = Probe("kit_harington/john2.jpeg").Image }, ServiceHost.KeyHeaders);
        var embedding = new ProbeEmbedding { ModelId = faces.ModelId };
        embedding.Values.AddRange(faces.Faces[0].Embedding);

        SearchReply reply = await stack.SearchClient.SearchAsync(new SearchRequest { Embedding = embedding }, ServiceHost.KeyHeaders);
        Assert.Equal("kit_harington/john2.jpeg", Relative(reply.Faces.Single().Matches[0].ImagePath));

        embedding.ModelId = "w600k_r50@000000000000";
        var ex = await Assert.ThrowsAsync<RpcException>(() => stack.SearchClient.SearchAsync(new SearchRequest { Embedding = embedding }, ServiceHost.KeyHeaders).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
    }

    [Theory]
    [InlineData("threshold", "score_threshold")]
    [InlineData("nan", "score_threshold")]
    [InlineData("inf", "score_threshold")]
    [InlineData("-inf", "score_threshold")]
    [InlineData("top_k", "top_k")]
    [InlineData("face_selection", "face_selection")]
    [InlineData("face_index", "face_index")]
    [InlineData("model_id", "embedding.model_id")]
    [InlineData("dimension", "embedding.values")]
    public async Task Bad_requests_are_invalid_argument_naming_the_field(string wrong, string field)
    {
        SearchRequest request = Probe("barack_obama/obama.jpg");
        switch (wrong)
        {
            case "threshold": request.ScoreThreshold = 1.5f; break;
            case "nan": request.ScoreThreshold = float.NaN; break;
            case "inf": request.ScoreThreshold = float.PositiveInfinity; break;
            case "-inf": request.ScoreThreshold = float.NegativeInfinity; break;
            case "top_k": request.TopK = -1; break;
            case "face_selection": request.FaceSelection = (ProbeFaceSelection)7; break;
            case "face_index": request.FaceIndex = -2; break;
            case "model_id": request.Embedding = new ProbeEmbedding { Values = { new float[stack.Model.Dimension] } }; break;
            case "dimension": request.Embedding = new ProbeEmbedding { ModelId = stack.Model.ModelId, Values = { 1f, 2f } }; break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => stack.SearchClient.SearchAsync(request, ServiceHost.KeyHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        FaceVectorError error = GrpcErrors.ToError(ex); // google.rpc.Status: ErrorInfo + BadRequest field violation
        Assert.Equal((ErrorCode.InvalidArgument, field), (error.Code, error.Field));
        Assert.StartsWith(field, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_without_a_face_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => stack.SearchClient.SearchAsync(Probe("_noface/coins.png"), ServiceHost.KeyHeaders).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.StartsWith("no face", ex.Status.Detail, StringComparison.Ordinal);
        // The typed error travels in the rich details (google.rpc.Status ErrorInfo): no need to read the message.
        FaceVectorError error = GrpcErrors.ToError(ex);
        Assert.Equal((ErrorCode.NoFace, "NO_FACE", "image"), (error.Code, error.Reason, error.Field));
    }

    [Fact]
    public async Task Corrupt_probe_is_invalid_argument_naming_the_problem()
    {
        var request = new SearchRequest { Image = ByteString.CopyFrom(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5 }), Name = "broken.jpg" };

        var ex = await Assert.ThrowsAsync<RpcException>(() => stack.SearchClient.SearchAsync(request, ServiceHost.KeyHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("broken.jpg", ex.Status.Detail);
        Assert.Matches("corrupt image|not an image", ex.Status.Detail);

        // The services are still up.
        Assert.NotEmpty((await stack.SearchClient.SearchAsync(Probe("barack_obama/obama1.jpg"), ServiceHost.KeyHeaders)).Faces);
    }

    [Fact]
    public async Task Calls_without_the_right_key_are_unauthenticated()
    {
        async Task<StatusCode> Code(Func<Task> call)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(call);
            return ex.StatusCode;
        }

        Assert.Equal(StatusCode.Unauthenticated, await Code(() => stack.SearchClient.GetStatsAsync(new StatsRequest()).ResponseAsync));
        Assert.Equal(StatusCode.Unauthenticated, await Code(() => stack.SearchClient.GetStatsAsync(new StatsRequest(), new Metadata { { "x-api-key", "wrong" } }).ResponseAsync));
        Assert.Equal(StatusCode.Unauthenticated, await Code(() => stack.EmbeddingClient.GetModelInfoAsync(new ModelInfoRequest()).ResponseAsync));

        // Bearer works as well as x-api-key; health needs no key.
        ModelInfo info = await stack.EmbeddingClient.GetModelInfoAsync(new ModelInfoRequest(), new Metadata { { "authorization", $"Bearer {ServiceHost.ApiKey}" } });
        Assert.Equal(512, info.Dimension);
        await stack.Search.WaitServingAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Model_info_stats_and_search_by_face()
    {
        Assert.Equal(512, stack.Model.Dimension);
        Assert.False(string.IsNullOrEmpty(stack.Model.ExecutionProvider));
        Assert.InRange(stack.Model.RecommendedThreshold, 0.2f, 0.6f);

        StatsReply stats = await stack.SearchClient.GetStatsAsync(new StatsRequest(), ServiceHost.KeyHeaders);
        Assert.Equal(stack.Model.ModelId, stats.ModelId);
        Assert.True(stats.Faces > stats.Images && stats.Images >= 60, $"{stats.Faces} faces in {stats.Images} images");

        SearchReply obama = await stack.SearchClient.SearchAsync(Probe("barack_obama/obama2.jpg", topK: 1), ServiceHost.KeyHeaders);
        SearchReply byFace = await stack.SearchClient.SearchByFaceAsync(new SearchByFaceRequest { PointId = obama.Faces[0].Matches[0].PointId, TopK = 50 }, ServiceHost.KeyHeaders);
        Assert.Contains(byFace.Faces.Single().Matches, m => Relative(m.ImagePath) == "_groups/obama_and_biden.jpg");
    }

    [Fact]
    public async Task Delete_by_filter_returns_the_count_and_an_empty_filter_is_refused()
    {
        string copy = Path.Combine(Path.GetTempPath(), $"fv-delete-{Guid.NewGuid():N}", "obama.jpg");
        ModelInfo model = stack.Model;
        await SearchStackFixture.IngestAsync(stack.EmbeddingClient, stack.Index, model, []);
        Grpc.V1.ImageFaces faces = await stack.EmbeddingClient.EmbedAsync(new ImageRequest { Image = Probe("barack_obama/obama.jpg").Image }, ServiceHost.KeyHeaders);
        await stack.Index.UpsertAsync([new Index.FacePoint(Guid.NewGuid(), new Index.FacePayload
        {
            ImagePath = copy, ImageHash = "copy", FaceIndex = 0, Box = ProtoMapping.ToFaceBox(faces.Faces[0].Box), DetectionScore = 1,
            Keypoints = [.. faces.Faces[0].Keypoints], ModelId = model.ModelId, IngestedAt = DateTimeOffset.UtcNow,
        }, [.. faces.Faces[0].Embedding])]);

        DeleteImagesReply deleted = await stack.SearchClient.DeleteImagesAsync(
            new DeleteImagesRequest { Filter = new PayloadFilter { ImagePathPrefix = Path.GetDirectoryName(copy) } }, ServiceHost.AdminHeaders);

        Assert.Equal(1, deleted.Deleted);
        var ex = await Assert.ThrowsAsync<RpcException>(() => stack.SearchClient.DeleteImagesAsync(new DeleteImagesRequest(), ServiceHost.AdminHeaders).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task Large_image_streamed_in_chunks_embeds_like_a_single_message()
    {
        byte[] bytes = File.ReadAllBytes(TestData.FacesDevFile("_groups/obama_and_biden.jpg"));
        Grpc.V1.ImageFaces unary = await stack.EmbeddingClient.EmbedAsync(new ImageRequest { Image = ByteString.CopyFrom(bytes), Name = "a" }, ServiceHost.KeyHeaders);

        Grpc.V1.ImageFaces streamed = await stack.EmbeddingClient.EmbedChunkedAsync(ByteString.CopyFrom(bytes), "a", new CallOptions(ServiceHost.KeyHeaders), chunkBytes: 32 << 10);

        Assert.Equal(unary.Sha256, streamed.Sha256);
        Assert.Equal(unary.Faces.Count, streamed.Faces.Count);
        Assert.Equal(unary.Faces[0].Embedding, streamed.Faces[0].Embedding);
    }

    [Fact]
    public async Task Search_streamed_in_chunks_finds_what_a_single_message_finds()
    {
        SearchRequest request = Probe("kit_harington/john1.jpeg");
        SearchReply unary = await stack.SearchClient.SearchAsync(request, ServiceHost.KeyHeaders);

        SearchReply streamed = await stack.SearchClient.SearchChunkedAsync(request, request.Image, new CallOptions(ServiceHost.KeyHeaders), chunkBytes: 16 << 10);

        Assert.Equal(unary, streamed);
    }

    [Fact]
    public async Task Stream_over_the_size_limit_is_refused()
    {
        using AsyncClientStreamingCall<ImageChunk, Grpc.V1.ImageFaces> call = stack.EmbeddingClient.EmbedStream(ServiceHost.KeyHeaders);
        await call.RequestStream.WriteAsync(new ImageChunk { Metadata = new ImageMetadata { Name = "huge", TotalBytes = 1L << 40 } });

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }
}
