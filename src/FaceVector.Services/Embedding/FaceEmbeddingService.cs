using ImageFacesReply = FaceVector.Grpc.V1.ImageFaces;
using FaceVector.Grpc.V1;
using FaceVector.Services.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Embedding;

/// <summary>The <c>facevector.v1.FaceEmbedding</c> gRPC service.</summary>
public sealed class FaceEmbeddingService(EmbeddingEngine engine, IOptions<ServerOptions> options) : FaceEmbedding.FaceEmbeddingBase
{
    public override Task<ImageFacesReply> Detect(ImageRequest request, ServerCallContext context) =>
        engine.AnalyzeAsync(request.Image.ToByteArray(), request.Name, embed: false, context.CancellationToken);

    public override Task<ImageFacesReply> Embed(ImageRequest request, ServerCallContext context) =>
        engine.AnalyzeAsync(request.Image.ToByteArray(), request.Name, embed: true, context.CancellationToken);

    public override async Task<ImageFacesReply> EmbedStream(IAsyncStreamReader<ImageChunk> requestStream, ServerCallContext context)
    {
        CancellationToken ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.PartCase != ImageChunk.PartOneofCase.Metadata)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message of EmbedStream must carry metadata"));
        }

        ImageMetadata metadata = requestStream.Current.Metadata;
        long limit = options.Value.MaxStreamedImageBytes;
        CheckSize(metadata.TotalBytes, limit);
        using var buffer = new MemoryStream(metadata.TotalBytes > 0 ? (int)metadata.TotalBytes : 0);
        while (await requestStream.MoveNext(ct))
        {
            if (requestStream.Current.PartCase != ImageChunk.PartOneofCase.Data)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "only the first message of EmbedStream may carry metadata"));
            }

            CheckSize(buffer.Length + requestStream.Current.Data.Length, limit);
            requestStream.Current.Data.WriteTo(buffer);
        }

        return await engine.AnalyzeAsync(buffer.ToArray(), metadata.Name, metadata.Embed, ct);
    }

    public override Task<ModelInfo> GetModelInfo(ModelInfoRequest request, ServerCallContext context) =>
        Task.FromResult(engine.GetModelInfo());

    private static void CheckSize(long bytes, long limit)
    {
        if (bytes > limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"image is over the limit of {limit} bytes"));
        }
    }
}
