using FaceVector.Index.Embedded;
using FaceVector.Index.Qdrant;

namespace FaceVector.Index;

/// <summary>One configuration that opens either store: an embedded SQLite file or a Qdrant server.</summary>
public sealed record FaceIndexOptions
{
    public const string DefaultCollection = "faces";
    public const string SqliteProvider = "sqlite";
    public const string QdrantProvider = "qdrant";

    /// <summary><c>sqlite</c> (default) or <c>qdrant</c>.</summary>
    public string Provider { get; init; } = SqliteProvider;
    public string DbPath { get; init; } = DefaultDbPath();
    public Uri? QdrantUrl { get; init; }
    public string? ApiKey { get; init; }
    public string Collection { get; init; } = DefaultCollection;
    /// <summary>Further Qdrant settings (timeouts, shards, HNSW...); endpoint, key and collection come from this record.</summary>
    public QdrantIndexOptions Qdrant { get; init; } = new();
    /// <summary>Embedded store: false for callers that only read or delete (a missing file is an error, never created).</summary>
    public bool CreateIfMissing { get; init; } = true;

    /// <summary>Per-user data folder: <c>$XDG_DATA_HOME/facevector</c>, else <c>~/.local/share/facevector</c>.</summary>
    public static string DefaultDataDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        string root = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "facevector");
    }

    /// <summary>The embedded store used when no <c>--db</c> or <c>--qdrant</c> is given.</summary>
    public static string DefaultDbPath() => Path.Combine(DefaultDataDirectory(), "faces.db");

    /// <summary>
    /// Reads the CLI's <c>--db FILE</c> or <c>--qdrant URL</c> (plus <c>--api-key</c>, <c>--collection</c>); neither means
    /// the default database file. Unrelated arguments are ignored, so a caller can pass its whole argument list.
    /// </summary>
    public static FaceIndexOptions FromArguments(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new FaceIndexOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.", nameof(args));
            options = args[i] switch
            {
                "--db" => options with { Provider = SqliteProvider, DbPath = Next() },
                "--qdrant" => options with { Provider = QdrantProvider, QdrantUrl = new Uri(Next()) },
                "--api-key" => options with { ApiKey = Next() },
                "--collection" => options with { Collection = Next() },
                _ => options,
            };
        }
        return options;
    }
}

/// <summary>Opens the store a <see cref="FaceIndexOptions"/> names.</summary>
public static class FaceIndexFactory
{
    public static IFaceIndex Open(FaceIndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Provider.ToLowerInvariant() switch
        {
            FaceIndexOptions.SqliteProvider => new SqliteFaceIndex(new SqliteIndexOptions(options.DbPath, options.Collection) { CreateIfMissing = options.CreateIfMissing }),
            FaceIndexOptions.QdrantProvider => new QdrantFaceIndex(options.Qdrant with
            {
                Endpoint = options.QdrantUrl ?? options.Qdrant.Endpoint,
                ApiKey = options.ApiKey ?? options.Qdrant.ApiKey,
                Collection = options.Collection,
            }),
            var other => throw new ArgumentException($"Unknown index provider '{other}': use '{FaceIndexOptions.SqliteProvider}' or '{FaceIndexOptions.QdrantProvider}'.", nameof(options)),
        };
    }

    public static IFaceIndex Open(IReadOnlyList<string> args) => Open(FaceIndexOptions.FromArguments(args));
}
