using FaceVector.Application.Migration;
using FaceVector.Client;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Search.Migration;

/// <summary>
/// The migration's recognizer over gRPC: the embedding service at <see cref="MigrationSettings.EmbeddingAddress"/>
/// detects and embeds the whole photo (it has no call for given landmarks), and each stored face takes the vector of
/// the detection that matches its stored box (<see cref="FaceBoxMatch"/>); unmatched faces are reported as not found again.
/// </summary>
internal sealed class GrpcReembedder : IFaceReembedder, IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly GrpcImageEmbedder _embedder;

    private GrpcReembedder(GrpcChannel channel, GrpcImageEmbedder embedder)
    {
        _channel = channel;
        _embedder = embedder;
    }

    public string ModelId => _embedder.ModelId;

    public int Dimension => _embedder.Dimension;

    public static async Task<GrpcReembedder> ConnectAsync(Uri address, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            if (!string.IsNullOrEmpty(apiKey)) metadata.Add(EmbeddingClientRegistration.ApiKeyHeader, apiKey);
            return Task.CompletedTask;
        });
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(address.Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, credentials),
            UnsafeUseInsecureChannelCallCredentials = true,
            MaxReceiveMessageSize = 64 << 20,
        });
        var embedder = new GrpcImageEmbedder(new FaceEmbedding.FaceEmbeddingClient(channel), Options.Create(new EmbeddingClientOptions { TimeoutSeconds = timeout.TotalSeconds }));
        try
        {
            await embedder.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            channel.Dispose();
            throw;
        }

        return new GrpcReembedder(channel, embedder);
    }

    public async Task<IReadOnlyList<float[]?>> EmbedAsync(string path, byte[] bytes, IReadOnlyList<FacePayload> faces, CancellationToken cancellationToken)
    {
        var found = await _embedder.EmbedAsync(bytes, path, cancellationToken).ConfigureAwait(false);
        List<Core.Detection.BoundingBox> boxes = [.. found.Faces.Select(f => f.Box)];
        return [.. faces.Select(face => FaceBoxMatch.Find(face.Box, boxes) is var i && i >= 0 ? found.Faces[i].Embedding : null)];
    }

    public void Dispose() => _channel.Dispose();
}
