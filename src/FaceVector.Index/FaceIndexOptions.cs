using System.Globalization;
using FaceVector.Index.Embedded;
using FaceVector.Index.Qdrant;

namespace FaceVector.Index;

/// <summary>
/// The one store configuration: the embedded SQLite file or a Qdrant server, with every Qdrant setting. Servers bind
/// it from section <c>FaceVector:Index</c> (environment <c>FaceVector__Index__...</c>) and validate it at start-up;
/// the CLI's <c>--db</c>, <c>--qdrant</c>, <c>--api-key</c>, <c>--collection</c> and <c>--qdrant-timeout</c> set the same
/// properties and go through the same <see cref="Problems"/>. The Qdrant settings are flat (<c>Qdrant*</c>) so that one
/// environment variable names each.
/// </summary>
public sealed record FaceIndexOptions
{
    public const string Section = "FaceVector:Index";
    public const string DefaultCollection = "faces";
    public const string SqliteProvider = "sqlite";
    public const string QdrantProvider = "qdrant";

    /// <summary><c>sqlite</c> (embedded store, default) or <c>qdrant</c>.</summary>
    public string Provider { get; set; } = SqliteProvider;

    /// <summary>SQLite file (its folder is created); default <see cref="DefaultDbPath"/>.</summary>
    public string DbPath { get; set; } = DefaultDbPath();

    public string Collection { get; set; } = DefaultCollection;

    /// <summary>Qdrant gRPC endpoint (port 6334), e.g. <c>http://qdrant:6334</c>; <c>https://</c> turns TLS on.</summary>
    public Uri? QdrantUrl { get; set; }

    public string? QdrantApiKey { get; set; }

    /// <summary>Deadline of every Qdrant call.</summary>
    public double QdrantTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Further gRPC endpoints of the same cluster (every other node), tried in turn after <see cref="QdrantUrl"/>: a call
    /// that gets no answer or one of Qdrant's failover errors goes on to the next node.
    /// </summary>
    public List<Uri> QdrantFailoverUrls { get; set; } = [];

    /// <summary>Retries after a retryable Qdrant answer (see QdrantErrors) or an unconfirmed write, each on the next endpoint.</summary>
    public int QdrantMaxRetries { get; set; } = 5;

    /// <summary>How long building a payload index may take (polled, not one call); large collections need minutes.</summary>
    public double QdrantIndexBuildTimeoutSeconds { get; set; } = 600;

    /// <summary>Largest answer accepted from Qdrant, in bytes (the gRPC client's default is 4 MB).</summary>
    public int QdrantMaxReceiveMessageBytes { get; set; } = 64 << 20;

    /// <summary>Candidates per result scanned on the int8 codes before exact re-scoring, when the collection is quantised.</summary>
    public double QdrantOversampling { get; set; } = 2.0;

    /// <summary>Wait before the first retry, doubled for each further one.</summary>
    public double QdrantRetryBackoffMilliseconds { get; set; } = 200;

    /// <summary>Points per upsert request.</summary>
    public int QdrantUpsertBatchSize { get; set; } = 256;

    // Collection layout, used only when the collection is created (a cluster needs shards and replicas > 1).
    public uint QdrantShardNumber { get; set; } = 1;

    public uint QdrantReplicationFactor { get; set; } = 1;

    /// <summary>Replicas that must confirm a write before it succeeds (at most the replication factor).</summary>
    public uint QdrantWriteConsistencyFactor { get; set; } = 1;

    public ulong QdrantHnswM { get; set; } = 16;

    public ulong QdrantHnswEfConstruct { get; set; } = 100;

    /// <summary>Search-time HNSW beam width; unset: Qdrant's default.</summary>
    public ulong? QdrantHnswEf { get; set; }

    /// <summary>Int8 scalar quantisation in RAM (searches ask Qdrant to re-score): about a quarter of the float vectors' memory.</summary>
    public bool QdrantScalarQuantization { get; set; }

    /// <summary>Original float vectors on disk (memory-mapped); with quantisation only the int8 codes stay in RAM.</summary>
    public bool QdrantOnDiskVectors { get; set; }

    /// <summary>How long a Qdrant adapter trusts the collection's model before reading it again (an alias may be switched by a migration).</summary>
    public double QdrantCollectionInfoLifetimeSeconds { get; set; } = 5;

    public bool IsQdrant => string.Equals(Provider, QdrantProvider, StringComparison.OrdinalIgnoreCase);

    /// <summary>Per-user data folder: <c>$XDG_DATA_HOME/facevector</c>, else <c>~/.local/share/facevector</c>.</summary>
    public static string DefaultDataDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        string root = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "facevector");
    }

    /// <summary>The embedded store used when no <c>--db</c> or <c>--qdrant</c> (or <c>DbPath</c>) is given.</summary>
    public static string DefaultDbPath() => Path.Combine(DefaultDataDirectory(), "faces.db");

    /// <summary>
    /// What is wrong with these settings, each message naming the setting as <paramref name="name"/> spells it
    /// (a configuration key for servers, a flag for the CLI); empty when they are usable.
    /// </summary>
    public IReadOnlyList<string> Problems(Func<string, string> name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var problems = new List<string>();
        void Check(bool ok, string setting, string rule, object? value)
        {
            if (!ok)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name(setting)} {rule} (it is '{value}')"));
            }
        }

        Check(string.Equals(Provider, SqliteProvider, StringComparison.OrdinalIgnoreCase) || IsQdrant, nameof(Provider), $"must be '{SqliteProvider}' or '{QdrantProvider}'", Provider);
        Check(!string.IsNullOrWhiteSpace(Collection) && Collection.Length <= 255 && Collection.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'),
            nameof(Collection), "must be 1 to 255 letters, digits, '_', '-' or '.'", Collection);
        if (IsQdrant)
        {
            Check(QdrantUrl is { IsAbsoluteUri: true } u && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps || u.Scheme == "dns"), nameof(QdrantUrl),
                "must be an http://, https:// or dns:/// address", QdrantUrl);
            Check(QdrantFailoverUrls.All(f => f is { IsAbsoluteUri: true } && (f.Scheme == Uri.UriSchemeHttp || f.Scheme == Uri.UriSchemeHttps)), nameof(QdrantFailoverUrls),
                "must all be http:// or https:// addresses", string.Join(",", QdrantFailoverUrls));
            Check(QdrantFailoverUrls.Count == 0 || QdrantUrl?.Scheme != "dns", nameof(QdrantFailoverUrls),
                "cannot be combined with a dns:/// QdrantUrl (the name already balances over every node)", string.Join(",", QdrantFailoverUrls));
        }
        else
        {
            Check(!string.IsNullOrWhiteSpace(DbPath), nameof(DbPath), "must name a file", DbPath);
        }

        Check(QdrantTimeoutSeconds > 0 && double.IsFinite(QdrantTimeoutSeconds), nameof(QdrantTimeoutSeconds), "must be > 0", QdrantTimeoutSeconds);
        Check(QdrantMaxRetries >= 0, nameof(QdrantMaxRetries), "must be >= 0", QdrantMaxRetries);
        Check(QdrantRetryBackoffMilliseconds >= 0 && double.IsFinite(QdrantRetryBackoffMilliseconds), nameof(QdrantRetryBackoffMilliseconds), "must be >= 0", QdrantRetryBackoffMilliseconds);
        Check(QdrantUpsertBatchSize > 0, nameof(QdrantUpsertBatchSize), "must be > 0", QdrantUpsertBatchSize);
        Check(QdrantShardNumber > 0, nameof(QdrantShardNumber), "must be > 0", QdrantShardNumber);
        Check(QdrantReplicationFactor > 0, nameof(QdrantReplicationFactor), "must be > 0", QdrantReplicationFactor);
        Check(QdrantWriteConsistencyFactor > 0 && QdrantWriteConsistencyFactor <= QdrantReplicationFactor, nameof(QdrantWriteConsistencyFactor), "must be from 1 to QdrantReplicationFactor", QdrantWriteConsistencyFactor);
        Check(QdrantHnswM > 0, nameof(QdrantHnswM), "must be > 0", QdrantHnswM);
        Check(QdrantHnswEfConstruct > 0, nameof(QdrantHnswEfConstruct), "must be > 0", QdrantHnswEfConstruct);
        Check(QdrantHnswEf is null or > 0, nameof(QdrantHnswEf), "must be > 0 when set", QdrantHnswEf);
        Check(QdrantIndexBuildTimeoutSeconds > 0 && double.IsFinite(QdrantIndexBuildTimeoutSeconds), nameof(QdrantIndexBuildTimeoutSeconds), "must be > 0", QdrantIndexBuildTimeoutSeconds);
        Check(QdrantMaxReceiveMessageBytes >= 1 << 20, nameof(QdrantMaxReceiveMessageBytes), "must be at least 1 MB (1048576)", QdrantMaxReceiveMessageBytes);
        Check(QdrantOversampling >= 1 && double.IsFinite(QdrantOversampling), nameof(QdrantOversampling), "must be >= 1", QdrantOversampling);
        Check(QdrantCollectionInfoLifetimeSeconds >= 0 && double.IsFinite(QdrantCollectionInfoLifetimeSeconds), nameof(QdrantCollectionInfoLifetimeSeconds), "must be >= 0", QdrantCollectionInfoLifetimeSeconds);
        return problems;
    }

    /// <summary>The settings the Qdrant adapter takes.</summary>
    public QdrantIndexOptions ToQdrantOptions() => new()
    {
        Endpoint = QdrantUrl ?? new Uri("http://localhost:6334"),
        Endpoints = QdrantUrl is { } first ? [first, .. QdrantFailoverUrls] : [],
        IndexBuildTimeout = TimeSpan.FromSeconds(QdrantIndexBuildTimeoutSeconds),
        MaxReceiveMessageBytes = QdrantMaxReceiveMessageBytes,
        Oversampling = QdrantOversampling,
        ApiKey = QdrantApiKey,
        Collection = Collection,
        CallTimeout = TimeSpan.FromSeconds(QdrantTimeoutSeconds),
        MaxRetries = QdrantMaxRetries,
        RetryBackoff = TimeSpan.FromMilliseconds(QdrantRetryBackoffMilliseconds),
        UpsertBatchSize = QdrantUpsertBatchSize,
        ShardNumber = QdrantShardNumber,
        ReplicationFactor = QdrantReplicationFactor,
        WriteConsistencyFactor = QdrantWriteConsistencyFactor,
        HnswM = QdrantHnswM,
        HnswEfConstruct = QdrantHnswEfConstruct,
        HnswEf = QdrantHnswEf,
        ScalarQuantization = QdrantScalarQuantization,
        OnDiskVectors = QdrantOnDiskVectors,
        CollectionInfoLifetime = TimeSpan.FromSeconds(QdrantCollectionInfoLifetimeSeconds),
    };
}

/// <summary>Opens the store a <see cref="FaceIndexOptions"/> names.</summary>
public static class FaceIndexFactory
{
    public static IFaceIndex Open(FaceIndexOptions options, bool createIfMissing = true) => Open(options, warn: null, createIfMissing);

    /// <param name="options">The store settings.</param>
    /// <param name="warn">Where notes about an existing Qdrant collection laid out otherwise than configured go.</param>
    /// <param name="createIfMissing">False for callers that only read or delete: a missing store file (or its folder) is an error, never created.</param>
    public static IFaceIndex Open(FaceIndexOptions options, Action<string>? warn, bool createIfMissing = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems(setting => setting) is [var first, ..])
        {
            throw new ArgumentException($"Store settings: {first}", nameof(options));
        }

        if (options.IsQdrant)
        {
            return new QdrantFaceIndex(options.ToQdrantOptions() with { Warn = warn });
        }

        // The store creates its folder itself, and only when it may create the store.
        return new SqliteFaceIndex(new SqliteIndexOptions(options.DbPath, options.Collection) { CreateIfMissing = createIfMissing });
    }

    /// <summary>The collections and aliases of the store the options name (model migration); an embedded store must exist.</summary>
    public static Migration.ICollectionCatalog OpenCatalog(FaceIndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems(setting => setting) is [var first, ..])
        {
            throw new ArgumentException($"Store settings: {first}", nameof(options));
        }

        return options.IsQdrant ? new QdrantStoreCatalog(options.ToQdrantOptions()) : new SqliteStoreCatalog(options.DbPath);
    }
}
