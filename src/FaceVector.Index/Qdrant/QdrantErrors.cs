using System.Globalization;
using Grpc.Core;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Qdrant;

/// <summary>
/// Which of Qdrant's answers are worth retrying, read from Qdrant's own source (v1.19, lib/storage
/// content_manager/conversions.rs and lib/collection shards/replica_set): the node or shard is away
/// (UNAVAILABLE: "Shard temporarily unavailable"), a timeout (DEADLINE_EXCEEDED), rate limiting
/// (RESOURCE_EXHAUSTED, with retry-after), ABORTED, a replica set switching replicas (INTERNAL "Service internal
/// error: ... has no active replica" or "... Please retry.", FAILED_PRECONDITION "Pre-condition failure: ..."). Not
/// retried: a full disk (RESOURCE_EXHAUSTED marked qdrant-insufficient-storage), a write lock ("Storage locked"),
/// and an answer larger than the client's receive limit, which would fail the same way every time.
/// </summary>
public static class QdrantErrors
{
    /// <summary>Trailer Qdrant adds to RESOURCE_EXHAUSTED when the node is out of disk or memory quota (not rate limiting).</summary>
    public const string InsufficientStorageKey = "qdrant-insufficient-storage";

    public static bool IsRetryable(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var detail = error.Status.Detail ?? "";
        return error.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted => true,
            StatusCode.ResourceExhausted => !IsMessageTooLarge(error) && error.Trailers.Get(InsufficientStorageKey) is null,
            StatusCode.Internal => detail.Contains("no active replica", StringComparison.OrdinalIgnoreCase)
                || detail.Contains("Please retry", StringComparison.OrdinalIgnoreCase),
            StatusCode.FailedPrecondition => detail.StartsWith("Pre-condition failure", StringComparison.Ordinal)
                || detail.StartsWith("Precondition failed", StringComparison.Ordinal),
            _ => false,
        };
    }

    /// <summary>
    /// Grpc.Net.Client's own RESOURCE_EXHAUSTED when a message is over the receive (or send) limit: "Received message
    /// exceeds the maximum configured message size." Retrying gets the same answer again.
    /// </summary>
    public static bool IsMessageTooLarge(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.StatusCode == StatusCode.ResourceExhausted
            && (error.Status.Detail ?? "").Contains("maximum configured message size", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The server's retry-after hint (seconds) on a rate-limited call, if any.</summary>
    public static TimeSpan? RetryAfter(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Trailers.GetValue("retry-after") is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }
}

/// <summary>
/// Qdrant took a write but did not confirm it was applied (<see cref="UpdateStatus.Acknowledged"/>,
/// <see cref="UpdateStatus.WaitTimeout"/>, ...) although the adapter waited for it. A timeout: retrying the idempotent
/// write is safe, and the ingest pipeline treats it as transient.
/// </summary>
public sealed class QdrantWriteNotConfirmedException(string collection, string operation, UpdateStatus status, int attempts)
    : TimeoutException($"Qdrant did not confirm {operation} in collection '{collection}' (status {status}, {attempts} attempt(s)): only Completed means the write is applied and searchable. The cluster may be overloaded or switching replicas; the write is safe to repeat.")
{
    public string Collection { get; } = collection;
    public string Operation { get; } = operation;
    public UpdateStatus Status { get; } = status;
    public int Attempts { get; } = attempts;
}

/// <summary>An answer from Qdrant was larger than <see cref="QdrantIndexOptions.MaxReceiveMessageBytes"/>.</summary>
public sealed class QdrantAnswerTooLargeException(string collection, int limitBytes, RpcException inner)
    : InvalidOperationException($"An answer from Qdrant for collection '{collection}' is larger than the receive limit of {limitBytes:N0} bytes; raise MaxReceiveMessageBytes or ask for fewer points (smaller pages or limits). Not retried: it would fail the same way.", inner);

/// <summary>An existing collection whose layout FaceVector cannot use (named vectors, another distance).</summary>
public sealed class CollectionLayoutException(string message) : InvalidOperationException(message);
