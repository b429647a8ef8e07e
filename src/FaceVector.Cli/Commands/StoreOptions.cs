using System.CommandLine;
using FaceVector.Index;
using FaceVector.Ingestion;

namespace FaceVector.Cli.Commands;

/// <summary>
/// <c>--db FILE | --qdrant URL</c> (+ <c>--api-key</c>, <c>--collection</c>, <c>--journal</c>): which face index a command
/// works on. The embedded store in the per-user data folder is the default.
/// </summary>
internal sealed class StoreOptions
{
    public Option<string?> Db { get; } = new("--db") { Description = $"Embedded store file (default {FaceIndexOptions.DefaultDbPath()})" };
    public Option<Uri?> Qdrant { get; } = new("--qdrant") { Description = "Qdrant gRPC endpoint, e.g. http://localhost:6334 (instead of the embedded store)" };
    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "Qdrant API key (default: $QDRANT_API_KEY)" };
    public Option<string> Collection { get; } = new("--collection") { Description = "Collection name", DefaultValueFactory = _ => FaceIndexOptions.DefaultCollection };
    public Option<string?> Journal { get; } = new("--journal") { Description = "Ingest journal file (default: beside the store file, or in the data folder for Qdrant)" };

    public void AddTo(Command command)
    {
        command.Add(Db);
        command.Add(Qdrant);
        command.Add(ApiKey);
        command.Add(Collection);
        command.Add(Journal);
        command.Validators.Add(result =>
        {
            if (result.GetValue(Db) is not null && result.GetValue(Qdrant) is not null)
            {
                result.AddError("--db and --qdrant cannot be used together: choose the embedded store or Qdrant.");
            }
        });
    }

    public FaceIndexOptions ToIndexOptions(ParseResult parse)
    {
        string collection = parse.GetValue(Collection) ?? FaceIndexOptions.DefaultCollection;
        string? apiKey = parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("QDRANT_API_KEY");
        return parse.GetValue(Qdrant) is Uri url
            ? new FaceIndexOptions { Provider = FaceIndexOptions.QdrantProvider, QdrantUrl = url, ApiKey = apiKey, Collection = collection }
            : new FaceIndexOptions { DbPath = Path.GetFullPath(parse.GetValue(Db) ?? FaceIndexOptions.DefaultDbPath()), Collection = collection };
    }

    /// <param name="create">False for commands that only read or delete: they never create a store or its folder.</param>
    public IFaceIndex OpenIndex(ParseResult parse, bool create = true) =>
        FaceIndexFactory.Open(ToIndexOptions(parse) with { CreateIfMissing = create });

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
