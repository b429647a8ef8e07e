namespace FaceVector.Index.Qdrant;

/// <summary>How to reach a Qdrant server or cluster and how to lay out a new collection there.</summary>
public sealed record QdrantIndexOptions
{
    /// <summary>gRPC endpoint (port 6334). An <c>https://</c> address turns TLS on. Used when <see cref="Endpoints"/> is empty.</summary>
    public Uri Endpoint { get; init; } = new("http://localhost:6334");

    /// <summary>
    /// Every node's gRPC endpoint, tried in turn: a call that fails with a retryable answer moves on to the next one,
    /// so losing one node of a replicated cluster stops nothing. One <c>dns:///name:6334</c> entry instead balances
    /// round-robin over every address the name resolves to. Empty: <see cref="Endpoint"/> alone.
    /// </summary>
    public IReadOnlyList<Uri> Endpoints { get; init; } = [];

    public string? ApiKey { get; init; }
    public string Collection { get; init; } = FaceIndexOptions.DefaultCollection;

    /// <summary>Deadline of every call; the client sets none by default, so a stuck server would hang the caller.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a payload index may take to build. Building one on a large collection can take minutes, longer than
    /// <see cref="CallTimeout"/>; the index is requested without waiting and polled until it shows, up to this long.
    /// </summary>
    public TimeSpan IndexBuildTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Largest answer accepted, in bytes. Grpc.Net.Client's default (4 MB) is below a page of a few thousand faces with
    /// vectors; the adapter also splits id lookups so that no answer needs more than this.
    /// </summary>
    public int MaxReceiveMessageBytes { get; init; } = 64 << 20;

    // Sent explicitly on create: the client's defaults (1, 1, 1) give a cluster one unreplicated shard.
    public uint ShardNumber { get; init; } = 1;
    public uint ReplicationFactor { get; init; } = 1;
    public uint WriteConsistencyFactor { get; init; } = 1;

    public ulong HnswM { get; init; } = 16;
    public ulong HnswEfConstruct { get; init; } = 100;
    /// <summary>Search-time HNSW beam width; null leaves Qdrant's default.</summary>
    public ulong? HnswEf { get; init; }
    public bool OnDiskVectors { get; init; }
    /// <summary>
    /// Int8 scalar quantisation kept in RAM; also turned on by <see cref="CollectionSpec.Quantization"/>. Searches of a
    /// quantised collection always ask Qdrant to re-score with the original vectors (Qdrant does not by default).
    /// </summary>
    public bool ScalarQuantization { get; init; }

    /// <summary>Candidates fetched per result from the int8 codes before exact re-scoring (Qdrant's <c>oversampling</c>).</summary>
    public double Oversampling { get; init; } = 2.0;

    /// <summary>Points per upsert request.</summary>
    public int UpsertBatchSize { get; init; } = 256;

    /// <summary>
    /// Retries after a retryable answer (see <see cref="QdrantErrors.IsRetryable"/>) or an unconfirmed write; each retry
    /// goes to the next endpoint. Writes are idempotent (deterministic ids), so a retry never duplicates.
    /// </summary>
    public int MaxRetries { get; init; } = 5;
    /// <summary>Wait before the first retry; doubled for each further one, up to <see cref="MaxRetryBackoff"/>.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxRetryBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the collection's model, size and quantisation are trusted before being read again. The collection name
    /// may be an alias (model migration) that is switched to a collection of another model: every instance follows
    /// within this time. Stop writers of the old model before a switch (docs/migration.md).
    /// </summary>
    public TimeSpan CollectionInfoLifetime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where notes about an existing collection that differs from these options go (shards, replicas, quantisation).</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>The endpoints in use: <see cref="Endpoints"/>, or <see cref="Endpoint"/> alone.</summary>
    public IReadOnlyList<Uri> EffectiveEndpoints => Endpoints.Count > 0 ? Endpoints : [Endpoint];

    /// <summary>
    /// One rule for every place that takes Qdrant addresses as text (CLI <c>--qdrant</c>, the services' QdrantUrl):
    /// a comma-separated list of <c>http(s)://host:6334</c> addresses, or one <c>dns:///name:6334</c>.
    /// </summary>
    public static IReadOnlyList<Uri> ParseEndpoints(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var uris = new List<Uri>();
        foreach (var part in parts)
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "dns"))
                throw new ArgumentException($"Qdrant address '{part}' is not an http://, https:// or dns:/// address (e.g. http://qdrant:6334).", nameof(text));
            uris.Add(uri);
        }
        if (uris.Any(u => u.Scheme == "dns") && uris.Count > 1)
            throw new ArgumentException($"A dns:/// Qdrant address balances over every node the name resolves to and cannot be combined with others: '{text}'.", nameof(text));
        return uris;
    }
}
