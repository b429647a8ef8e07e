using FaceVector.Services.Configuration;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FaceVector.Services;

/// <summary>
/// Server side of the chunked uploads (EmbedStream, SearchStream): a header message, then bytes chunks, assembled up
/// to a size limit that is checked before reading (declared size) and while reading. Every upload is bounded in time
/// (an idle timeout between messages and a total deadline) and all uploads together in number and in the bytes
/// they hold (<see cref="UploadLimiter"/>), so streams that stall or never end cannot pile up memory.
/// </summary>
public static class ChunkedUpload
{
    public static async Task<(THeader Header, byte[] Bytes)> ReadAsync<TChunk, THeader>(
        IAsyncStreamReader<TChunk> stream,
        Func<TChunk, THeader?> header,
        Func<TChunk, ByteString?> data,
        Func<THeader, long> declaredBytes,
        long limit,
        UploadLimiter limiter,
        CancellationToken cancellationToken)
        where THeader : class
    {
        using UploadLimiter.Slot slot = limiter.Enter();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limiter.Deadline);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        try
        {
            if (!await NextAsync(stream, idle, limiter.IdleTimeout) || header(stream.Current) is not { } first)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message of the stream must be the header (metadata or request)"));
            }

            long declared = declaredBytes(first);
            CheckSize(declared, limit);
            if (declared > 0)
            {
                slot.Hold(declared);
            }

            using var buffer = new MemoryStream(declared is > 0 and <= int.MaxValue ? (int)declared : 0);
            while (await NextAsync(stream, idle, limiter.IdleTimeout))
            {
                ByteString chunk = data(stream.Current)
                    ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "only the first message of the stream may be a header"));
                CheckSize(buffer.Length + chunk.Length, limit);
                slot.Hold(buffer.Length + chunk.Length);
                chunk.WriteTo(buffer);
            }

            return (first, buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw deadline.IsCancellationRequested
                ? new RpcException(new Status(StatusCode.DeadlineExceeded, $"upload took longer than {limiter.Deadline.TotalSeconds:0.#} s"))
                : new RpcException(new Status(StatusCode.DeadlineExceeded, $"upload stalled: no message for {limiter.IdleTimeout.TotalSeconds:0.#} s"));
        }
    }

    /// <summary>The next message, or an idle-timeout cancellation if none comes in time.</summary>
    private static async Task<bool> NextAsync<TChunk>(IAsyncStreamReader<TChunk> stream, CancellationTokenSource idle, TimeSpan idleTimeout)
    {
        idle.CancelAfter(idleTimeout);
        bool more = await stream.MoveNext(idle.Token);
        idle.CancelAfter(Timeout.InfiniteTimeSpan);
        return more;
    }

    private static void CheckSize(long bytes, long limit)
    {
        if (bytes > limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"image is over the limit of {limit} bytes"));
        }
    }
}

/// <summary>
/// Process-wide bounds on chunked uploads: how many may be open at once and how many bytes they may hold together.
/// Beyond either, an upload is refused at once with RESOURCE_EXHAUSTED (waiting would hold its memory anyway).
/// </summary>
public sealed class UploadLimiter(IOptions<ServerOptions> options)
{
    private readonly Lock _lock = new();
    private int _open;
    private long _held;

    public TimeSpan IdleTimeout { get; } = TimeSpan.FromSeconds(options.Value.UploadIdleTimeoutSeconds);

    public TimeSpan Deadline { get; } = TimeSpan.FromSeconds(options.Value.UploadDeadlineSeconds);

    public int MaxOpen { get; } = options.Value.MaxConcurrentUploads;

    public long MaxHeldBytes { get; } = options.Value.MaxUploadBufferBytes;

    /// <summary>Uploads open now.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>Bytes held by open uploads now.</summary>
    public long HeldBytes
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    public Slot Enter()
    {
        lock (_lock)
        {
            if (_open >= MaxOpen)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"too many uploads in progress ({MaxOpen}): retry later"));
            }

            _open++;
        }

        return new Slot(this);
    }

    /// <summary>One open upload and the bytes it holds.</summary>
    public sealed class Slot(UploadLimiter limiter) : IDisposable
    {
        private long _bytes;
        private bool _disposed;

        /// <summary>Raises what this upload holds to <paramref name="bytes"/>, or refuses if all uploads would hold too much.</summary>
        public void Hold(long bytes)
        {
            lock (limiter._lock)
            {
                if (bytes <= _bytes)
                {
                    return;
                }

                if (limiter._held - _bytes + bytes > limiter.MaxHeldBytes)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted,
                        $"uploads in progress hold too much memory (limit {limiter.MaxHeldBytes >> 20} MiB): retry later"));
                }

                limiter._held += bytes - _bytes;
                _bytes = bytes;
            }
        }

        public void Dispose()
        {
            lock (limiter._lock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                limiter._held -= _bytes;
                limiter._open--;
            }
        }
    }
}
