using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FaceVector.Core.Pipeline;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.Ingestion;

namespace FaceVector.Benchmarks;

/// <summary>What <see cref="PrefilledIngestBenchmark"/> measures.</summary>
public sealed record PrefilledIngestOptions
{
    /// <summary>Synthetic faces (random unit vectors, two per image) in the store before anything is ingested.</summary>
    public int PrefillFaces { get; init; } = 200_000;

    /// <summary>Files per writer measurement: the real photos' precomputed faces, repeated under distinct paths.</summary>
    public int WriterFiles { get; init; } = 640;

    /// <summary>Files per index write, as <see cref="IngestOptions.BatchFiles"/>.</summary>
    public int BatchFiles { get; init; } = new IngestOptions().BatchFiles;

    /// <summary>Also run the whole ingest pipeline (decode, detect, embed, write) over the real photos with each writer.</summary>
    public bool Pipeline { get; init; } = true;
}

/// <summary>One writer over one set of files: files and faces per second.</summary>
public sealed record WriterRun(string Name, int Files, long Faces, TimeSpan Elapsed)
{
    public double FilesPerSecond => Files / Elapsed.TotalSeconds;
}

/// <summary>The same files written by today's batched replace and by the old per-file delete-then-upsert, each into its own copy of the pre-filled store.</summary>
public sealed record WriterComparison(string Scenario, string Input, WriterRun Baseline, WriterRun Batched)
{
    /// <summary>How many times more files per second the batched replace writes.</summary>
    public double Ratio => Batched.FilesPerSecond / Baseline.FilesPerSecond;
}

public sealed record PrefilledIngestResult(int PrefillFaces, TimeSpan PrefillTime, int BatchFiles, IReadOnlyList<WriterComparison> Comparisons)
{
    /// <summary>A plain-text table for the CLI and for reports.</summary>
    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"into an embedded store pre-filled with {PrefillFaces:N0} synthetic faces (random unit vectors; filled in {PrefillTime.TotalSeconds:0.0} s), {BatchFiles} files per write batch");
        text.AppendLine(c, $"{"scenario",-26} {"writer",-44} {"files",6} {"faces",6} {"wall s",7} {"files/s",9} {"x base",7}");
        foreach (WriterComparison comparison in Comparisons)
        {
            foreach (WriterRun run in new[] { comparison.Baseline, comparison.Batched })
            {
                text.AppendLine(c, $"{comparison.Scenario,-26} {run.Name,-44} {run.Files,6} {run.Faces,6} {run.Elapsed.TotalSeconds,7:0.00} {run.FilesPerSecond,9:0.0} {run.FilesPerSecond / comparison.Baseline.FilesPerSecond,7:0.00}");
            }
        }

        text.AppendLine("inputs:");
        foreach (IGrouping<string, WriterComparison> input in Comparisons.GroupBy(x => x.Input))
        {
            text.AppendLine(c, $"  {string.Join(", ", input.Select(x => x.Scenario))}: {input.Key}");
        }

        return text.ToString();
    }
}

/// <summary>
/// Ingest into a store that already holds many faces: the batched <see cref="IFaceIndex.ReplaceImagesAsync"/> (one
/// transaction per batch, no delete for new files) against the BASELINE <see cref="PerFileDeleteIndex"/> (a delete by
/// path per file, then upserts), measured in the same run, each into its own copy of the same pre-filled store file.
/// The writer alone runs on precomputed faces of real photos (so model time does not hide it); the whole pipeline runs
/// on the real photos.
/// </summary>
public static class PrefilledIngestBenchmark
{
    private const string Collection = "faces";

    public static async Task<PrefilledIngestResult> RunAsync(FaceAnalyzer analyzer, string folder, string workDirectory, PrefilledIngestOptions options,
        Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WriterFiles, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchFiles, 1);
        Directory.CreateDirectory(workDirectory);
        var source = new IngestSource { Folders = [folder] };
        IReadOnlyList<string> files = source.Files();

        log?.Invoke($"embedding {files.Count} photos once (not timed), for the writer runs");
        var photos = new List<ImageFaces>();
        await foreach (ImageResult r in new BatchAnalyzer(analyzer).AnalyzeAsync(files, cancellationToken: ct).ConfigureAwait(false))
        {
            if (r.Faces is { } f)
            {
                photos.Add(f);
            }
        }

        if (photos.Count == 0)
        {
            throw new ArgumentException($"{folder}: no readable photos to ingest");
        }

        string input = $"precomputed faces of {photos.Count} real photos in {folder}, repeated under distinct paths (writer alone, no model time)";
        var comparisons = new List<WriterComparison>();
        (string prefilled, TimeSpan prefillTime) = await PrefillAsync(workDirectory, analyzer.EmbeddingDimension, analyzer.ModelId, options.PrefillFaces, log, ct).ConfigureAwait(false);

        DateTimeOffset now = DateTimeOffset.UtcNow;
        List<ImageReplacement> fresh = Replicate(photos, options.WriterFiles, analyzer.ModelId, now, version: "v1");
        List<ImageReplacement> changed = Replicate(photos, options.WriterFiles, analyzer.ModelId, now, version: "v2");
        await using (SqliteFaceIndex baselineStore = await OpenCopyAsync(prefilled, workDirectory, "baseline.db", ct).ConfigureAwait(false))
        await using (SqliteFaceIndex batchedStore = await OpenCopyAsync(prefilled, workDirectory, "batched.db", ct).ConfigureAwait(false))
        {
            var baseline = new PerFileDeleteIndex(baselineStore);
            // Not timed: the first write into a loaded store grows its in-memory table once; that is no per-file cost.
            List<ImageReplacement> warmUp = Replicate(photos, options.BatchFiles, analyzer.ModelId, now, version: "warm-up");
            warmUp = [.. warmUp.Select(i => i with { ImagePath = "/warm-up" + i.ImagePath, Faces = [.. i.Faces.Select(f => f with { Payload = f.Payload with { ImagePath = "/warm-up" + i.ImagePath } })] })];
            await baselineStore.ReplaceImagesAsync(warmUp, ct).ConfigureAwait(false);
            await batchedStore.ReplaceImagesAsync(warmUp, ct).ConfigureAwait(false);

            const string OldWriter = "baseline: per-file delete by path, then upsert";
            log?.Invoke($"writer: {fresh.Count} new files, per-file delete + upsert (baseline) and batched replace, interleaved");
            comparisons.Add(await CompareAsync("writer, new files", input, OldWriter, baseline, fresh, "batched replace (new files: upsert only)", batchedStore,
                [.. fresh.Select(i => i with { NewImage = true })], options.BatchFiles, ct).ConfigureAwait(false));
            log?.Invoke($"writer: {changed.Count} changed files, per-file delete + upsert (baseline) and batched replace, interleaved");
            comparisons.Add(await CompareAsync("writer, changed files", input, OldWriter, baseline, changed, "batched replace (one transaction per batch)", batchedStore,
                changed, options.BatchFiles, ct).ConfigureAwait(false));

            if (options.Pipeline)
            {
                // Both stores now hold the same faces; the real photos are new to both journals.
                string pipelineInput = $"{files.Count} real photos in {folder}: decoded, detected and embedded ({Environment.ProcessorCount} in flight), then written";
                var ingestOptions = new IngestOptions { BatchFiles = options.BatchFiles };
                log?.Invoke($"pipeline: {files.Count} photos, per-file delete + upsert (baseline)");
                WriterRun oldPipeline = await IngestAsync("baseline: per-file delete by path, then upsert", analyzer, baseline, source, Path.Combine(workDirectory, "baseline.journal"), ingestOptions, ct).ConfigureAwait(false);
                log?.Invoke($"pipeline: {files.Count} photos, batched replace");
                WriterRun newPipeline = await IngestAsync("batched replace (new files: upsert only)", analyzer, batchedStore, source, Path.Combine(workDirectory, "batched.journal"), ingestOptions, ct).ConfigureAwait(false);
                comparisons.Add(new WriterComparison("whole ingest, new files", pipelineInput, oldPipeline, newPipeline));
            }
        }

        return new PrefilledIngestResult(options.PrefillFaces, prefillTime, options.BatchFiles, comparisons);
    }

    /// <summary>
    /// Both writers over the same files, in interleaved rounds (a slice with one, the same slice with the other, the
    /// order alternating), so that a change in machine load during the run falls on both alike.
    /// </summary>
    private static async Task<WriterComparison> CompareAsync(string scenario, string input, string baselineName, IFaceIndex baseline, IReadOnlyList<ImageReplacement> baselineImages,
        string batchedName, IFaceIndex batched, IReadOnlyList<ImageReplacement> batchedImages, int batchFiles, CancellationToken ct)
    {
        const int Rounds = 4;
        int slice = (baselineImages.Count + Rounds - 1) / Rounds;
        WriterRun oldRun = new(baselineName, 0, 0, TimeSpan.Zero), newRun = new(batchedName, 0, 0, TimeSpan.Zero);
        for (int round = 0; round * slice < baselineImages.Count; round++)
        {
            IReadOnlyList<ImageReplacement> oldSlice = [.. baselineImages.Skip(round * slice).Take(slice)], newSlice = [.. batchedImages.Skip(round * slice).Take(slice)];
            if (round % 2 == 0)
            {
                oldRun = Add(oldRun, await WriteAsync(baselineName, baseline, oldSlice, batchFiles, ct).ConfigureAwait(false));
                newRun = Add(newRun, await WriteAsync(batchedName, batched, newSlice, batchFiles, ct).ConfigureAwait(false));
            }
            else
            {
                newRun = Add(newRun, await WriteAsync(batchedName, batched, newSlice, batchFiles, ct).ConfigureAwait(false));
                oldRun = Add(oldRun, await WriteAsync(baselineName, baseline, oldSlice, batchFiles, ct).ConfigureAwait(false));
            }
        }

        return new WriterComparison(scenario, input, oldRun, newRun);

        static WriterRun Add(WriterRun total, WriterRun part) => total with { Files = total.Files + part.Files, Faces = total.Faces + part.Faces, Elapsed = total.Elapsed + part.Elapsed };
    }

    /// <summary>Writes <paramref name="images"/> in batches through <see cref="IFaceIndex.ReplaceImagesAsync"/>, as the ingest writer does.</summary>
    internal static async Task<WriterRun> WriteAsync(string name, IFaceIndex index, IReadOnlyList<ImageReplacement> images, int batchFiles, CancellationToken ct)
    {
        long t0 = Stopwatch.GetTimestamp();
        foreach (ImageReplacement[] batch in images.Chunk(batchFiles))
        {
            await index.ReplaceImagesAsync(batch, ct).ConfigureAwait(false);
        }

        return new WriterRun(name, images.Count, images.Sum(i => (long)i.Faces.Count), Stopwatch.GetElapsedTime(t0));
    }

    /// <summary>The photos' faces as <paramref name="count"/> files under distinct paths; each version has its own content hash, so its own point ids.</summary>
    internal static List<ImageReplacement> Replicate(IReadOnlyList<ImageFaces> photos, int count, string modelId, DateTimeOffset now, string version) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            ImageFaces photo = photos[i % photos.Count];
            string path = $"/bench/{i / photos.Count:D4}/{Path.GetFileName(photo.Path)}";
            string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{photo.Sha256}\n{version}")));
            return new ImageReplacement(path, [.. photo.Faces.Select(face => FacePoints.From(path, hash, face, modelId, now))]);
        })];

    /// <summary>A store file holding <paramref name="faces"/> synthetic faces, two per image, made once and copied for each writer.</summary>
    internal static async Task<(string Path, TimeSpan Elapsed)> PrefillAsync(string workDirectory, int dimension, string modelId, int faces, Action<string>? log, CancellationToken ct)
    {
        string path = Path.Combine(workDirectory, "prefilled.db");
        log?.Invoke($"pre-filling a store with {faces:N0} synthetic faces");
        long t0 = Stopwatch.GetTimestamp();
        await using (var index = new SqliteFaceIndex(new SqliteIndexOptions(path, Collection)))
        {
            await index.EnsureCollectionAsync(new CollectionSpec(dimension, modelId), ct).ConfigureAwait(false);
            var random = new Random(42);
            var ingestedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            for (int start = 0; start < faces; start += 10_000)
            {
                var chunk = new List<FacePoint>();
                for (int i = start; i < Math.Min(faces, start + 10_000); i++)
                {
                    string image = $"/prefill/{i / 2_000:D4}/{i / 2:D7}.jpg";
                    string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image)));
                    var vector = new float[dimension];
                    for (int d = 0; d < dimension; d++)
                    {
                        vector[d] = (float)(random.NextDouble() * 2 - 1);
                    }

                    chunk.Add(new FacePoint(FacePointId.For(image, hash, i % 2, modelId), new FacePayload
                    {
                        ImagePath = image,
                        ImageHash = hash,
                        FaceIndex = i % 2,
                        Box = new FaceBox(10, 10, 110, 130),
                        DetectionScore = 0.8f,
                        Keypoints = [40, 50, 80, 50, 60, 70, 45, 95, 75, 95],
                        ModelId = modelId,
                        IngestedAt = ingestedAt,
                    }, vector));
                }

                await index.UpsertAsync(chunk, ct).ConfigureAwait(false);
            }
        }

        return (path, Stopwatch.GetElapsedTime(t0));
    }

    /// <summary>A copy of the pre-filled store file, opened and loaded into memory (not timed).</summary>
    internal static async Task<SqliteFaceIndex> OpenCopyAsync(string prefilled, string workDirectory, string name, CancellationToken ct)
    {
        string path = Path.Combine(workDirectory, name);
        File.Copy(prefilled, path, overwrite: true); // the closed store has checkpointed its WAL into the main file
        var index = new SqliteFaceIndex(new SqliteIndexOptions(path, Collection));
        await index.CountAsync(cancellationToken: ct).ConfigureAwait(false);
        return index;
    }

    private static async Task<WriterRun> IngestAsync(string name, FaceAnalyzer analyzer, IFaceIndex index, IngestSource source, string journalPath, IngestOptions options, CancellationToken ct)
    {
        using var journal = new IngestJournal(journalPath);
        var pipeline = new IngestPipeline(new LocalImageEmbedder(analyzer), index, journal, options);
        IngestSummary summary = await pipeline.RunAsync(source, cancellationToken: ct).ConfigureAwait(false);
        return new WriterRun(name, summary.Files, summary.FacesIndexed, summary.Elapsed);
    }
}
