using FaceVector.Application.Errors;
using FaceVector.Application.Search;
using FaceVector.Grpc.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FaceVector.Client;

/// <summary>
/// <see cref="IProbeEmbedder"/> over the embedding service. Every call has a deadline (the configured timeout; a
/// caller's cancellation ends it sooner), so a dead embedder turns into UNAVAILABLE quickly instead of a hung search.
/// The service's own errors come back typed (<see cref="GrpcErrors.ToException"/>).
/// </summary>
public sealed class GrpcProbeEmbedder(FaceEmbedding.FaceEmbeddingClient client, IOptions<EmbeddingClientOptions> options) : IProbeEmbedder
{
    public async Task<Core.Pipeline.ImageFaces> EmbedAsync(ReadOnlyMemory<byte> image, string name, CancellationToken cancellationToken)
    {
        var call = new CallOptions(deadline: DateTime.UtcNow + Timeout, cancellationToken: cancellationToken);
        try
        {
            // The caller keeps the bytes alive and unchanged for the call: no copy.
            Grpc.V1.ImageFaces reply = await client.EmbedAnySizeAsync(UnsafeByteOperations.UnsafeWrap(image), name, call, options.Value.StreamAboveBytes).ConfigureAwait(false);
            return ProtoMapping.ToImageFaces(reply);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded && !cancellationToken.IsCancellationRequested)
        {
            throw FaceVectorException.Unavailable($"embedding service unavailable: no answer within {Timeout.TotalSeconds:0.#} s", ex);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            throw GrpcErrors.ToException(ex, "embedding service");
        }
    }

    public async Task<EmbedderModel> GetModelAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            ModelInfo info = await client.GetModelInfoAsync(new ModelInfoRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            return ProtoMapping.ToEmbedderModel(info);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw FaceVectorException.Unavailable($"embedding service unavailable: {ex.Status.Detail}", ex);
        }
    }

    private TimeSpan Timeout => TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
}
