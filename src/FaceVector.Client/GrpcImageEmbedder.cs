using FaceVector.Core.Imaging;
using FaceVector.Core.Pipeline;
using FaceVector.Grpc.V1;
using FaceVector.Ingestion;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using CoreImageFaces = FaceVector.Core.Pipeline.ImageFaces;

namespace FaceVector.Client;

/// <summary>
/// <see cref="IImageEmbedder"/> over the embedding service (balanced over its replicas by the gRPC client). Images the
/// service refuses (INVALID_ARGUMENT) become <see cref="ImageLoadException"/>s, so the file is recorded as failed;
/// UNAVAILABLE, RESOURCE_EXHAUSTED and deadlines stay <see cref="RpcException"/>s, which the pipeline retries.
/// </summary>
public sealed class GrpcImageEmbedder(FaceEmbedding.FaceEmbeddingClient client, IOptions<EmbeddingClientOptions> options) : IImageEmbedder
{
    private ModelInfo? _model;

    public string ModelId => Model.ModelId;

    public int Dimension => Model.Dimension;

    private ModelInfo Model => _model ?? throw new InvalidOperationException("Call ConnectAsync first: the model is not known yet.");

    /// <summary>Asks the service which model it runs; retried by the caller until a replica answers.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _model = await client.GetModelInfoAsync(new ModelInfoRequest(), deadline: DateTime.UtcNow + Timeout, cancellationToken: cancellationToken);
    }

    public async Task<CoreImageFaces> EmbedAsync(byte[] image, string source, CancellationToken cancellationToken)
    {
        var call = new CallOptions(deadline: DateTime.UtcNow + Timeout, cancellationToken: cancellationToken);
        FaceVector.Grpc.V1.ImageFaces reply;
        try
        {
            reply = await client.EmbedAnySizeAsync(ByteString.CopyFrom(image), source, call, options.Value.StreamAboveBytes);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.OutOfRange)
        {
            throw new ImageLoadException(source, ImageLoadFailure.Corrupt, ex.Status.Detail.StartsWith(source + ": ", StringComparison.Ordinal) ? ex.Status.Detail[(source.Length + 2)..] : ex.Status.Detail, ex);
        }

        if (reply.ModelId != ModelId)
        {
            // A replica with other weights would poison the collection: stop rather than mix models.
            throw new InvalidOperationException($"Embedding replica answered with model {reply.ModelId}, expected {ModelId}: all replicas must run the same model.");
        }

        return ProtoMapping.ToImageFaces(reply, source);
    }

    private TimeSpan Timeout => TimeSpan.FromSeconds(Math.Max(options.Value.TimeoutSeconds, 30));
}
