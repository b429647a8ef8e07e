using FaceVector.Index;
using FaceVector.Ingestion;

namespace FaceVector.Application.Ingest;

/// <summary>
/// The ingest use case, one place for <c>facevector index</c> (models in-process) and the ingest worker (embedding
/// service): the source checked, the store's journal opened, and the <see cref="IngestPipeline"/> run over it.
/// </summary>
public sealed class FolderIngest : IDisposable
{
    private readonly IngestJournal _journal;
    private readonly IngestPipeline _pipeline;
    private readonly PeopleIngestHook? _people;

    /// <param name="store">The store's settings: when given and the store has people, each committed batch's new faces
    /// join them (<see cref="PeopleIngestHook"/>); null leaves people alone.</param>
    public FolderIngest(IImageEmbedder embedder, IFaceIndex index, string journalPath, IngestOptions options, Action<string>? log = null, FaceIndexOptions? store = null)
    {
        _journal = new IngestJournal(journalPath);
        // People use the default face-size gate (the same as the servers' PeopleProvider), whatever the ingest's own gate.
        _people = store is null ? null : new PeopleIngestHook(index, store, QualityGates.DefaultMinFaceSize);
        _pipeline = new IngestPipeline(embedder, index, _journal, options, log: log, afterBatch: _people);
    }

    public string JournalPath => _journal.Path;

    /// <summary>What the people hook did so far (null without a store to look in).</summary>
    public PeopleIngestSummary? People => _people?.Summary;

    /// <summary>What is wrong with a source before any file is read, or null: no folder and no list, or a missing folder.</summary>
    public static string? Problem(IngestSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Folders.Count == 0 && source.ListFile is null)
        {
            return "give at least one folder or a list file";
        }

        return source.Folders.FirstOrDefault(f => !Directory.Exists(f) && !File.Exists(f)) is string missing ? $"folder not found: {missing}" : null;
    }

    /// <summary>One incremental pass: unchanged files skipped, new and changed ones embedded, vanished ones removed when syncing.</summary>
    public Task<IngestSummary> RunAsync(IngestSource source, IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _pipeline.RunAsync(source, progress, cancellationToken);

    public void Dispose()
    {
        _people?.Dispose();
        _journal.Dispose();
    }
}
