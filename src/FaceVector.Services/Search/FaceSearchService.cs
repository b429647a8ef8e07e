using System.Diagnostics;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using FaceVector.Services.Configuration;
using FaceVector.Services.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Search;

/// <summary>The <c>facevector.v1.FaceSearch</c> gRPC service: probe faces in, stored faces ranked by cosine similarity out.</summary>
public sealed class FaceSearchService(IFaceIndex index, IProbeEmbedder embedder, SearchModel searchModel, IOptions<SearchOptions> options, IOptions<ServerOptions> server,
    FaceDeletion deletion, UploadLimiter uploads)
    : FaceSearch.FaceSearchBase
{
    public const string NoFaceMessage = "no face in probe image";

    public override async Task<SearchReply> Search(SearchRequest request, ServerCallContext context)
    {
        CancellationToken ct = context.CancellationToken;
        using Activity? activity = FaceVectorMetrics.ActivitySource.StartActivity("facevector.search");
        ModelInfo model = await searchModel.GetAsync(ct);
        List<(ProbeFaceMatches Face, float[] Vector)> probes = request.ProbeCase switch
        {
            SearchRequest.ProbeOneofCase.Image => await EmbedProbeAsync(request, context),
            SearchRequest.ProbeOneofCase.Embedding => [(new ProbeFaceMatches(), ProbeVector(request.Embedding, model))],
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "give the probe as image bytes or as an embedding")),
        };
        string modelId = request.ProbeCase == SearchRequest.ProbeOneofCase.Embedding && request.Embedding.ModelId.Length > 0
            ? request.Embedding.ModelId
            : model.ModelId;
        return await SearchAsync(probes, modelId, request.TopK, request.HasScoreThreshold ? request.ScoreThreshold : null, request.Filter, model, ct);
    }

    public override async Task<SearchReply> SearchStream(IAsyncStreamReader<SearchChunk> requestStream, ServerCallContext context)
    {
        (SearchRequest request, byte[] image) = await ChunkedUpload.ReadAsync(requestStream,
            c => c.PartCase == SearchChunk.PartOneofCase.Request ? c.Request : null,
            c => c.PartCase == SearchChunk.PartOneofCase.Data ? c.Data : null,
            _ => 0, server.Value.MaxStreamedImageBytes, uploads, context.CancellationToken);
        request.Image = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(image); // the array is ours alone: no copy
        return await Search(request, context);
    }

    public override async Task<SearchReply> SearchByFace(SearchByFaceRequest request, ServerCallContext context)
    {
        CancellationToken ct = context.CancellationToken;
        if (!Guid.TryParse(request.PointId, out Guid id))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"point_id '{request.PointId}' is not a UUID"));
        }

        ModelInfo model = await searchModel.GetAsync(ct);
        FacePoint point = (await index.GetAsync([id], withVectors: true, ct)).FirstOrDefault()
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no face with id {id}"));
        var probe = new ProbeFaceMatches { Box = ProtoMapping.ToProto(point.Payload.Box), Score = point.Payload.DetectionScore, FaceIndex = point.Payload.FaceIndex };
        return await SearchAsync([(probe, point.Vector!)], point.Payload.ModelId, request.TopK,
            request.HasScoreThreshold ? request.ScoreThreshold : null, request.Filter, model, ct);
    }

    public override async Task<DeleteImagesReply> DeleteImages(DeleteImagesRequest request, ServerCallContext context)
    {
        FaceFilter filter = ProtoMapping.ToFaceFilter(request.Filter)
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "an empty filter would delete every face: give a path, prefix, hash or tags"));
        // The erasure rule of every route: rows overwritten, WAL emptied, the journal forgets photos without a face.
        return new DeleteImagesReply { Deleted = (await deletion.DeleteAsync(filter, context.CancellationToken)).Faces };
    }

    public override async Task<StatsReply> GetStats(StatsRequest request, ServerCallContext context)
    {
        CancellationToken ct = context.CancellationToken;
        CollectionInfo? collection = await index.GetCollectionAsync(ct);
        if (collection is null)
        {
            return new StatsReply { Collection = index.Collection };
        }

        FaceIndexTally tally = await index.TallyAsync(ct);
        return new StatsReply { Faces = collection.Faces, Images = tally.DistinctContents, ModelId = collection.ModelId, Collection = collection.Name };
    }

    private async Task<List<(ProbeFaceMatches, float[])>> EmbedProbeAsync(SearchRequest request, ServerCallContext context)
    {
        var faces = await embedder.EmbedAsync(request.Image, request.Name, context);
        if (faces.Faces.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, NoFaceMessage));
        }

        IEnumerable<DetectedFace> chosen = request.HasFaceIndex ? [ChosenFace(faces, request.FaceIndex)]
            : request.FaceSelection == ProbeFaceSelection.All ? faces.Faces
            : [faces.Faces.MaxBy(f => ProtoMapping.Area(f.Box))!];
        return [.. chosen.Select(f => (new ProbeFaceMatches { Box = f.Box, Score = f.Score, FaceIndex = f.Index }, f.Embedding.ToArray()))];
    }

    private static DetectedFace ChosenFace(Grpc.V1.ImageFaces faces, int index) =>
        faces.Faces.FirstOrDefault(f => f.Index == index)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"the probe image has no face {index} (it has {faces.Faces.Count}, numbered from 0)"));

    private static float[] ProbeVector(ProbeEmbedding embedding, ModelInfo model) =>
        embedding.Values.Count == model.Dimension
            ? [.. embedding.Values]
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"embedding has {embedding.Values.Count} values; model {model.ModelId} makes {model.Dimension}"));

    private async Task<SearchReply> SearchAsync(IReadOnlyList<(ProbeFaceMatches Face, float[] Vector)> probes, string modelId, int topK, float? threshold,
        PayloadFilter? filter, ModelInfo model, CancellationToken ct)
    {
        float minScore = threshold ?? model.RecommendedThreshold;
        int limit = topK <= 0 ? options.Value.DefaultTopK : Math.Min(topK, options.Value.MaxTopK);
        FaceFilter? faceFilter = ProtoMapping.ToFaceFilter(filter);
        var reply = new SearchReply { ModelId = modelId, ScoreThreshold = minScore };
        foreach ((ProbeFaceMatches face, float[] vector) in probes)
        {
            IReadOnlyList<Index.FaceMatch> matches = await index.SearchAsync(new FaceQuery(vector, modelId, limit, minScore, faceFilter), ct);
            face.Matches.AddRange(matches.Select(ProtoMapping.ToProto));
            reply.Faces.Add(face);
        }

        return reply;
    }
}
