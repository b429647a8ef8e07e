using FaceVector.Index;
using FaceVector.Index.Qdrant;

namespace FaceVector.Application.Store;

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
