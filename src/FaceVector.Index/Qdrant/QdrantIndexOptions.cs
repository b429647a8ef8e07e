namespace FaceVector.Index.Qdrant;

/// <summary>How to reach a Qdrant server or cluster and how to lay out a new collection there.</summary>
public sealed record QdrantIndexOptions
{
    /// <summary>gRPC endpoint (port 6334). An <c>https://</c> address turns TLS on.</summary>
    public Uri Endpoint { get; init; } = new("http://localhost:6334");
    public string? ApiKey { get; init; }
    public string Collection { get; init; } = FaceIndexOptions.DefaultCollection;

    /// <summary>Deadline of every call; the client sets none by default, so a stuck server would hang the caller.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    // Sent explicitly on create: the client's defaults (1, 1, 1) give a cluster one unreplicated shard.
    public uint ShardNumber { get; init; } = 1;
    public uint ReplicationFactor { get; init; } = 1;
    public uint WriteConsistencyFactor { get; init; } = 1;

    public ulong HnswM { get; init; } = 16;
    public ulong HnswEfConstruct { get; init; } = 100;
    /// <summary>Search-time HNSW beam width; null leaves Qdrant's default.</summary>
    public ulong? HnswEf { get; init; }
    public bool OnDiskVectors { get; init; }
    /// <summary>Int8 scalar quantisation kept in RAM (with rescoring); also turned on by <see cref="CollectionSpec.Quantization"/>.</summary>
    public bool ScalarQuantization { get; init; }

    /// <summary>Points per upsert request.</summary>
    public int UpsertBatchSize { get; init; } = 256;

    /// <summary>Retries after a transient failure (Unavailable, DeadlineExceeded, ResourceExhausted, Aborted).</summary>
    public int MaxRetries { get; init; } = 3;
    /// <summary>Wait before the first retry; doubled for each further one.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
}
