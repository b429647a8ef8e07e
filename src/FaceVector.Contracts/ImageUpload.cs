using Google.Protobuf;
using Grpc.Core;

namespace FaceVector.Grpc.V1;

/// <summary>Client side of the chunked uploads: images over the message size limit still get through.</summary>
public static class ImageUpload
{
    public const int DefaultChunkBytes = 64 << 10;

    /// <summary>EmbedStream: metadata first, then the bytes in chunks.</summary>
    public static Task<ImageFaces> EmbedChunkedAsync(this FaceEmbedding.FaceEmbeddingClient client, ByteString image, string name, CallOptions call, int chunkBytes = DefaultChunkBytes) =>
        SendAsync(client.EmbedStream(call), new ImageChunk { Metadata = new ImageMetadata { Name = name, TotalBytes = image.Length, Embed = true } },
            image, data => new ImageChunk { Data = data }, chunkBytes);

    /// <summary>Embed in one message, or EmbedStream when the image is larger than <paramref name="streamAboveBytes"/>.</summary>
    public static async Task<ImageFaces> EmbedAnySizeAsync(this FaceEmbedding.FaceEmbeddingClient client, ByteString image, string name, CallOptions call, int streamAboveBytes) =>
        image.Length > streamAboveBytes
            ? await client.EmbedChunkedAsync(image, name, call).ConfigureAwait(false)
            : await client.EmbedAsync(new ImageRequest { Image = image, Name = name }, call).ConfigureAwait(false);

    /// <summary>SearchStream: the request (its image left empty) first, then the probe image in chunks.</summary>
    public static Task<SearchReply> SearchChunkedAsync(this FaceSearch.FaceSearchClient client, SearchRequest request, ByteString image, CallOptions call, int chunkBytes = DefaultChunkBytes)
    {
        SearchRequest header = request.Clone();
        header.ClearProbe();
        return SendAsync(client.SearchStream(call), new SearchChunk { Request = header }, image, data => new SearchChunk { Data = data }, chunkBytes);
    }

    private static async Task<TReply> SendAsync<TChunk, TReply>(AsyncClientStreamingCall<TChunk, TReply> call, TChunk first, ByteString image, Func<ByteString, TChunk> chunk, int chunkBytes)
    {
        using (call)
        {
            await call.RequestStream.WriteAsync(first).ConfigureAwait(false);
            for (int offset = 0; offset < image.Length; offset += chunkBytes)
            {
                await call.RequestStream.WriteAsync(chunk(ByteString.CopyFrom(image.Span.Slice(offset, Math.Min(chunkBytes, image.Length - offset))))).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
    }
}
