using Google.Protobuf;
using Grpc.Core;

namespace FaceVector.Grpc.V1;

/// <summary>Client side of the chunked upload: images over the message size limit still get through.</summary>
public static class ImageUpload
{
    public const int DefaultChunkBytes = 64 << 10;

    /// <summary>EmbedStream: metadata first, then the bytes in chunks.</summary>
    public static async Task<ImageFaces> EmbedChunkedAsync(this FaceEmbedding.FaceEmbeddingClient client, ByteString image, string name, CallOptions call, int chunkBytes = DefaultChunkBytes)
    {
        using AsyncClientStreamingCall<ImageChunk, ImageFaces> stream = client.EmbedStream(call);
        await stream.RequestStream.WriteAsync(new ImageChunk { Metadata = new ImageMetadata { Name = name, TotalBytes = image.Length, Embed = true } }).ConfigureAwait(false);
        for (int offset = 0; offset < image.Length; offset += chunkBytes)
        {
            ByteString chunk = ByteString.CopyFrom(image.Span.Slice(offset, Math.Min(chunkBytes, image.Length - offset)));
            await stream.RequestStream.WriteAsync(new ImageChunk { Data = chunk }).ConfigureAwait(false);
        }

        await stream.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await stream.ResponseAsync.ConfigureAwait(false);
    }
}
