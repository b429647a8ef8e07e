using Google.Protobuf;
using Grpc.Core;

namespace FaceVector.Services;

/// <summary>
/// Server side of the chunked uploads (EmbedStream, SearchStream): a header message, then bytes chunks, assembled up
/// to a size limit that is checked before reading (declared size) and while reading.
/// </summary>
public static class ChunkedUpload
{
    public static async Task<(THeader Header, byte[] Bytes)> ReadAsync<TChunk, THeader>(
        IAsyncStreamReader<TChunk> stream,
        Func<TChunk, THeader?> header,
        Func<TChunk, ByteString?> data,
        Func<THeader, long> declaredBytes,
        long limit,
        CancellationToken cancellationToken)
        where THeader : class
    {
        if (!await stream.MoveNext(cancellationToken) || header(stream.Current) is not { } first)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message of the stream must be the header (metadata or request)"));
        }

        long declared = declaredBytes(first);
        CheckSize(declared, limit);
        using var buffer = new MemoryStream(declared is > 0 and <= int.MaxValue ? (int)declared : 0);
        while (await stream.MoveNext(cancellationToken))
        {
            ByteString chunk = data(stream.Current)
                ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "only the first message of the stream may be a header"));
            CheckSize(buffer.Length + chunk.Length, limit);
            chunk.WriteTo(buffer);
        }

        return (first, buffer.ToArray());
    }

    private static void CheckSize(long bytes, long limit)
    {
        if (bytes > limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"image is over the limit of {limit} bytes"));
        }
    }
}
