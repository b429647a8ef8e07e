using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using FaceVector.Core.Files;
using FaceVector.Core.Imaging;
using FaceVector.Core.Pipeline;
using FaceVector.Index;

namespace FaceVector.Ingestion;

public sealed record IngestOptions
{
    /// <summary>Files embedded at once (default: number of cores).</summary>
    public int Parallelism { get; init; }

    /// <summary>Files per index write and journal transaction: the unit that is all-or-nothing after a crash.</summary>
    public int BatchFiles { get; init; } = 32;

    public QualityGates Gates { get; init; } = new();

    /// <summary>Remove the faces of files that vanished from the source folders.</summary>
    public bool Sync { get; init; }

    /// <summary>User tags stored with every face of this run.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Refuse files larger than this before reading them.</summary>
    public long MaxFileBytes { get; init; } = new ImageLoaderOptions().MaxFileBytes;
}

/// <summary>Live counters of a run.</summary>
public sealed record IngestProgress(int Total, int Done, int Embedded, long Faces, int Failed, int Unchanged, string? Message = null);

/// <summary>What a run did.</summary>
/// <param name="Unchanged">Files skipped without reading: same size, time and model as last time.</param>
/// <param name="Touched">Files read and hashed but not decoded: same content as last time.</param>
/// <param name="Embedded">Files sent to the models (the inference count).</param>
public sealed record IngestSummary(int Files, int Unchanged, int Touched, int Embedded, int Failed, int NoFace, long FacesIndexed, long FacesSkipped, int Removed, TimeSpan Elapsed)
{
    /// <summary>Files the journal listed as indexed but the index had lost (or another index): forgotten and embedded again.</summary>
    public int Reembedded { get; init; }

    /// <summary>Batches whose after-batch step (the people hook) failed; their faces are indexed all the same.</summary>
    public int HookFailures { get; init; }

    public double FilesPerSecond => Files / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public double FacesPerSecond => FacesIndexed / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>A step after each committed ingest batch (the people hook): told the ids of the faces just written.</summary>
public interface IIngestBatchHook
{
    /// <summary>What the step is, for the log line when it fails.</summary>
    string Name { get; }

    Task CommittedAsync(IReadOnlyList<Guid> faceIds, CancellationToken cancellationToken);
}

/// <summary>
/// Bulk, incremental, resumable ingest: files are embedded in parallel (bounded channel, so a slow index holds the
/// models back rather than filling memory), then one writer replaces the faces of each batch's files in one index call
/// and records the outcome in the journal, batch by batch. Content hash + model decide whether a file needs work;
/// a file whose size and time did not change is not even read.
/// </summary>
public sealed class IngestPipeline
{
    private readonly IImageEmbedder _embedder;
    private readonly IFaceIndex _index;
    private readonly IngestJournal _journal;
    private readonly IngestOptions _options;
    private readonly Backoff _backoff;
    private readonly Action<string>? _log;

    private readonly IIngestBatchHook? _afterBatch;

    /// <param name="afterBatch">Runs after each batch is committed (index and journal) with the ids of the faces written;
    /// its failure is logged and counted (<see cref="IngestSummary.HookFailures"/>), never undoes or stops the ingest.</param>
    public IngestPipeline(IImageEmbedder embedder, IFaceIndex index, IngestJournal journal, IngestOptions? options = null, Func<Exception, bool>? isTransient = null, Action<string>? log = null,
        IIngestBatchHook? afterBatch = null)
    {
        _afterBatch = afterBatch;
        _embedder = embedder;
        _index = index;
        _journal = journal;
        _options = options ?? new IngestOptions();
        _log = log;
        _backoff = new Backoff(isTransient ?? TransientErrors.IsTransient, log);
    }

    public async Task<IngestSummary> RunAsync(IngestSource source, IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        long start = Stopwatch.GetTimestamp();
        CollectionInfo info = await _backoff.RunAsync("index: ensure collection", ct => _index.EnsureCollectionAsync(new CollectionSpec(_embedder.Dimension, _embedder.ModelId), ct), cancellationToken).ConfigureAwait(false);
        // The journal lives apart from the index: before trusting it, check it describes this index and what it holds.
        (int reembed, string? repairMessage) = await _backoff.RunAsync("index: check the journal against the index",
            ct => JournalReconciler.EnsureInStepAsync(_journal, _index, info, ct), cancellationToken).ConfigureAwait(false);
        if (repairMessage is not null)
        {
            _log?.Invoke(repairMessage);
        }

        IReadOnlyList<string> files = source.Files();
        int parallelism = _options.Parallelism > 0 ? _options.Parallelism : Environment.ProcessorCount;
        var outcomes = Channel.CreateBounded<FileOutcome>(new BoundedChannelOptions(parallelism * 4) { SingleReader = true });
        Task producer = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                    async (file, ct) => await outcomes.Writer.WriteAsync(await ProcessAsync(file, ct).ConfigureAwait(false), ct).ConfigureAwait(false)).ConfigureAwait(false);
                outcomes.Writer.Complete();
            }
            catch (Exception ex)
            {
                outcomes.Writer.Complete(ex);
            }
        }, cancellationToken);

        var counters = new Counters(files.Count);
        await WriteAsync(outcomes.Reader, counters, progress, cancellationToken).ConfigureAwait(false);
        await producer.ConfigureAwait(false);
        int removed = _options.Sync ? await RemoveVanishedAsync(source, files, cancellationToken).ConfigureAwait(false) : 0;
        return new IngestSummary(files.Count, counters.Unchanged, counters.Touched, counters.Embedded, counters.Failed, counters.NoFace,
            counters.Faces, counters.SkippedFaces, removed, Stopwatch.GetElapsedTime(start)) { Reembedded = reembed, HookFailures = counters.HookFailures };
    }

    private async Task<FileOutcome> ProcessAsync(string path, CancellationToken ct)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return FileOutcome.Failure(path, 0, 0, null, $"{path}: file not found");
        }

        long size = info.Length, ticks = info.LastWriteTimeUtc.Ticks;
        JournalEntry? previous = _journal.Find(path);
        // Faces deleted from the index by any route (CLI, gRPC, HTTP, another process) leave the journal saying
        // "indexed": a file whose faces are gone is embedded again, so re-indexing brings a deleted photo back.
        // A file recorded for another model is current when the index holds its faces of the same content: a collection
        // takes only its own model's vectors, so they were re-embedded by a model migration (docs/migration.md).
        bool sameModel = previous is not null && (previous.ModelId == _embedder.ModelId
            ? previous.Faces == 0 || await _index.CountAsync(new FaceFilter { ImagePath = path }, ct).ConfigureAwait(false) > 0
            : previous.Faces > 0 && previous.Sha256 is not null
                && await _index.CountAsync(new FaceFilter { ImagePath = path, ImageHash = previous.Sha256 }, ct).ConfigureAwait(false) > 0);
        if (sameModel && previous!.Size == size && previous.ModifiedTicks == ticks)
        {
            return new FileOutcome(path, OutcomeKind.Unchanged, size, ticks, previous.Sha256, null, null, previous);
        }

        if (size > _options.MaxFileBytes)
        {
            return FileOutcome.Failure(path, size, ticks, previous, $"{path}: image too large: file is {size:N0} bytes, over the limit of {_options.MaxFileBytes:N0}");
        }

        byte[] bytes;
        try
        {
            // A FIFO or device in a photo folder is refused without blocking the ingest.
            bytes = RegularFile.ReadAllBytes(path, _options.MaxFileBytes);
        }
        catch (NotARegularFileException ex)
        {
            return FileOutcome.Failure(path, size, ticks, previous, $"{path}: cannot read file: {ex.Reason}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return FileOutcome.Failure(path, size, ticks, previous, $"{path}: cannot read file: {ex.Message}");
        }

        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sameModel && previous!.Sha256 == sha)
        {
            return new FileOutcome(path, OutcomeKind.Touched, size, ticks, sha, null, null, previous);
        }

        try
        {
            ImageFaces faces = await _backoff.RunAsync($"embed {path}", c => _embedder.EmbedAsync(bytes, path, c), ct).ConfigureAwait(false);
            return new FileOutcome(path, OutcomeKind.Embedded, size, ticks, sha, faces, null, previous);
        }
        catch (ImageLoadException ex)
        {
            return FileOutcome.Failure(path, size, ticks, previous, ex.Message, sha);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !TransientErrors.IsTransient(ex))
        {
            return FileOutcome.Failure(path, size, ticks, previous, $"{path}: {ex.GetType().Name}: {ex.Message}", sha);
        }
    }

    private async Task WriteAsync(ChannelReader<FileOutcome> reader, Counters counters, IProgress<IngestProgress>? progress, CancellationToken ct)
    {
        var batch = new List<FileOutcome>();
        while (true)
        {
            bool more;
            if (batch.Count == 0)
            {
                more = await reader.WaitToReadAsync(ct).ConfigureAwait(false);
            }
            else
            {
                // Write a partial batch once the producers pause, so a slow trickle (or the end) is not held back.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(TimeSpan.FromMilliseconds(500));
                try
                {
                    more = await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await FlushAsync(batch, counters, progress, ct).ConfigureAwait(false);
                    continue;
                }
            }

            if (!more)
            {
                break;
            }

            while (batch.Count < _options.BatchFiles && reader.TryRead(out FileOutcome? outcome))
            {
                batch.Add(outcome);
            }

            if (batch.Count >= _options.BatchFiles)
            {
                await FlushAsync(batch, counters, progress, ct).ConfigureAwait(false);
            }
        }

        await FlushAsync(batch, counters, progress, ct).ConfigureAwait(false);
    }

    private async Task FlushAsync(List<FileOutcome> batch, Counters counters, IProgress<IngestProgress>? progress, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var images = new List<ImageReplacement>();
        var journal = new List<(JournalEntry, IReadOnlyList<SkippedFace>?)>();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (FileOutcome o in batch)
        {
            switch (o.Kind)
            {
                case OutcomeKind.Unchanged:
                    counters.Unchanged++;
                    continue;
                case OutcomeKind.Touched:
                    counters.Touched++;
                    journal.Add((o.Previous! with { Size = o.Size, ModifiedTicks = o.ModifiedTicks, UpdatedAt = now }, null));
                    continue;
                case OutcomeKind.Failed:
                    counters.Failed++;
                    journal.Add((new JournalEntry(o.Path, o.Size, o.ModifiedTicks, o.Sha256, _embedder.ModelId, FileState.Failed, 0, o.Error, now), []));
                    // A file that became unusable loses its old faces; one the journal has never seen has none to lose.
                    if (o.Previous is not null)
                    {
                        images.Add(new ImageReplacement(o.Path, []));
                    }

                    break;
                default:
                    counters.Embedded++;
                    (List<FacePoint> kept, List<SkippedFace> skipped) = ToPoints(o, now);
                    counters.Faces += kept.Count;
                    counters.SkippedFaces += skipped.Count;
                    counters.NoFace += o.Faces!.Faces.Count == 0 ? 1 : 0;
                    journal.Add((new JournalEntry(o.Path, o.Size, o.ModifiedTicks, o.Sha256, _embedder.ModelId, FileState.Indexed, kept.Count, null, now), skipped));
                    // A file the journal has never seen is new to the index too: its faces are only upserted, nothing deleted.
                    images.Add(new ImageReplacement(o.Path, kept) { NewImage = o.Previous is null });
                    break;
            }
        }

        // The whole batch in one index call (one transaction on the embedded store): changed files' old faces go, new ones arrive.
        if (images.Count > 0)
        {
            await _backoff.RunAsync($"index: replace the faces of {images.Count} file(s)", c => _index.ReplaceImagesAsync(images, c), ct).ConfigureAwait(false);
        }

        // Only after the index holds the batch: a crash in between redoes these files next run (ids are deterministic).
        if (journal.Count > 0)
        {
            _journal.Record(journal);
        }

        if (_afterBatch is not null)
        {
            Guid[] written = [.. images.SelectMany(i => i.Faces).Select(f => f.Id)];
            if (written.Length > 0)
            {
                try
                {
                    await _afterBatch.CommittedAsync(written, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The faces are committed: what is derived from them (people) catches up later; the ingest goes on.
                    counters.HookFailures++;
                    _log?.Invoke($"{_afterBatch.Name}: {written.Length} new face(s) not taken in: {ex.Message}");
                }
            }
        }

        counters.Done += batch.Count;
        progress?.Report(new IngestProgress(counters.Total, counters.Done, counters.Embedded, counters.Faces, counters.Failed, counters.Unchanged + counters.Touched));
        batch.Clear();
    }

    private (List<FacePoint> Kept, List<SkippedFace> Skipped) ToPoints(FileOutcome o, DateTimeOffset now)
    {
        var kept = new List<FacePoint>();
        var skipped = new List<SkippedFace>();
        foreach (Face face in o.Faces!.Faces)
        {
            if (_options.Gates.Check(face) is string reason)
            {
                skipped.Add(new SkippedFace(o.Path, face.Index, reason));
                continue;
            }

            kept.Add(FacePoints.From(o.Path, o.Sha256!, face, _embedder.ModelId, now, _options.Tags));
        }

        return (kept, skipped);
    }

    private async Task<int> RemoveVanishedAsync(IngestSource source, IReadOnlyList<string> files, CancellationToken ct)
    {
        var present = new HashSet<string>(files, StringComparer.Ordinal);
        var vanished = source.SyncRoots.SelectMany(_journal.Under).Select(e => e.Path).Where(p => !present.Contains(p)).Distinct().ToList();
        foreach (string[] chunk in vanished.Chunk(_options.BatchFiles))
        {
            ImageReplacement[] emptied = [.. chunk.Select(path => new ImageReplacement(path, []))];
            await _backoff.RunAsync($"index: delete the faces of {chunk.Length} removed file(s)", c => _index.ReplaceImagesAsync(emptied, c), ct).ConfigureAwait(false);
            _journal.Remove(chunk);
        }

        if (vanished.Count > 0)
        {
            _log?.Invoke($"sync: removed the faces of {vanished.Count} file(s) no longer in the source");
        }

        return vanished.Count;
    }

    private enum OutcomeKind
    {
        Unchanged,
        Touched,
        Embedded,
        Failed,
    }

    private sealed record FileOutcome(string Path, OutcomeKind Kind, long Size, long ModifiedTicks, string? Sha256, ImageFaces? Faces, string? Error, JournalEntry? Previous)
    {
        // The journal keeps the reason alone: the path is its key already.
        public static FileOutcome Failure(string path, long size, long ticks, JournalEntry? previous, string error, string? sha = null) =>
            new(path, OutcomeKind.Failed, size, ticks, sha, null, error.StartsWith(path + ": ", StringComparison.Ordinal) ? error[(path.Length + 2)..] : error, previous);
    }

    private sealed class Counters(int total)
    {
        public int Total { get; } = total;
        public int Done { get; set; }
        public int Unchanged { get; set; }
        public int Touched { get; set; }
        public int Embedded { get; set; }
        public int Failed { get; set; }
        public int NoFace { get; set; }
        public long Faces { get; set; }
        public long SkippedFaces { get; set; }
        public int HookFailures { get; set; }
    }
}

/// <summary>Failures that may pass if retried: a dependency that is down, busy or slow.</summary>
public static class TransientErrors
{
    public static bool IsTransient(Exception ex) => ex switch
    {
        HttpRequestException or TimeoutException or System.Net.Sockets.SocketException => true,
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteErrorCode is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
        _ => ex.GetType().FullName == "Grpc.Core.RpcException" && IsTransientGrpc(ex),
    };

    // By name, so this library needs no gRPC reference: Unavailable, DeadlineExceeded, ResourceExhausted, Aborted.
    private static bool IsTransientGrpc(Exception ex)
    {
        object? status = ex.GetType().GetProperty("StatusCode")?.GetValue(ex);
        return status?.ToString() is "Unavailable" or "DeadlineExceeded" or "ResourceExhausted" or "Aborted";
    }
}
