using System.Security.Cryptography;
using FaceVector.Core.Pipeline;
using FaceVector.Index;

namespace FaceVector.Ingestion.Tests;

public sealed class IngestPipelineTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    private static readonly QualityGates Gates = new();

    [Fact]
    public async Task Indexes_every_good_face_reports_every_bad_file_and_a_second_run_does_no_inference()
    {
        await using var store = new TempStore();
        var embedder = new CountingEmbedder(new LocalImageEmbedder(fixture.Analyzer));
        var source = new IngestSource { Folders = [TestData.FacesDev, TestData.Awkward] };
        IngestSummary first = await new IngestPipeline(embedder, store.Index, store.Journal).RunAsync(source);

        // Expected: what the analyzer finds in each decodable file, minus the faces the gates refuse.
        var expected = new SortedSet<(string, int, string)>();
        var refused = new SortedSet<(string, int, string)>();
        var batch = new BatchAnalyzer(fixture.Analyzer);
        foreach (string file in source.Files())
        {
            ImageResult r = batch.AnalyzeOne(file);
            foreach (Face f in r.Faces?.Faces ?? [])
            {
                if (Gates.Check(f) is { } reason)
                {
                    refused.Add((file, f.Index, reason));
                }
                else
                {
                    expected.Add((file, f.Index, r.Faces!.Sha256));
                }
            }
        }

        Assert.Equal(expected, await store.FacesAsync());
        Assert.Equal(expected.Count, first.FacesIndexed);
        var failures = store.Journal.Failures().Where(f => f.Path.StartsWith(TestData.Awkward, StringComparison.Ordinal)).ToDictionary(f => Path.GetFileName(f.Path), f => f.Reason!);
        Assert.Contains("empty file", failures["zero_bytes.jpg"]);
        Assert.Contains("not an image", failures["text_renamed.jpg"]);
        Assert.Contains("too large", failures["huge_8000x8000.png"]);
        // Every face the gates refuse is reported with its reason (the detector, fed tiny_20x20.png at its own size,
        // finds no face there any more; gate reasons themselves are covered below with stricter gates).
        Assert.Equal(refused, new SortedSet<(string, int, string)>(store.Journal.SkippedFaces().Select(s => (s.Path, s.FaceIndex, s.Reason))));

        int callsAfterFirst = embedder.Calls;
        IngestSummary second = await new IngestPipeline(embedder, store.Index, store.Journal).RunAsync(source);
        Assert.Equal(callsAfterFirst, embedder.Calls);
        Assert.Equal(0, second.Embedded);
        Assert.Equal(first.Files, second.Unchanged);
        Assert.Equal(expected, await store.FacesAsync());
    }

    [Fact]
    public async Task A_failing_after_batch_step_is_logged_and_counted_and_loses_no_face()
    {
        await using var store = new TempStore();
        string photos = Path.Combine(store.Folder, "photos");
        CopyIdentity("barack_obama", photos);
        CopyIdentity("kit_harington", photos);
        var hook = new FailingHook();
        var log = new List<string>();
        var source = new IngestSource { Folders = [photos] };
        IngestSummary summary = await new IngestPipeline(new LocalImageEmbedder(fixture.Analyzer), store.Index, store.Journal, new IngestOptions { BatchFiles = 4 },
            log: log.Add, afterBatch: hook).RunAsync(source);

        // Every face is indexed and journalled although every batch's hook failed.
        Assert.Equal(summary.FacesIndexed, (await store.FacesAsync()).Count);
        Assert.True(summary.FacesIndexed > 0);
        Assert.Equal(hook.Calls, summary.HookFailures);
        Assert.True(hook.Calls >= 2, $"{hook.Calls} batches");
        Assert.Equal(summary.FacesIndexed, hook.Faces);
        Assert.Contains(log, l => l.StartsWith("failing: ", StringComparison.Ordinal) && l.Contains("people store is locked", StringComparison.Ordinal));
        Assert.Equal(0, (await new IngestPipeline(new LocalImageEmbedder(fixture.Analyzer), store.Index, store.Journal).RunAsync(source)).Embedded);
    }

    private sealed class FailingHook : IIngestBatchHook
    {
        public int Calls { get; private set; }

        public int Faces { get; private set; }

        public string Name => "failing";

        public Task CommittedAsync(IReadOnlyList<Guid> faceIds, CancellationToken cancellationToken)
        {
            Calls++;
            Faces += faceIds.Count;
            throw new IOException("people store is locked");
        }
    }

    [Fact]
    public async Task Sync_makes_the_index_match_the_folder_after_changes_and_deletions()
    {
        await using var store = new TempStore();
        string photos = Path.Combine(store.Folder, "photos");
        CopyIdentity("barack_obama", photos);
        CopyIdentity("kit_harington", photos);
        var embedder = new CountingEmbedder(new LocalImageEmbedder(fixture.Analyzer));
        var source = new IngestSource { Folders = [photos] };
        await new IngestPipeline(embedder, store.Index, store.Journal).RunAsync(source);

        string[] files = [.. Directory.EnumerateFiles(photos, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        File.Delete(files[0]);                                                             // deleted
        File.Copy(TestData.FacesDevFile("_groups/kit_with_rose.jpg"), files[1], overwrite: true); // changed: now two faces
        File.Copy(TestData.FacesDevFile("rose_leslie/img2.jpg"), Path.Combine(photos, "new.jpg"));     // added
        File.SetLastWriteTimeUtc(files[2], DateTime.UtcNow.AddMinutes(1));                 // touched, same content

        int before = embedder.Calls;
        IngestSummary summary = await new IngestPipeline(embedder, store.Index, store.Journal, new IngestOptions { Sync = true }).RunAsync(source);
        Assert.Equal(2, embedder.Calls - before); // the changed and the new file only
        Assert.Equal(1, summary.Removed);
        Assert.Equal(1, summary.Touched);

        var expected = new SortedSet<(string, int, string)>();
        foreach (string file in Directory.EnumerateFiles(photos, "*", SearchOption.AllDirectories))
        {
            ImageFaces faces = fixture.Analyzer.Analyze(file);
            foreach (Face f in faces.Faces.Where(f => Gates.Check(f) is null))
            {
                expected.Add((file, f.Index, faces.Sha256));
            }
        }

        Assert.Equal(expected, await store.FacesAsync());
        Assert.DoesNotContain(await store.FacesAsync(), f => f.Path == files[0]);
    }

    [Fact]
    public async Task A_flaky_index_and_embedder_are_retried_and_nothing_is_lost()
    {
        await using var store = new TempStore();
        var flakyIndex = new FlakyIndex(store.Index, failFirst: 3);
        var flakyEmbedder = new FlakyEmbedder(new LocalImageEmbedder(fixture.Analyzer), failFirst: 2);
        var messages = new List<string>();
        var pipeline = new IngestPipeline(flakyEmbedder, flakyIndex, store.Journal, log: m => { lock (messages) { messages.Add(m); } });
        var source = new IngestSource { Folders = [Path.Combine(TestData.FacesDev, "barack_obama")] };
        IngestSummary summary = await pipeline.RunAsync(source);
        Assert.Equal(5, summary.Embedded);
        Assert.Equal(0, summary.Failed);
        Assert.True(flakyIndex.Failures >= 3 && flakyEmbedder.Failures == 2);
        Assert.Contains(messages, m => m.Contains("retrying", StringComparison.Ordinal));
        Assert.Equal(summary.FacesIndexed, await store.Index.CountAsync());
    }

    [Fact]
    public async Task Each_batch_is_one_index_call_and_files_the_journal_never_saw_are_not_deleted_from()
    {
        await using var store = new TempStore();
        string photos = Path.Combine(store.Folder, "photos");
        CopyIdentity("barack_obama", photos);
        CopyIdentity("kit_harington", photos);
        File.WriteAllText(Path.Combine(photos, "broken.jpg"), "not an image");
        var index = new FlakyIndex(store.Index, failFirst: 0);
        var source = new IngestSource { Folders = [photos] };
        var options = new IngestOptions { BatchFiles = 4, Parallelism = 2 };
        IngestSummary first = await new IngestPipeline(new LocalImageEmbedder(fixture.Analyzer), index, store.Journal, options).RunAsync(source);

        // Every indexed file was new: only upserts (NewImage), no delete at all; the broken new file costs no index work.
        Assert.Equal(0, index.Deletes + index.Upserts);
        List<ImageReplacement> written = [.. index.Replaces.SelectMany(r => r)];
        Assert.Equal(first.Embedded, written.Count);
        Assert.All(written, r => Assert.True(r.NewImage, r.ImagePath));
        Assert.DoesNotContain(written, r => r.ImagePath.EndsWith("broken.jpg", StringComparison.Ordinal));
        Assert.All(index.Replaces, r => Assert.InRange(r.Count, 1, options.BatchFiles));
        Assert.Equal(first.FacesIndexed, await store.Index.CountAsync());

        string[] files = [.. Directory.EnumerateFiles(Path.Combine(photos, "barack_obama")).Order(StringComparer.Ordinal)];
        File.Copy(TestData.FacesDevFile("_groups/kit_with_rose.jpg"), files[0], overwrite: true); // changed: known to the journal
        File.WriteAllText(files[1], "now broken too");                                           // known, now unusable: loses its faces
        index.Replaces.Clear();
        await new IngestPipeline(new LocalImageEmbedder(fixture.Analyzer), index, store.Journal, options).RunAsync(source);
        // Only the two known files are written (in one or two batches, as the embeddings arrive), neither as new.
        Dictionary<string, ImageReplacement> second = index.Replaces.SelectMany(r => r).ToDictionary(r => r.ImagePath);
        Assert.Equal(new[] { files[0], files[1] }.Order(StringComparer.Ordinal), second.Keys.Order(StringComparer.Ordinal));
        Assert.All(second.Values, r => Assert.False(r.NewImage, r.ImagePath));
        Assert.Equal(2, second[files[0]].Faces.Count);
        Assert.Empty(second[files[1]].Faces);
        Assert.Equal(0, await store.Index.CountAsync(new FaceFilter { ImagePath = files[1] }));
        Assert.Equal(2, await store.Index.CountAsync(new FaceFilter { ImagePath = files[0] }));
        Assert.Equal(0, index.Deletes + index.Upserts);
    }

    [Fact]
    public async Task Tags_are_stored_with_every_face()
    {
        await using var store = new TempStore();
        var options = new IngestOptions { Tags = new Dictionary<string, string> { ["album"] = "2024" } };
        await new IngestPipeline(new LocalImageEmbedder(fixture.Analyzer), store.Index, store.Journal, options)
            .RunAsync(new IngestSource { Folders = [Path.Combine(TestData.FacesDev, "rose_leslie")] });
        long tagged = await store.Index.CountAsync(new FaceFilter { Tags = new Dictionary<string, string> { ["album"] = "2024" } });
        Assert.True(tagged > 0);
        Assert.Equal(await store.Index.CountAsync(), tagged);
    }

    [Fact]
    public void Globs_and_list_files_choose_the_files()
    {
        var pngOnly = new IngestSource { Folders = [TestData.FacesDev], Include = ["**/*.png"], Exclude = ["_*/**"] };
        IReadOnlyList<string> files = pngOnly.Files();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.EndsWith(".png", f, StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.Contains("/_noface/", StringComparison.Ordinal));

        string list = Path.Combine(Path.GetTempPath(), $"fv-list-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(list, ["# photos", TestData.FacesDevFile("amy/amy1.png"), "", TestData.FacesDevFile("amy/amy2.png")]);
        Assert.Equal(2, new IngestSource { ListFile = list }.Files().Count);
        File.Delete(list);
    }

    private static void CopyIdentity(string identity, string target)
    {
        string dir = Path.Combine(target, identity);
        Directory.CreateDirectory(dir);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(TestData.FacesDev, identity)))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }
    }

    /// <summary>Fails the first N writes as if the server were down, and records every write that got through.</summary>
    private sealed class FlakyIndex(IFaceIndex inner, int failFirst) : IFaceIndex
    {
        private int _failures;

        public int Failures => Math.Min(_failures, failFirst);

        public List<IReadOnlyList<ImageReplacement>> Replaces { get; } = [];

        public int Deletes { get; private set; }

        public int Upserts { get; private set; }

        public string Collection => inner.Collection;

        public Task UpsertAsync(IReadOnlyList<FacePoint> faces, CancellationToken cancellationToken = default)
        {
            Fail();
            Upserts++;
            return inner.UpsertAsync(faces, cancellationToken);
        }

        public Task ReplaceImagesAsync(IReadOnlyList<ImageReplacement> images, CancellationToken cancellationToken = default)
        {
            Fail();
            Replaces.Add([.. images]);
            return inner.ReplaceImagesAsync(images, cancellationToken);
        }

        public Task<CollectionInfo> EnsureCollectionAsync(CollectionSpec spec, CancellationToken cancellationToken = default) => inner.EnsureCollectionAsync(spec, cancellationToken);

        public Task<CollectionInfo?> GetCollectionAsync(CancellationToken cancellationToken = default) => inner.GetCollectionAsync(cancellationToken);

        public Task<IReadOnlyList<FaceMatch>> SearchAsync(FaceQuery query, CancellationToken cancellationToken = default) => inner.SearchAsync(query, cancellationToken);

        public Task<IReadOnlyList<FacePoint>> GetAsync(IReadOnlyList<Guid> ids, bool withVectors = false, CancellationToken cancellationToken = default) => inner.GetAsync(ids, withVectors, cancellationToken);

        public Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default)
        {
            Deletes++;
            return inner.DeleteAsync(ids, cancellationToken);
        }

        public Task<long> DeleteAsync(FaceFilter filter, CancellationToken cancellationToken = default)
        {
            Deletes++;
            return inner.DeleteAsync(filter, cancellationToken);
        }

        public Task<long> CountAsync(FaceFilter? filter = null, CancellationToken cancellationToken = default) => inner.CountAsync(filter, cancellationToken);

        public Task<FacePage> ListAsync(int limit, string? offset = null, FaceFilter? filter = null, bool withVectors = false, CancellationToken cancellationToken = default) =>
            inner.ListAsync(limit, offset, filter, withVectors, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private void Fail()
        {
            if (Interlocked.Increment(ref _failures) <= failFirst)
            {
                throw new TimeoutException("index unavailable (test)");
            }
        }
    }

    /// <summary>Fails the first N embeddings as if the embedding service were unreachable.</summary>
    private sealed class FlakyEmbedder(IImageEmbedder inner, int failFirst) : IImageEmbedder
    {
        private int _calls;

        public int Failures => Math.Min(_calls, failFirst);

        public string ModelId => inner.ModelId;

        public int Dimension => inner.Dimension;

        public Task<ImageFaces> EmbedAsync(byte[] image, string source, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) <= failFirst ? throw new HttpRequestException("embedder unreachable (test)") : inner.EmbedAsync(image, source, cancellationToken);
    }
}

public sealed class QualityGateTests
{
    private static Face FaceWith(float size = 100, float score = 0.9f, float? sharpness = 200, float noseX = 50) =>
        new(0, new Core.Detection.BoundingBox(0, 0, size, size), score, [30, 40, 70, 40, noseX, 60, 35, 80, 65, 80], null) { Sharpness = sharpness };

    [Fact]
    public void Each_gate_names_its_reason()
    {
        var gates = new QualityGates(MinFaceSize: 40, MinDetectionScore: 0.7f, MinSharpness: 30, MaxYawRatio: 0.5f);
        Assert.Null(gates.Check(FaceWith()));
        Assert.Contains("too small", gates.Check(FaceWith(size: 30)));
        Assert.Contains("low detection score", gates.Check(FaceWith(score: 0.6f)));
        Assert.Contains("blurry", gates.Check(FaceWith(sharpness: 10)));
        Assert.Contains("profile", gates.Check(FaceWith(noseX: 75)));
    }

    [Fact]
    public void Optional_gates_are_off_by_default()
    {
        var gates = new QualityGates();
        Assert.Null(gates.Check(FaceWith(score: 0.51f, sharpness: 1, noseX: 90)));
    }
}
