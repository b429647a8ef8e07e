using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Index;
using FaceVector.Index.Qdrant;

namespace FaceVector.Services.Configuration;

/// <summary>
/// Settings of a FaceVector gRPC server, bound from configuration section <c>FaceVector:Server</c>
/// (environment: <c>FaceVector__Server__...</c>). docs/services.md lists every setting.
/// </summary>
public sealed class ServerOptions
{
    public const string Section = "FaceVector:Server";

    /// <summary>
    /// The search key: when a key is set, every call except health must carry one (x-api-key or authorization:
    /// Bearer), and this one may only read. Also FACEVECTOR_API_KEY, or a file (ApiKeyFile, FACEVECTOR_API_KEY_FILE).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>File holding the search key (a docker secret, e.g. /run/secrets/facevector_api_key).</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>The admin key: may also delete faces. Also FACEVECTOR_ADMIN_KEY, or a file (AdminKeyFile, FACEVECTOR_ADMIN_KEY_FILE).</summary>
    public string? AdminKey { get; set; }

    /// <summary>File holding the admin key.</summary>
    public string? AdminKeyFile { get; set; }

    /// <summary>
    /// Without any key a server listening beyond loopback refuses to start; true says anonymous access is wanted
    /// there (e.g. behind an authenticating proxy).
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Largest gRPC message accepted, in bytes: bounds a unary image upload.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 16 << 20;

    /// <summary>Largest image assembled from an EmbedStream upload, in bytes.</summary>
    public long MaxStreamedImageBytes { get; set; } = 64L << 20;

    /// <summary>An upload stream with no message for this long is ended (DEADLINE_EXCEEDED).</summary>
    public double UploadIdleTimeoutSeconds { get; set; } = 30;

    /// <summary>An upload stream still open after this long is ended (DEADLINE_EXCEEDED).</summary>
    public double UploadDeadlineSeconds { get; set; } = 120;

    /// <summary>Upload streams open at once; more are refused (RESOURCE_EXHAUSTED).</summary>
    public int MaxConcurrentUploads { get; set; } = 16;

    /// <summary>Bytes all open upload streams may hold together; beyond it uploads are refused (RESOURCE_EXHAUSTED).</summary>
    public long MaxUploadBufferBytes { get; set; } = 256L << 20;
}

/// <summary>Which models the embedding service loads and how (section <c>FaceVector:Models</c>).</summary>
public sealed class ModelsOptions
{
    public const string Section = "FaceVector:Models";

    /// <summary>Model directory; unset: FACEVECTOR_MODELS, else the per-user cache.</summary>
    public string? Directory { get; set; }

    public string? Detector { get; set; }

    public string? Recognizer { get; set; }

    public float MinFaceSize { get; set; }

    /// <summary>Images with more pixels are refused before decoding.</summary>
    public long MaxPixels { get; set; } = 50_000_000;

    public int IntraOpThreads { get; set; } = 1;

    /// <summary>ONNX Runtime execution provider: cpu or cuda.</summary>
    public string Provider { get; set; } = "cpu";

    public FaceAnalyzerOptions ToAnalyzerOptions(long maxFileBytes) => new()
    {
        Models = ModelDirectory.Resolve(Directory),
        Detector = Detector,
        Recognizer = Recognizer,
        MinFaceSize = MinFaceSize,
        Loader = new ImageLoaderOptions(MaxPixels, maxFileBytes),
        Runtime = new OnnxRuntimeOptions(IntraOpThreads, Provider),
    };
}

/// <summary>Bounds on model runs (section <c>FaceVector:Inference</c>).</summary>
public sealed class InferenceOptions
{
    public const string Section = "FaceVector:Inference";

    /// <summary>Images analysed at once; 0: one per core.</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>Calls allowed to wait for a slot; beyond that RESOURCE_EXHAUSTED at once. Unset: twice the concurrency.</summary>
    public int? MaxQueue { get; set; }

    public int EffectiveConcurrency => MaxConcurrency > 0 ? MaxConcurrency : Environment.ProcessorCount;

    public int EffectiveQueue => Math.Max(0, MaxQueue ?? (2 * EffectiveConcurrency));
}

/// <summary>How the search service reaches the embedding service (section <c>FaceVector:Embedding</c>).</summary>
public sealed class EmbeddingClientOptions
{
    public const string Section = "FaceVector:Embedding";

    /// <summary>
    /// Embedding service addresses, balanced round-robin: <c>http://host:port</c> entries, or one <c>dns:///host:port</c>
    /// entry (every address the name resolves to). Unused by <c>facevector serve</c>, which calls its own embedder in-process.
    /// </summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>Key sent to the embedding service; unset: this server's own key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Deadline of each embedding call (shortened to the caller's remaining deadline).</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>Attempts per call when an embedder answers UNAVAILABLE (gRPC retry policy), 1 = no retry.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Longest wait between reconnection attempts to an embedder that went away.</summary>
    public double MaxReconnectBackoffSeconds { get; set; } = 2;

    /// <summary>How often a <c>dns:///</c> address is resolved again, so that added or removed replicas are noticed.</summary>
    public double DnsRefreshSeconds { get; set; } = 30;

    /// <summary>Probe images larger than this go to the embedder as an EmbedStream upload instead of one message.</summary>
    public int StreamAboveBytes { get; set; } = 4 << 20;
}

/// <summary>The face index the search service reads (section <c>FaceVector:Index</c>).</summary>
public sealed class IndexOptions
{
    public const string Section = "FaceVector:Index";

    /// <summary><c>sqlite</c> (embedded store, default) or <c>qdrant</c>.</summary>
    public string Provider { get; set; } = FaceIndexOptions.SqliteProvider;

    /// <summary>SQLite file; unset: the per-user data directory (see <see cref="DefaultDbPath"/>).</summary>
    public string? DbPath { get; set; }

    public string? QdrantUrl { get; set; }

    public string? QdrantApiKey { get; set; }

    public string Collection { get; set; } = FaceIndexOptions.DefaultCollection;

    // Qdrant collection layout, used only when the collection is created (a cluster needs shards and replicas > 1).
    public uint QdrantShardNumber { get; set; } = 1;

    public uint QdrantReplicationFactor { get; set; } = 1;

    /// <summary>Replicas that must confirm a write before it succeeds (at most the replication factor).</summary>
    public uint QdrantWriteConsistencyFactor { get; set; } = 1;

    /// <summary>Int8 scalar quantisation in RAM (with rescoring): about a quarter of the float vectors' memory.</summary>
    public bool QdrantScalarQuantization { get; set; }

    /// <summary>Original float vectors on disk (memory-mapped); with quantisation only the int8 codes stay in RAM.</summary>
    public bool QdrantOnDiskVectors { get; set; }

    /// <summary><c>$XDG_DATA_HOME/facevector/faces.db</c>, else <c>~/.local/share/facevector/faces.db</c>.</summary>
    public static string DefaultDbPath()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        string root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "facevector", "faces.db");
    }

    public FaceIndexOptions ToFaceIndexOptions()
    {
        string dbPath = string.IsNullOrWhiteSpace(DbPath) ? DefaultDbPath() : DbPath;
        if (string.Equals(Provider, FaceIndexOptions.SqliteProvider, StringComparison.OrdinalIgnoreCase))
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(dbPath))!);
        }

        return new FaceIndexOptions
        {
            Provider = Provider,
            DbPath = dbPath,
            QdrantUrl = string.IsNullOrWhiteSpace(QdrantUrl) ? null : new Uri(QdrantUrl),
            ApiKey = QdrantApiKey,
            Collection = Collection,
            Qdrant = new QdrantIndexOptions
            {
                ShardNumber = QdrantShardNumber,
                ReplicationFactor = QdrantReplicationFactor,
                WriteConsistencyFactor = QdrantWriteConsistencyFactor,
                ScalarQuantization = QdrantScalarQuantization,
                OnDiskVectors = QdrantOnDiskVectors,
            },
        };
    }
}

/// <summary>Search defaults (section <c>FaceVector:Search</c>).</summary>
public sealed class SearchOptions
{
    public const string Section = "FaceVector:Search";

    /// <summary>Matches per probe face when the request says 0.</summary>
    public int DefaultTopK { get; set; } = 10;

    /// <summary>Upper bound on top_k.</summary>
    public int MaxTopK { get; set; } = 1000;
}

/// <summary>Telemetry exporters (section <c>FaceVector:Telemetry</c>); OTLP is on when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "FaceVector:Telemetry";

    /// <summary>Print metrics and traces to standard output (off by default).</summary>
    public bool Console { get; set; }
}
