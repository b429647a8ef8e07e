using System.Diagnostics;
using System.Globalization;
using FaceVector.Core.Detection;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Evaluation;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.Ingestion;
using FaceVector.People;
using FaceVector.People.Clustering;
using FaceVector.People.Storage;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;

namespace FaceVector.Cli.Eval;

/// <summary>What to measure in <c>eval --clusters</c>.</summary>
internal sealed record ClusterEvalOptions(ClusteringMethod Method, int Neighbours, float? Threshold, bool Incremental);

/// <summary>Scores of one clustering of the labelled faces.</summary>
internal sealed record ClusterEvalRun(string Name, ClusterScores Scores, int People, double Seconds, IReadOnlyList<long>? NamesLost = null, int? NamedPeople = null);

/// <summary>
/// <c>facevector eval --clusters DIR</c>: indexes a labelled folder (DIR/&lt;identity&gt;/&lt;photo&gt;; folders starting
/// with <c>_</c> are unlabelled), groups its faces into people with the same code and defaults as
/// <c>facevector people cluster</c>, and scores the grouping. One face per photo is labelled: the face whose box centre
/// is nearest the photo's centre; other faces in a photo are clustered but not scored. A labelled photo where no face
/// was indexed counts as an unassigned face. With <c>--incremental</c> it also clusters the first half of the photos,
/// names every person after its majority label (as a user would), adds the second half incrementally, and reports the
/// scores and any name that did not survive, then re-clusters fully and reports again.
/// </summary>
internal static class ClusterEval
{
    public static async Task<(List<ClusterEvalRun> Runs, string Model, float Threshold, int Photos, int Faces)> RunAsync(
        FaceAnalyzerOptions analyzerOptions, string root, string? dbPath, int parallelism, ClusterEvalOptions options, CancellationToken ct)
    {
        root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var scratch = Path.Combine(Path.GetTempPath(), $"facevector-clusters-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            var sourceDb = dbPath is null ? Path.Combine(scratch, "source.db") : Path.GetFullPath(dbPath);
            await IndexAsync(analyzerOptions, root, sourceDb, parallelism, ct);
            List<FacePoint> points;
            CollectionInfo info;
            await using (var source = new SqliteFaceIndex(sourceDb))
            {
                info = await source.GetCollectionAsync(ct) ?? throw new Commands.CliException($"eval --clusters: no faces were indexed from {root}");
                points = await ListAsync(source, new FaceFilter { ImagePathPrefix = root }, ct);
            }

            var photos = LabelledPhotos(root);
            var labelled = LabelledFaces(photos, points);
            var threshold = options.Threshold ?? ModelCatalog.RecommendedThresholdForModelId(info.ModelId);
            var peopleOptions = new PeopleOptions
            {
                LinkThreshold = threshold,
                MinFaceSize = QualityGates.DefaultMinFaceSize,
                Neighbours = options.Neighbours,
                Method = options.Method,
            };
            var spec = new CollectionSpec(info.VectorSize, info.ModelId);
            var runs = new List<ClusterEvalRun>();

            // Full clustering of everything.
            await using (var full = new Scratch(Path.Combine(scratch, "full.db"), spec, peopleOptions))
            {
                await full.Index.UpsertAsync(points, ct);
                var clock = Stopwatch.StartNew();
                await full.People.ClusterAsync(full: true, ct);
                runs.Add(new ClusterEvalRun("full", Score(photos, labelled, full.Store), full.Store.Persons().Count, clock.Elapsed.TotalSeconds));
            }

            if (options.Incremental)
            {
                // Halves: every other photo in path order, so both halves hold most identities.
                var ordered = photos.Keys.Order(StringComparer.Ordinal).ToList();
                var firstHalf = ordered.Where((_, i) => i % 2 == 0).ToHashSet(StringComparer.Ordinal);
                await using var inc = new Scratch(Path.Combine(scratch, "incremental.db"), spec, peopleOptions);
                await inc.Index.UpsertAsync([.. points.Where(p => !photos.ContainsKey(p.Payload.ImagePath) || firstHalf.Contains(p.Payload.ImagePath))], ct);
                var clock = Stopwatch.StartNew();
                await inc.People.ClusterAsync(full: true, ct);
                var firstSeconds = clock.Elapsed.TotalSeconds;
                var named = NameByMajority(photos, labelled, inc.Store);
                await inc.Index.UpsertAsync([.. points.Where(p => photos.ContainsKey(p.Payload.ImagePath) && !firstHalf.Contains(p.Payload.ImagePath))], ct);
                clock.Restart();
                var report = await inc.People.ClusterAsync(full: false, ct);
                runs.Add(new ClusterEvalRun($"half full ({firstSeconds:0.00} s) + half incremental", Score(photos, labelled, inc.Store), inc.Store.Persons().Count, clock.Elapsed.TotalSeconds, report.NamesLost, named));
                clock.Restart();
                report = await inc.People.ClusterAsync(full: true, ct);
                runs.Add(new ClusterEvalRun("then full re-cluster", Score(photos, labelled, inc.Store), inc.Store.Persons().Count, clock.Elapsed.TotalSeconds, report.NamesLost, named));
            }

            return (runs, info.ModelId, threshold, photos.Count, points.Count);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>An embedded index and its people in one scratch file.</summary>
    private sealed class Scratch : IAsyncDisposable
    {
        public Scratch(string path, CollectionSpec spec, PeopleOptions options)
        {
            Index = new SqliteFaceIndex(path);
            Index.EnsureCollectionAsync(spec).GetAwaiter().GetResult();
            Store = new PeopleStore(path, Index.Collection);
            People = new PeopleService(Index, Store, options);
        }

        public SqliteFaceIndex Index { get; }
        public PeopleStore Store { get; }
        public PeopleService People { get; }

        public async ValueTask DisposeAsync()
        {
            Store.Dispose();
            await Index.DisposeAsync();
        }
    }

    /// <summary>Photo path → identity (first sub-folder), for photos in labelled folders.</summary>
    private static Dictionary<string, string> LabelledPhotos(string root)
    {
        var photos = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in Directory.EnumerateDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('_')))
        {
            foreach (var file in ImageFileEnumerator.Enumerate(folder)) photos[Path.GetFullPath(file)] = Path.GetFileName(folder);
        }
        return photos;
    }

    /// <summary>Photo path → the id of its labelled face (nearest the photo's centre).</summary>
    private static Dictionary<string, Guid> LabelledFaces(Dictionary<string, string> photos, List<FacePoint> points)
    {
        var result = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var group in points.Where(p => photos.ContainsKey(p.Payload.ImagePath)).GroupBy(p => p.Payload.ImagePath))
        {
            var (width, height) = UprightSize(group.Key);
            result[group.Key] = group.MinBy(p =>
            {
                var b = p.Payload.Box;
                float dx = ((b.X1 + b.X2) / 2) - (width / 2f), dy = ((b.Y1 + b.Y2) / 2) - (height / 2f);
                return (dx * dx) + (dy * dy);
            })!.Id;
        }
        return result;
    }

    /// <summary>Width and height as the boxes see the photo: after its EXIF orientation.</summary>
    private static (int Width, int Height) UprightSize(string path)
    {
        var info = Image.Identify(path);
        var orientation = info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value ?? 1;
        return orientation is >= 5 and <= 8 ? (info.Height, info.Width) : (info.Width, info.Height);
    }

    private static ClusterScores Score(Dictionary<string, string> photos, Dictionary<string, Guid> labelled, PeopleStore store)
    {
        var faces = store.Faces();
        var items = photos.Select(kv => (Label: kv.Value, Cluster: labelled.TryGetValue(kv.Key, out var face) && faces.TryGetValue(face, out var state) ? state.PersonId : null)).ToList();
        return ClusterMetrics.Score<string, long>(items);
    }

    /// <summary>Names every person after the label most of its labelled faces carry; returns how many were named.</summary>
    private static int NameByMajority(Dictionary<string, string> photos, Dictionary<string, Guid> labelled, PeopleStore store)
    {
        var faces = store.Faces();
        var labelOf = labelled.ToDictionary(kv => kv.Value, kv => photos[kv.Key]);
        var names = faces.Values.Where(f => f.PersonId is not null && labelOf.ContainsKey(f.FaceId))
            .GroupBy(f => f.PersonId!.Value)
            .Select(g => (Person: g.Key, Name: g.GroupBy(f => labelOf[f.FaceId]).OrderByDescending(x => x.Count()).ThenBy(x => x.Key, StringComparer.Ordinal).First().Key))
            .ToList();
        store.Write(w => { foreach (var (person, name) in names) w.SetName(person, name); });
        return names.Count;
    }

    private static async Task<List<FacePoint>> ListAsync(IFaceIndex index, FaceFilter filter, CancellationToken ct)
    {
        var points = new List<FacePoint>();
        await foreach (FacePoint point in index.ScanAsync(filter: filter, withVectors: true, cancellationToken: ct))
        {
            points.Add(point);
        }

        return points;
    }

    /// <summary>Indexes the folder like <c>facevector index</c> (unchanged photos of an existing store are skipped).</summary>
    private static async Task IndexAsync(FaceAnalyzerOptions analyzerOptions, string root, string dbPath, int parallelism, CancellationToken ct)
    {
        using FaceAnalyzer analyzer = Commands.CliErrors.CreateAnalyzer(analyzerOptions with { MinFaceSize = 0 });
        await using var index = new SqliteFaceIndex(dbPath);
        using var journal = new IngestJournal(IngestJournal.DefaultPathFor(new FaceIndexOptions { DbPath = dbPath }));
        var pipeline = new IngestPipeline(new LocalImageEmbedder(analyzer), index, journal, new IngestOptions { Parallelism = parallelism }, log: m => Console.Error.WriteLine(m));
        var summary = await pipeline.RunAsync(new IngestSource { Folders = [root] }, null, ct);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"indexed {root}: {summary.Files} files, {summary.Embedded} embedded, {summary.Unchanged} unchanged, {summary.FacesIndexed} faces ({summary.Elapsed.TotalSeconds:0.0} s)"));
    }
}
