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

    public FolderIngest(IImageEmbedder embedder, IFaceIndex index, string journalPath, IngestOptions options, Action<string>? log = null)
    {
        _journal = new IngestJournal(journalPath);
        _pipeline = new IngestPipeline(embedder, index, _journal, options, log: log);
    }

    public string JournalPath => _journal.Path;

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

    public void Dispose() => _journal.Dispose();
}
