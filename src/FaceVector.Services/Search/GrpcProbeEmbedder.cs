using FaceVector.Grpc.V1;
using FaceVector.Services.Configuration;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ImageFacesReply = FaceVector.Grpc.V1.ImageFaces;

namespace FaceVector.Services.Search;

/// <summary>
/// Calls the embedding service. Every call has a deadline: the configured timeout, or the caller's remaining deadline
/// when that is sooner, so a dead embedder turns into UNAVAILABLE quickly instead of a hung search.
/// </summary>
public sealed class GrpcProbeEmbedder(FaceEmbedding.FaceEmbeddingClient client, IOptions<EmbeddingClientOptions> options) : IProbeEmbedder
{
    public async Task<ImageFacesReply> EmbedAsync(ByteString image, string name, ServerCallContext context)
    {
        DateTime ownDeadline = DateTime.UtcNow + Timeout;
        DateTime deadline = context.Deadline < ownDeadline ? context.Deadline : ownDeadline;
        var call = new CallOptions(deadline: deadline, cancellationToken: context.CancellationToken);
        try
        {
            return await client.EmbedAnySizeAsync(image, name, call, options.Value.StreamAboveBytes);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded && deadline == ownDeadline)
        {
            throw Unavailable($"no answer within {Timeout.TotalSeconds:0.#} s", ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            throw Unavailable(ex.Status.Detail, ex);
        }
    }

    public async Task<ModelInfo> GetModelInfoAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetModelInfoAsync(new ModelInfoRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw Unavailable(ex.Status.Detail, ex);
        }
    }

    private TimeSpan Timeout => TimeSpan.FromSeconds(options.Value.TimeoutSeconds);

    private static RpcException Unavailable(string detail, RpcException inner) =>
        new(new Status(StatusCode.Unavailable, $"embedding service unavailable: {detail}", inner));
}
