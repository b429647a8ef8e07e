using System.Diagnostics.Metrics;
using FaceVector.Application.Ingest;
using FaceVector.Index;
using FaceVector.Ingest.Configuration;
using FaceVector.Client;
using FaceVector.Ingestion;
using Microsoft.Extensions.Options;

namespace FaceVector.Ingest;

/// <summary>
/// Keeps the face index in step with the configured folders: a full incremental pass at start, then (watch mode)
/// another pass after file changes settle and every rescan interval. Each pass is the same <see cref="IngestPipeline"/>
/// that <c>facevector index</c> runs in-process, here with the embedding service as the embedder.
/// </summary>
public sealed class IngestWorker(
    GrpcImageEmbedder embedder,
    IFaceIndex index,
    IOptions<FaceIndexOptions> store,
    IOptions<IngestWorkerOptions> options,
    IngestStatus status,
    IHostApplicationLifetime lifetime,
    ILogger<IngestWorker> logger) : BackgroundService
{
    public static readonly Meter Meter = new("FaceVector.Ingest");
    private static readonly Counter<long> FilesCounter = Meter.CreateCounter<long>("facevector.ingest.files", description: "Files handled, by outcome");
    private static readonly Counter<long> FacesCounter = Meter.CreateCounter<long>("facevector.ingest.faces", description: "Faces written to the index");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Transient failures are retried inside (Backoff); what arrives here will not pass by waiting (wrong key,
            // bad configuration, a model mismatch): stop with a failure exit code so that an orchestrator shows it.
            logger.LogCritical(ex, "Ingest stopped: {Message}", ex.Message);
            status.Fail(ex.Message);
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        IngestWorkerOptions o = options.Value;
        var backoff = new Backoff(TransientErrors.IsTransient, m => logger.LogWarning("{Message}", m));
        await backoff.RunAsync("embedding service: model info", embedder.ConnectAsync, stoppingToken);
        logger.LogInformation("Embedding service runs model {Model} ({Dimension}-d)", embedder.ModelId, embedder.Dimension);
        status.Ready = true;

        using var ingest = new FolderIngest(embedder, index, o.JournalPath!, new IngestOptions
        {
            Parallelism = o.Parallelism,
            BatchFiles = o.BatchFiles,
            Gates = o.ToGates(),
            Sync = o.Sync,
            Tags = o.Tags,
        }, m => logger.LogWarning("{Message}", m), store.Value);

        using var changes = new FolderChangeSignal(o.Folders, TimeSpan.FromSeconds(o.DebounceSeconds));
        do
        {
            IngestSummary summary = await ingest.RunAsync(o.ToSource(), new Progress<IngestProgress>(p => status.Progress = p), stoppingToken);
            status.LastRun = summary;
            FilesCounter.Add(summary.Embedded, new KeyValuePair<string, object?>("outcome", "embedded"));
            FilesCounter.Add(summary.Failed, new KeyValuePair<string, object?>("outcome", "failed"));
            FilesCounter.Add(summary.Unchanged + summary.Touched, new KeyValuePair<string, object?>("outcome", "unchanged"));
            FacesCounter.Add(summary.FacesIndexed);
            logger.LogInformation(
                "Pass done: {Files} files, {Embedded} embedded, {Unchanged} unchanged, {Failed} failed, {Faces} faces indexed, {Skipped} faces skipped, {Removed} removed, {Seconds:0.0} s",
                summary.Files, summary.Embedded, summary.Unchanged + summary.Touched, summary.Failed, summary.FacesIndexed, summary.FacesSkipped, summary.Removed, summary.Elapsed.TotalSeconds);
            if (ingest.People is { Active: true } people)
            {
                logger.LogInformation("People: {Assigned} new faces joined people ({Created} new persons), {Failures} failed batches so far",
                    people.FacesAssigned, people.PeopleCreated, people.Failures);
            }
            if (o.RunOnce)
            {
                lifetime.StopApplication();
                return;
            }
        }
        while (await changes.WaitAsync(TimeSpan.FromSeconds(o.RescanSeconds), stoppingToken));
    }
}

/// <summary>What the worker is doing, for the health and status endpoints, and how the process should exit.</summary>
public sealed class IngestStatus
{
    /// <summary>Exit code after a fatal error (wrong key, bad configuration): 1, so that supervisors see the failure.</summary>
    public const int FatalExitCode = 1;

    public volatile bool Ready;

    /// <summary>Why the worker stopped, when it stopped on an error.</summary>
    public string? FatalError { get; private set; }

    /// <summary>0, or <see cref="FatalExitCode"/> once a fatal error stopped the worker.</summary>
    public int ExitCode => FatalError is null ? 0 : FatalExitCode;

    public void Fail(string message)
    {
        FatalError = message;
        Ready = false;
    }

    public IngestProgress? Progress { get; set; }

    public IngestSummary? LastRun { get; set; }
}

/// <summary>Signals a new pass: after file changes under the folders have been quiet for the debounce time, or at the rescan interval.</summary>
internal sealed class FolderChangeSignal : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly TimeSpan _debounce;
    private long _lastChangeTicks;

    public FolderChangeSignal(IEnumerable<string> folders, TimeSpan debounce)
    {
        _debounce = debounce;
        foreach (string folder in folders.Where(Directory.Exists))
        {
            try
            {
                var watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = true, EnableRaisingEvents = true };
                watcher.Created += Changed;
                watcher.Changed += Changed;
                watcher.Deleted += Changed;
                watcher.Renamed += Changed;
                _watchers.Add(watcher);
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
            {
                // No notifications (network share, inotify limit): the periodic rescan still finds changes.
            }
        }
    }

    /// <summary>True when a pass should run; false only when stopping.</summary>
    public async Task<bool> WaitAsync(TimeSpan rescan, CancellationToken ct)
    {
        DateTime deadline = DateTime.UtcNow + rescan;
        long seen = Interlocked.Read(ref _lastChangeTicks);
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                long last = Interlocked.Read(ref _lastChangeTicks);
                if (last != seen && DateTime.UtcNow.Ticks - last >= _debounce.Ticks)
                {
                    return true;
                }
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Changed(object sender, FileSystemEventArgs e) => Interlocked.Exchange(ref _lastChangeTicks, DateTime.UtcNow.Ticks);

    public void Dispose()
    {
        foreach (FileSystemWatcher w in _watchers)
        {
            w.Dispose();
        }
    }
}
