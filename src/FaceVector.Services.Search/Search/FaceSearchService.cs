using System.Diagnostics;
using FaceVector.Application.Errors;
using FaceVector.Application.Search;
using FaceVector.Application.Stats;
using FaceVector.Client;
using FaceVector.Grpc.V1;
using FaceVector.Services.Configuration;
using FaceVector.Services.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ProbeFaceSelection = FaceVector.Grpc.V1.ProbeFaceSelection;
using SearchParameters = FaceVector.Application.Search.SearchParameters;

namespace FaceVector.Services.Search;

/// <summary>
/// The <c>facevector.v1.FaceSearch</c> gRPC service: a thin adapter that maps messages to <see cref="FaceSearcher"/>
/// calls and back. Every rule (face choice, threshold, top-N, validation) lives in the searcher.
/// </summary>
public sealed class FaceSearchService(FaceSearcher searcher, IOptions<ServerOptions> server, FaceDeletion deletion, UploadLimiter uploads) : FaceSearch.FaceSearchBase
{
    public override async Task<SearchReply> Search(SearchRequest request, ServerCallContext context)
    {
        using Activity? activity = FaceVectorMetrics.ActivitySource.StartActivity("facevector.search");
        Probe probe = request.ProbeCase switch
        {
            SearchRequest.ProbeOneofCase.Image => new ImageProbe(request.Image.Memory, request.Name),
            SearchRequest.ProbeOneofCase.Embedding => new VectorProbe(request.Embedding.Values, request.Embedding.ModelId),
            _ => throw FaceVectorException.InvalidArgument("probe", "give the probe as image bytes or as an embedding"),
        };
        SearchResult result = await searcher.SearchAsync(probe, Parameters(request.TopK, request.HasScoreThreshold ? request.ScoreThreshold : null,
            request.FaceSelection, request.HasFaceIndex ? request.FaceIndex : null, request.Filter), cancellationToken: context.CancellationToken);
        return ProtoMapping.ToProto(result);
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
        if (!Guid.TryParse(request.PointId, out Guid id))
        {
            throw FaceVectorException.InvalidArgument("point_id", $"{FaceVectorException.Quote(request.PointId)} is not a UUID");
        }

        SearchResult result = await searcher.SearchAsync(new StoredFaceProbe(id), Parameters(request.TopK,
            request.HasScoreThreshold ? request.ScoreThreshold : null, ProbeFaceSelection.Largest, null, request.Filter), cancellationToken: context.CancellationToken);
        return ProtoMapping.ToProto(result);
    }

    public override async Task<DeleteImagesReply> DeleteImages(DeleteImagesRequest request, ServerCallContext context) =>
        // The erasure rule of every route: rows overwritten, WAL emptied, the journal forgets photos without a face.
        new() { Deleted = (await deletion.DeleteAsync(ProtoMapping.ToFaceFilter(request.Filter), "filter", context.CancellationToken)).Faces };

    public override async Task<StatsReply> GetStats(StatsRequest request, ServerCallContext context)
    {
        IndexStats stats = await IndexStatistics.ReadAsync(searcher.Index, context.CancellationToken);
        return new StatsReply { Faces = stats.Faces, Images = stats.Images, ModelId = stats.ModelId ?? string.Empty, Collection = stats.Collection };
    }

    private static SearchParameters Parameters(int topK, float? threshold, ProbeFaceSelection selection, int? faceIndex, PayloadFilter? filter) => new(
        topK, threshold,
        selection switch
        {
            ProbeFaceSelection.Largest => Application.Search.ProbeFaceSelection.Largest,
            ProbeFaceSelection.All => Application.Search.ProbeFaceSelection.All,
            _ => throw FaceVectorException.InvalidArgument("face_selection", $"unknown value {(int)selection}: use LARGEST or ALL"),
        },
        faceIndex, ProtoMapping.ToFaceFilter(filter));
}
