using System.CommandLine;
using FaceVector.Index;
using FaceVector.Index.Qdrant;
using FaceVector.Ingestion;

namespace FaceVector.Cli.Commands;

/// <summary>
/// <c>--db FILE | --qdrant URL</c> (+ <c>--api-key</c>, <c>--collection</c>, <c>--journal</c>): which face index a command
/// works on. The embedded store in the per-user data folder is the default.
/// </summary>
internal sealed class StoreOptions
{
    public Option<string?> Db { get; } = new("--db") { Description = $"Embedded store file (default {FaceIndexOptions.DefaultDbPath()})" };
    public Option<string?> Qdrant { get; } = new("--qdrant") { Description = "Qdrant gRPC endpoint, e.g. http://localhost:6334, or every node's comma-separated (failover), or one dns:///name:6334 (instead of the embedded store)" };
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "Qdrant API key (default: $QDRANT_API_KEY)" };
    public Option<string> Collection { get; } = new("--collection") { Description = "Collection name", DefaultValueFactory = _ => FaceIndexOptions.DefaultCollection };
    public Option<double?> QdrantTimeout { get; } = new("--qdrant-timeout") { Description = "Deadline of each Qdrant call, in seconds (default 30)" };
    public Option<string?> Journal { get; } = new("--journal") { Description = "Ingest journal file (default: beside the store file, or in the data folder for Qdrant)" };

    public void AddTo(Command command)
    {
        command.Add(Db);
        command.Add(Qdrant);
        command.Add(ApiKey);
        command.Add(Collection);
        command.Add(QdrantTimeout);
        command.Add(Journal);
        command.Validators.Add(result =>
        {
            if (result.GetValue(Db) is not null && result.GetValue(Qdrant) is not null)
            {
                result.AddError("--db and --qdrant cannot be used together: choose the embedded store or Qdrant.");
                return;
            }

            // The same checks as a server's start-up, naming the flag instead of the configuration key.
            foreach (string problem in ToIndexOptions(result).Problems(FlagOf))
            {
                result.AddError(problem);
            }
        });
    }

    public FaceIndexOptions ToIndexOptions(ParseResult parse) => ToIndexOptions(parse.CommandResult);

    /// <summary>The flags mapped onto the one store configuration.</summary>
    private FaceIndexOptions ToIndexOptions(System.CommandLine.Parsing.CommandResult parse)
    {
        var options = new FaceIndexOptions
        {
            Collection = parse.GetValue(Collection) ?? FaceIndexOptions.DefaultCollection,
            QdrantApiKey = parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("QDRANT_API_KEY"),
        };
        if (parse.GetValue(QdrantTimeout) is double timeout)
        {
            options.QdrantTimeoutSeconds = timeout;
        }

        if (parse.GetValue(Qdrant) is string addresses)
        {
            // First node, then the others to fail over to (one rule for the list: QdrantIndexOptions.ParseEndpoints).
            IReadOnlyList<Uri> endpoints = QdrantIndexOptions.ParseEndpoints(addresses);
            options.Provider = FaceIndexOptions.QdrantProvider;
            options.QdrantUrl = endpoints[0];
            options.QdrantFailoverUrls = [.. endpoints.Skip(1)];
        }
        else
        {
            options.DbPath = Path.GetFullPath(parse.GetValue(Db) ?? FaceIndexOptions.DefaultDbPath());
        }

        return options;
    }

    private static string FlagOf(string setting) => setting switch
    {
        nameof(FaceIndexOptions.DbPath) => "--db",
        nameof(FaceIndexOptions.QdrantUrl) or nameof(FaceIndexOptions.QdrantFailoverUrls) => "--qdrant",
        nameof(FaceIndexOptions.Collection) => "--collection",
        nameof(FaceIndexOptions.QdrantTimeoutSeconds) => "--qdrant-timeout",
        _ => $"{FaceIndexOptions.Section}:{setting}",
    };

    /// <param name="create">False for commands that only read or delete: they never create a store or its folder.</param>
    public IFaceIndex OpenIndex(ParseResult parse, bool create = true) => FaceIndexFactory.Open(ToIndexOptions(parse), create);

    /// <summary>The journal of ingests into this store and collection.</summary>
    public string JournalPath(ParseResult parse)
    {
        if (parse.GetValue(Journal) is string explicitPath)
        {
            return Path.GetFullPath(explicitPath);
        }

        return IngestJournal.DefaultPathFor(ToIndexOptions(parse));
    }

    /// <summary>Opens the journal if one exists (read-only commands must not create one).</summary>
    public IngestJournal? OpenExistingJournal(ParseResult parse)
    {
        string path = JournalPath(parse);
        return File.Exists(path) ? new IngestJournal(path) : null;
    }
}
