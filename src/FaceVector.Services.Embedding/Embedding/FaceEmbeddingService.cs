using FaceVector.Client;
using FaceVector.Grpc.V1;
using FaceVector.Services.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Embedding;

/// <summary>The <c>facevector.v1.FaceEmbedding</c> gRPC service.</summary>
public sealed class FaceEmbeddingService(EmbeddingEngine engine, IOptions<ServerOptions> options, UploadLimiter uploads) : FaceEmbedding.FaceEmbeddingBase
{
    public override async Task<ImageFaces> Detect(ImageRequest request, ServerCallContext context) =>
        ToProto(await engine.AnalyzeAsync(request.Image.ToByteArray(), request.Name, embed: false, context.CancellationToken));

    public override async Task<ImageFaces> Embed(ImageRequest request, ServerCallContext context) =>
        ToProto(await engine.AnalyzeAsync(request.Image.ToByteArray(), request.Name, embed: true, context.CancellationToken));

    public override async Task<ImageFaces> EmbedStream(IAsyncStreamReader<ImageChunk> requestStream, ServerCallContext context)
    {
        (ImageMetadata metadata, byte[] image) = await ChunkedUpload.ReadAsync(requestStream,
            c => c.PartCase == ImageChunk.PartOneofCase.Metadata ? c.Metadata : null,
            c => c.PartCase == ImageChunk.PartOneofCase.Data ? c.Data : null,
            m => m.TotalBytes, options.Value.MaxStreamedImageBytes, uploads, context.CancellationToken);
        return ToProto(await engine.AnalyzeAsync(image, metadata.Name, metadata.Embed, context.CancellationToken));
    }

    public override Task<ModelInfo> GetModelInfo(ModelInfoRequest request, ServerCallContext context) =>
        Task.FromResult(ProtoMapping.ToProto(engine.GetModel()));

    private ImageFaces ToProto(Core.Pipeline.ImageFaces faces) => ProtoMapping.ToProto(faces, engine.GetModel().ModelId);
}
