using FaceVector.Grpc.V1;
using FaceVector.Services.Embedding;
using Google.Protobuf;
using Grpc.Core;
using ImageFacesReply = FaceVector.Grpc.V1.ImageFaces;

namespace FaceVector.Services.Search;

/// <summary>How the search service turns a probe image into embeddings: over gRPC, or in-process in <c>serve</c>.</summary>
public interface IProbeEmbedder
{
    /// <summary>Embeds the probe; errors come back as <see cref="RpcException"/> with the status the caller should see.</summary>
    Task<ImageFacesReply> EmbedAsync(ByteString image, string name, ServerCallContext context);

    Task<ModelInfo> GetModelInfoAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>The embedder of the same process: no network hop, no serialisation.</summary>
public sealed class InProcessProbeEmbedder(EmbeddingEngine engine) : IProbeEmbedder
{
    public Task<ImageFacesReply> EmbedAsync(ByteString image, string name, ServerCallContext context) =>
        engine.AnalyzeAsync(image.ToByteArray(), name, embed: true, context.CancellationToken);

    public Task<ModelInfo> GetModelInfoAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult(engine.GetModelInfo());
}
