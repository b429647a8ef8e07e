using Grpc.Core;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Tests.QdrantDouble;

/// <summary>
/// One answer the Qdrant TEST DOUBLE gives instead of the normal one: an error, or a write status other than
/// Completed. <paramref name="Method"/> limits it to one RPC (null: the next call of any method on the collection).
/// </summary>
public sealed record DoubleFault(string? Method, RpcException? Error, UpdateStatus Status = UpdateStatus.Completed)
{
    // The texts below are Qdrant's own (v1.19, lib/collection/src/shards/replica_set/update.rs and the
    // StorageError -> tonic::Status mapping in lib/storage/src/content_manager/conversions.rs).

    /// <summary>INTERNAL while a shard has no active replica (a node just went away, the replica set is switching).</summary>
    public static DoubleFault NoActiveReplica(string? method = null) => Failure(method, StatusCode.Internal,
        "Service internal error: The replica set for shard 1 on peer 4411 has no active replica");

    /// <summary>INTERNAL when a replica failed to apply a write and was not yet deactivated.</summary>
    public static DoubleFault PleaseRetry(string? method = null) => Failure(method, StatusCode.Internal,
        "Service internal error: Failed to apply operation to at least one `Active` replica. Consistency of this update is not guaranteed. Please retry. ");

    /// <summary>FAILED_PRECONDITION while a replica is partial or recovering.</summary>
    public static DoubleFault PreconditionDuringSwitch(string? method = null) => Failure(method, StatusCode.FailedPrecondition,
        "Pre-condition failure: Shard 1 is not in active state");

    /// <summary>UNAVAILABLE: a shard's peer cannot be reached.</summary>
    public static DoubleFault ShardUnavailable(string? method = null) => Failure(method, StatusCode.Unavailable,
        "Shard temporarily unavailable: peer 4411 is not reachable");

    /// <summary>FAILED_PRECONDITION for a write lock an operator set: not transient, must not be retried.</summary>
    public static DoubleFault StorageLocked(string? method = null) => Failure(method, StatusCode.FailedPrecondition,
        "Storage locked: write operations are forbidden");

    /// <summary>An INTERNAL error that is a bug or corruption, not a replica switch: must not be retried.</summary>
    public static DoubleFault InternalBug(string? method = null) => Failure(method, StatusCode.Internal,
        "Service internal error: segment file is corrupted");

    /// <summary>RESOURCE_EXHAUSTED for a full disk (marked with Qdrant's trailer): not retried.</summary>
    public static DoubleFault InsufficientStorage(string? method = null) =>
        new(method, new RpcException(new Status(StatusCode.ResourceExhausted, "Insufficient storage: disk is full"),
            new Metadata { { "qdrant-insufficient-storage", "1" } }));

    /// <summary>RESOURCE_EXHAUSTED for rate limiting, with Qdrant's retry-after header: retried.</summary>
    public static DoubleFault RateLimited(string? method = null) =>
        new(method, new RpcException(new Status(StatusCode.ResourceExhausted, "Rate limiting exceeded: Write rate limit exceeded"),
            new Metadata { { "retry-after", "0" } }));

    /// <summary>A write answered with a status other than Completed although the caller waited (the write itself is applied).</summary>
    public static DoubleFault Unconfirmed(UpdateStatus status, string? method = null) => new(method, null, status);

    private static DoubleFault Failure(string? method, StatusCode code, string detail) => new(method, new RpcException(new Status(code, detail)));
}
