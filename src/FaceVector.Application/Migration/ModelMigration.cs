using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FaceVector.Application.Errors;
using FaceVector.Index;
using FaceVector.Index.Migration;

namespace FaceVector.Application.Migration;

/// <summary>
/// Re-embeds a collection with a new recognizer into a new collection while readers keep using the old one, then
/// switches the alias (the configured collection name) to the new one. Faces keep their ids and payload (only the model
/// id changes), so people and names survive. Resumable: what the new collection already holds is skipped, writes are
/// idempotent (same ids), and the record kept with the new collection says where a run started from.
/// </summary>
public sealed class ModelMigration(ICollectionCatalog catalog, MigrationOptions? options = null, Action<string>? log = null)
{
    private const int PageSize = 1000;
    private const int CatchUpPasses = 3;

    private readonly MigrationOptions _options = options ?? new MigrationOptions();

    /// <summary>The new collection's name: the alias, a dot and the model id made name-safe (e.g. <c>faces.w600k_mbf_dq-1a2b3c4d5e6f</c>).</summary>
    public static string TargetName(string alias, string modelId) => $"{alias}.{NameSafe(modelId)}";

    private static string NameSafe(string modelId)
    {
        var safe = new StringBuilder(modelId.Length);
        foreach (var c in modelId) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '-');
        return safe.ToString();
    }

    /// <summary>Starts, resumes or completes the migration of <paramref name="alias"/> to the recognizer's model.</summary>
    public async Task<MigrationReport> RunAsync(string alias, IFaceReembedder embedder, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        ArgumentNullException.ThrowIfNull(embedder);
        var clock = Stopwatch.StartNew();
        var target = TargetName(alias, embedder.ModelId);
        var current = await catalog.AliasTargetAsync(alias, cancellationToken).ConfigureAwait(false) ?? alias;
        var record = await catalog.GetMigrationAsync(target, cancellationToken).ConfigureAwait(false);

        if (current == target)
        {
            // Switched by an earlier run: only the old collection may be left to drop.
            var report = await DescribeSwitchedAsync(alias, target, record, embedder.ModelId, cancellationToken).ConfigureAwait(false);
            return _options.DropOld ? await DropOldAsync(report, cancellationToken).ConfigureAwait(false) with { Elapsed = clock.Elapsed } : report with { Elapsed = clock.Elapsed };
        }

        var source = record?.Source ?? current;
        if (record is not null && record.Source != current)
            throw Conflict($"collection '{alias}' now stands for '{current}', but the migration into '{target}' started from '{record.Source}'; drop '{target}' to start again");

        await using var sourceIndex = catalog.OpenCollection(source);
        var sourceInfo = await sourceIndex.GetCollectionAsync(cancellationToken).ConfigureAwait(false);
        if (sourceInfo is null)
        {
            // Killed between dropping the old collection and making the alias (Qdrant, first migration): finish the switch.
            if (record is not null && await catalog.CollectionExistsAsync(record.OldKeptAs, cancellationToken).ConfigureAwait(false))
            {
                return await SwitchAsync(record, clock, new MigrationReport
                {
                    Alias = alias, Source = source, Target = target, FromModel = record.SourceModelId, ToModel = record.TargetModelId, Store = catalog.Location,
                }, cancellationToken).ConfigureAwait(false);
            }
            throw new FaceVectorException(new FaceVectorError(ErrorCode.NotFound, "COLLECTION_NOT_FOUND", $"collection '{alias}' does not exist in {catalog.Location}: nothing to migrate", "collection"));
        }

        if (sourceInfo.ModelId == embedder.ModelId)
            throw Conflict($"collection '{alias}' ('{source}') already holds vectors of {embedder.ModelId}: nothing to migrate");

        await using var targetIndex = catalog.OpenCollection(target);
        if (record is null && await targetIndex.GetCollectionAsync(cancellationToken).ConfigureAwait(false) is { } existing
            && (existing.ModelId != embedder.ModelId || existing.IndexId != sourceInfo.IndexId))
        {
            // Not a collection this migration made (those carry the source's index id): never fill or switch to it.
            throw Conflict($"collection '{target}' already exists and is not a migration of '{source}'; drop it first");
        }

        // The new collection carries the source's index id: same faces under the same ids, so ingest journals stay true.
        await targetIndex.EnsureCollectionAsync(new CollectionSpec(embedder.Dimension, embedder.ModelId) { IndexId = sourceInfo.IndexId }, cancellationToken).ConfigureAwait(false);
        var kept = source == alias && !catalog.AliasMayShadowCollection ? TargetName(alias, sourceInfo.ModelId) : source;
        record ??= new CollectionMigration(alias, source, target, sourceInfo.ModelId, embedder.ModelId, kept);
        await catalog.SaveMigrationAsync(record, cancellationToken).ConfigureAwait(false);

        var copy = new CopyState();
        var embedClock = Stopwatch.StartNew();
        for (var pass = 0; pass < CatchUpPasses; pass++)
        {
            // Later passes pick up faces written to the source while the first ran (ingest goes on during a migration).
            if (await CopyPassAsync(sourceIndex, targetIndex, embedder, copy, progress, first: pass == 0, cancellationToken).ConfigureAwait(false) == 0 && pass > 0) break;
        }
        embedClock.Stop();

        var partial = new MigrationReport
        {
            Alias = alias, Source = source, Target = target, FromModel = sourceInfo.ModelId, ToModel = embedder.ModelId, Store = catalog.Location,
            SourceFaces = sourceInfo.Faces, Reembedded = copy.Written, AlreadyDone = copy.AlreadyDone, Removed = copy.Removed,
            MissingPhotos = [.. copy.Missing.Order(StringComparer.Ordinal)], ChangedPhotos = [.. copy.Changed.Order(StringComparer.Ordinal)],
            UnreadablePhotos = [.. copy.Unreadable.Order(StringComparer.Ordinal)], FacesLeftOut = copy.LeftOut.Count, FacesNotFoundAgain = copy.NotFoundAgain,
            EmbedTime = embedClock.Elapsed,
        };
        return await SwitchAsync(record, clock, partial, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the old collection of a switched migration (<c>migrate --finish</c>); no recognizer needed.</summary>
    public async Task<MigrationReport> FinishAsync(string alias, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var current = await catalog.AliasTargetAsync(alias, cancellationToken).ConfigureAwait(false);
        var record = current is null ? null : await catalog.GetMigrationAsync(current, cancellationToken).ConfigureAwait(false);
        if (current is null || record is null)
            throw Conflict($"collection '{alias}' has no switched migration to finish (run 'migrate --to-recognizer FILE' first)");
        var report = await DescribeSwitchedAsync(alias, current, record, record.TargetModelId, cancellationToken).ConfigureAwait(false);
        return await DropOldAsync(report, cancellationToken).ConfigureAwait(false) with { Elapsed = clock.Elapsed };
    }

    private async Task<MigrationReport> DescribeSwitchedAsync(string alias, string target, CollectionMigration? record, string modelId, CancellationToken cancellationToken)
    {
        await using var targetIndex = catalog.OpenCollection(target);
        var info = await targetIndex.GetCollectionAsync(cancellationToken).ConfigureAwait(false);
        var keptExists = record is not null && await catalog.CollectionExistsAsync(record.OldKeptAs, cancellationToken).ConfigureAwait(false);
        return new MigrationReport
        {
            Alias = alias, Source = record?.Source ?? "?", Target = target, FromModel = record?.SourceModelId ?? "?", ToModel = modelId, Store = catalog.Location,
            TargetFaces = info?.Faces ?? 0, Switched = true, AlreadySwitched = true, OldKeptAs = keptExists ? record!.OldKeptAs : null, OldDropped = record is not null && !keptExists,
        };
    }

    private async Task<MigrationReport> SwitchAsync(CollectionMigration record, Stopwatch clock, MigrationReport report, CancellationToken cancellationToken)
    {
        if (record.Source == record.Alias && !catalog.AliasMayShadowCollection)
        {
            // Qdrant will not give an alias the name of a collection: the old faces are copied (vectors as they are) to
            // the kept name, the collection is dropped and the alias made at once after. Readers may see the name
            // missing between those two calls (milliseconds); a kill there is finished by the next run.
            if (await catalog.CollectionExistsAsync(record.Source, cancellationToken).ConfigureAwait(false))
            {
                await CopyAsIsAsync(record.Source, record.OldKeptAs, cancellationToken).ConfigureAwait(false);
                await catalog.DropCollectionAsync(record.Source, cancellationToken).ConfigureAwait(false);
            }
        }
        await catalog.SwitchAliasAsync(record.Alias, record.Target, cancellationToken).ConfigureAwait(false);
        log?.Invoke($"switched: '{record.Alias}' now stands for '{record.Target}' ({record.TargetModelId}); the old faces are kept as '{record.OldKeptAs}'");
        await using var targetIndex = catalog.OpenCollection(record.Target);
        report = report with
        {
            Switched = true, OldKeptAs = record.OldKeptAs,
            TargetFaces = (await targetIndex.GetCollectionAsync(cancellationToken).ConfigureAwait(false))?.Faces ?? 0,
        };
        if (_options.DropOld) report = await DropOldAsync(report, cancellationToken).ConfigureAwait(false);
        return report with { Elapsed = clock.Elapsed };
    }

    private async Task<MigrationReport> DropOldAsync(MigrationReport report, CancellationToken cancellationToken)
    {
        if (report.OldKeptAs is { } old)
        {
            await catalog.DropCollectionAsync(old, cancellationToken).ConfigureAwait(false);
            log?.Invoke($"dropped the old collection '{old}'");
        }
        await catalog.ForgetMigrationAsync(report.Target, cancellationToken).ConfigureAwait(false);
        return report with { OldKeptAs = null, OldDropped = true };
    }

    /// <summary>Copies faces with their vectors unchanged (idempotent: same ids), for keeping a collection under another name.</summary>
    private async Task CopyAsIsAsync(string from, string to, CancellationToken cancellationToken)
    {
        await using var source = catalog.OpenCollection(from);
        await using var copy = catalog.OpenCollection(to);
        var info = await source.GetCollectionAsync(cancellationToken).ConfigureAwait(false) ?? throw new CollectionNotFoundException(from);
        await copy.EnsureCollectionAsync(new CollectionSpec(info.VectorSize, info.ModelId) { IndexId = info.IndexId }, cancellationToken).ConfigureAwait(false);
        string? offset = null;
        do
        {
            var page = await source.ListAsync(PageSize, offset, withVectors: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            await copy.UpsertAsync(page.Points, cancellationToken).ConfigureAwait(false);
            offset = page.NextOffset;
        }
        while (offset is not null);
        var copied = await copy.CountAsync(null, cancellationToken).ConfigureAwait(false);
        if (copied != info.Faces)
            throw Conflict($"copying '{from}' to '{to}' gave {copied} faces of {info.Faces}; the source changed meanwhile: run migrate again");
    }

    private sealed class CopyState
    {
        public long Written;
        public long AlreadyDone = -1;
        public long Removed;
        public long NotFoundAgain;
        public readonly ConcurrentBag<string> Missing = [];
        public readonly ConcurrentBag<string> Changed = [];
        public readonly ConcurrentBag<string> Unreadable = [];
        /// <summary>Faces this run gave up on (photo gone, changed, unreadable, face not found): not retried by later passes.</summary>
        public readonly ConcurrentDictionary<Guid, bool> LeftOut = new();
    }

    /// <summary>One pass: every source face not yet in the target (nor given up) is re-embedded and written; faces gone from the source leave the target. Returns faces written.</summary>
    private async Task<long> CopyPassAsync(IFaceIndex source, IFaceIndex target, IFaceReembedder embedder, CopyState state, IProgress<MigrationProgress>? progress, bool first, CancellationToken cancellationToken)
    {
        var done = await ListIdsAsync(target, cancellationToken).ConfigureAwait(false);
        var all = await ListIdsAsync(source, cancellationToken).ConfigureAwait(false);
        if (state.AlreadyDone < 0) state.AlreadyDone = done.Keys.Count(all.ContainsKey);
        var gone = done.Keys.Where(id => !all.ContainsKey(id)).ToList();
        if (gone.Count > 0)
        {
            await target.DeleteAsync(gone, cancellationToken).ConfigureAwait(false);
            state.Removed += gone.Count;
        }

        // Photo by photo, so that a photo is read and decoded once for all its faces.
        var photos = all.Where(p => !done.ContainsKey(p.Key) && !state.LeftOut.ContainsKey(p.Key))
            .GroupBy(p => p.Value, p => p.Key, StringComparer.Ordinal).Select(g => (Path: g.Key, Ids: g.ToList())).ToList();
        if (photos.Count == 0) return 0;
        if (!first) log?.Invoke($"catching up: {photos.Count} photo(s) written to the source during the migration");

        long written = 0;
        int photosDone = 0, failed = 0;
        var batch = new List<(string Path, List<Guid> Ids)>();
        var batchFaces = 0;
        async Task FlushAsync()
        {
            if (batch.Count == 0) return;
            var points = new ConcurrentBag<FacePoint>();
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism > 0 ? _options.Parallelism : Environment.ProcessorCount, CancellationToken = cancellationToken },
                async (photo, ct) =>
                {
                    var stored = await source.GetAsync(photo.Ids, cancellationToken: ct).ConfigureAwait(false);
                    if (!await ReembedAsync(photo.Path, stored, embedder, state, points, ct).ConfigureAwait(false)) Interlocked.Increment(ref failed);
                }).ConfigureAwait(false);
            // One write per batch: after a kill the new collection holds whole batches, and a rerun skips them.
            await target.UpsertAsync([.. points], cancellationToken).ConfigureAwait(false);
            written += points.Count;
            photosDone += batch.Count;
            progress?.Report(new MigrationProgress(photos.Count, photosDone, state.Written + written, failed));
            batch.Clear();
            batchFaces = 0;
        }

        progress?.Report(new MigrationProgress(photos.Count, 0, state.Written, 0));
        foreach (var photo in photos)
        {
            batch.Add(photo);
            batchFaces += photo.Ids.Count;
            if (batchFaces >= _options.BatchSize) await FlushAsync().ConfigureAwait(false);
        }
        await FlushAsync().ConfigureAwait(false);
        state.Written += written;
        return written;
    }

    /// <summary>Re-embeds one photo's stored faces into <paramref name="points"/>; false when the photo could not be used.</summary>
    private async Task<bool> ReembedAsync(string path, IReadOnlyList<FacePoint> stored, IFaceReembedder embedder, CopyState state, ConcurrentBag<FacePoint> points, CancellationToken cancellationToken)
    {
        if (stored.Count == 0) return true; // deleted from the source meanwhile
        void LeaveOut(IEnumerable<FacePoint> faces) { foreach (var f in faces) state.LeftOut[f.Id] = true; }
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                state.Missing.Add(path);
                LeaveOut(stored);
                return false;
            }
            if (info.Length > _options.MaxFileBytes)
            {
                state.Unreadable.Add($"{path}: {info.Length} bytes, above the {_options.MaxFileBytes}-byte limit");
                LeaveOut(stored);
                return false;
            }
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            state.Unreadable.Add($"{path}: {ex.Message}");
            LeaveOut(stored);
            return false;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        // Faces of one path may come from different contents only if the photo changed between ingests; each is checked.
        var same = stored.Where(f => f.Payload.ImageHash == hash).ToList();
        if (same.Count < stored.Count)
        {
            state.Changed.Add(path);
            LeaveOut(stored.Where(f => f.Payload.ImageHash != hash));
            if (same.Count == 0) return false;
        }

        IReadOnlyList<float[]?> vectors;
        try
        {
            vectors = await embedder.EmbedAsync(path, bytes, [.. same.Select(f => f.Payload)], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // One broken photo never stops the run.
            state.Unreadable.Add($"{path}: {ex.Message}");
            LeaveOut(same);
            return false;
        }

        for (var i = 0; i < same.Count; i++)
        {
            if (vectors[i] is not { } vector)
            {
                Interlocked.Increment(ref state.NotFoundAgain);
                LeaveOut([same[i]]);
                continue;
            }
            points.Add(same[i] with { Payload = same[i].Payload with { ModelId = embedder.ModelId }, Vector = vector });
        }
        return true;
    }

    /// <summary>Every face id of a collection with its photo path (no vectors).</summary>
    private static async Task<Dictionary<Guid, string>> ListIdsAsync(IFaceIndex index, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<Guid, string>();
        string? offset = null;
        do
        {
            var page = await index.ListAsync(PageSize, offset, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var point in page.Points) ids[point.Id] = point.Payload.ImagePath;
            offset = page.NextOffset;
        }
        while (offset is not null);
        return ids;
    }

    private static FaceVectorException Conflict(string message) =>
        new(new FaceVectorError(ErrorCode.FailedPrecondition, "MIGRATION_CONFLICT", message));
}
