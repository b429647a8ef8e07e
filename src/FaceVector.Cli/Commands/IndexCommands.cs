using System.CommandLine;
using System.Globalization;
using FaceVector.Application.Errors;
using FaceVector.Application.Search;
using FaceVector.Cli.Output;
using FaceVector.Core.Imaging;
using FaceVector.Core.Pipeline;
using FaceVector.Core.Search;
using FaceVector.Index;
using FaceVector.People;
using FaceVector.Ingestion;
using FaceVector.Ingestion.Erasure;

namespace FaceVector.Cli.Commands;

/// <summary><c>index</c>, <c>query</c>, <c>delete</c>, <c>stats</c> and <c>ingest report</c>: the persistent face index.</summary>
internal static class IndexCommands
{
    public static Command BuildIndex()
    {
        var models = new ModelOptions();
        var store = new StoreOptions();
        var folders = new Argument<string[]>("DIR") { Description = "Folders of photos (recursive)", Arity = ArgumentArity.ZeroOrMore };
        var include = new Option<string[]>("--include") { Description = "Glob of files to take, relative to each folder (e.g. **/*.jpg); repeatable" };
        var exclude = new Option<string[]>("--exclude") { Description = "Glob of files to leave out; repeatable" };
        var list = new Option<FileInfo?>("--list") { Description = "A file listing photo paths, one per line" };
        var sync = new Option<bool>("--sync") { Description = "Also remove the faces of files that are no longer in the folders" };
        var tags = new Option<string[]>("--tag") { Description = "Tag every face of this run: key=value; repeatable" };
        var minScore = new Option<float?>("--min-score") { Description = "Skip faces with a lower detection score" };
        var minSharpness = new Option<float?>("--min-sharpness") { Description = "Skip blurry faces: Laplacian variance of the aligned crop below this (e.g. 30)" };
        var maxYaw = new Option<float?>("--max-yaw") { Description = "Skip profile faces: nose offset from the eyes' midpoint above this many eye distances (e.g. 0.5)" };
        var command = new Command("index", "Embed every face under the folders once and keep them in the index (incremental: unchanged files are skipped; resumable after a crash).")
        {
            folders, include, exclude, list, sync, tags, minScore, minSharpness, maxYaw,
        };
        models.AddTo(command);
        store.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var source = new IngestSource
            {
                Folders = parse.GetValue(folders) ?? [],
                Include = parse.GetValue(include) ?? [],
                Exclude = parse.GetValue(exclude) ?? [],
                ListFile = parse.GetValue(list)?.FullName,
            };
            if (Application.Ingest.FolderIngest.Problem(source) is { } problem)
            {
                return CliErrors.Fail($"index: {problem.Replace("a list file", "--list FILE", StringComparison.Ordinal)}");
            }

            var gates = new QualityGates(parse.GetValue(models.MinFace) ?? QualityGates.DefaultMinFaceSize, parse.GetValue(minScore), parse.GetValue(minSharpness), parse.GetValue(maxYaw));
            // The detector keeps small faces so that the gate can report them as skipped rather than drop them silently.
            using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(models.ToAnalyzerOptions(parse) with { MinFaceSize = 0 });
            await using IFaceIndex index = store.OpenIndex(parse);
            var options = new IngestOptions
            {
                Parallelism = parse.GetValue(models.Threads),
                Gates = gates,
                Sync = parse.GetValue(sync),
                Tags = ParseTags(parse.GetValue(tags)),
                MaxFileBytes = new ImageLoaderOptions().MaxFileBytes,
            };
            using var ingest = new Application.Ingest.FolderIngest(new LocalImageEmbedder(analyzer), index, store.JournalPath(parse), options,
                log: m => Console.Error.WriteLine(m), store: store.ToIndexOptions(parse));
            IngestSummary summary;
            using (var bar = new ProgressBar("indexing", null))
            {
                IngestProgress last = new(0, 0, 0, 0, 0, 0);
                var progress = new SyncProgress<IngestProgress>(p =>
                {
                    bar.SetTotal(p.Total);
                    // Spread the batch's faces and failures over its files so rates and the error count stay right.
                    int files = p.Done - last.Done, faces = (int)(p.Faces - last.Faces), failed = p.Failed - last.Failed;
                    for (int i = 0; i < files; i++)
                    {
                        bar.Advance(i == 0 ? faces : 0, i < failed);
                    }

                    last = p;
                });
                summary = await RunWithModelGuard(() => ingest.RunAsync(source, progress, ct));
            }

            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Format(inv,
                "{0} files: {1} embedded, {2} unchanged, {3} same content, {4} failed, {5} without a face; {6} faces indexed, {7} faces skipped by quality gates, {8} removed files; {9:0.0} s ({10:0.0} files/s, {11:0.0} faces/s)",
                summary.Files, summary.Embedded, summary.Unchanged, summary.Touched, summary.Failed, summary.NoFace, summary.FacesIndexed, summary.FacesSkipped,
                summary.Removed, summary.Elapsed.TotalSeconds, summary.FilesPerSecond, summary.FacesPerSecond));
            if (summary.Reembedded > 0)
            {
                Console.WriteLine($"{summary.Reembedded} file(s) the journal listed as indexed were missing from the index and were embedded again");
            }

            if (ingest.People is { Active: true } people)
            {
                Console.WriteLine(people.Failures == 0
                    ? $"people: {people.FacesAssigned} new face(s) joined people ({people.PeopleCreated} new person(s))"
                    : $"people: {people.Failures} batch(es) not taken in (see above); 'facevector people cluster' catches up");
            }

            Console.WriteLine($"index: {DescribeStore(store, parse)}; journal: {ingest.JournalPath}");
            if (summary.Failed > 0 || summary.FacesSkipped > 0)
            {
                Console.WriteLine("see what was left out and why: facevector ingest report" + StoreArguments(parse, store));
            }

            return 0;
        });
        return command;
    }

    public static Command BuildQuery()
    {
        var models = new ModelOptions();
        var store = new StoreOptions();
        var query = new Option<FileInfo?>("--query", "-q") { Description = "Photo of the person to find (its largest face is used)" };
        var person = new Option<string?>("--person") { Description = "Instead of a photo: a person (id or name, see 'facevector people'): their photos, then faces not yet assigned that look like them" };
        var top = new Option<int>("--top", "-n") { Description = "Number of matches", DefaultValueFactory = _ => 10 };
        var threshold = new Option<float?>("--threshold") { Description = "Keep scores above this (default: the recognizer's recommended threshold)" };
        var filters = new Option<string[]>("--filter") { Description = "path=FILE, folder=DIR, hash=SHA256 or a tag key=value; repeatable (all must hold)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (the same shape as 'search')" };
        var command = new Command("query", "Search the index for the person in --query (one embedding plus a vector search), or for a known --person.") { query, person, top, threshold, filters, json };
        models.AddTo(command);
        store.AddTo(command);
        command.Validators.Add(r =>
        {
            if ((r.GetValue(query) is null) == (r.GetValue(person) is null))
            {
                r.AddError("give exactly one of --query FILE or --person NAME|ID");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(person) is string who)
            {
                return await PeopleCommands.QueryPersonAsync(store, parse, who, parse.GetValue(top), parse.GetValue(threshold), parse.GetValue(json), ct);
            }

            // The store first: a wrong --db is reported before the models load, and is never created.
            await using IFaceIndex index = store.OpenIndex(parse, create: false);
            // The detector keeps every face; the searcher applies the one minimum probe-face size (--min-face, default 20 px).
            using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(models.ToAnalyzerOptions(parse) with { MinFaceSize = 0 });
            string path = parse.GetValue(query)!.FullName;
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return CliErrors.Fail($"--query: {path}: {ex.Message}");
            }

            var settings = new SearchSettings { MinProbeFaceSize = parse.GetValue(models.MinFace) ?? QualityGates.DefaultMinFaceSize };
            var searcher = new FaceSearcher(new AnalyzerProbeEmbedder(analyzer), index, Microsoft.Extensions.Options.Options.Create(settings));
            SearchResult result;
            try
            {
                result = await RunWithModelGuard(() => searcher.SearchAsync(new ImageProbe(bytes, path),
                    new SearchParameters(parse.GetValue(top), parse.GetValue(threshold), Filter: ParseFilter(parse.GetValue(filters))), CliFields, ct));
            }
            catch (Exception ex) when (ex is ImageLoadException || (ex is FaceVectorException f && f.Error.Code is ErrorCode.NoFace or ErrorCode.InvalidArgument))
            {
                return CliErrors.Fail(ex is FaceVectorException { Error.Code: ErrorCode.NoFace } ? $"--query: {ex.Message}" : ex.Message.StartsWith("--", StringComparison.Ordinal) ? ex.Message : $"--query: {ex.Message}");
            }

            ProbeMatches probe = result.Faces.Single();
            float[] probeBox = [probe.Face.Box.X1, probe.Face.Box.Y1, probe.Face.Box.X2, probe.Face.Box.Y2];
            if (parse.GetValue(json))
            {
                Json.Write(new SearchJson(new SearchJson.QueryJson(path, probeBox),
                    [.. probe.Matches.Select(m => new SearchJson.MatchJson(m.Payload.ImagePath, m.Score, [m.Payload.Box.X1, m.Payload.Box.Y1, m.Payload.Box.X2, m.Payload.Box.Y2], m.Payload.FaceIndex))],
                    [], new SearchJson.StatsJson(result.ModelId, result.Threshold, null, null, null, null, null, Math.Round(result.Elapsed.TotalSeconds, 3), null,
                        IndexedFaces: await index.CountAsync(null, ct))));
            }
            else
            {
                var inv = CultureInfo.InvariantCulture;
                Console.WriteLine($"query  {path}  face {Box(probe.Face.Box)}");
                Console.WriteLine($"{probe.Matches.Count} match(es) at or above {result.Threshold.ToString("0.00", inv)}, best first:");
                foreach (FaceMatch m in probe.Matches)
                {
                    Console.WriteLine($"{m.Score.ToString("0.0000", inv)}  {m.Payload.ImagePath}  {Box(m.Payload.Box)}");
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>The query command's option names, for errors that name the flag.</summary>
    private static readonly SearchFieldNames CliFields = new(TopK: "--top", Threshold: "--threshold", Image: "--query", Name: "--query", Filter: "--filter");

    private static string Box(FaceBox b) => string.Create(CultureInfo.InvariantCulture, $"[{b.X1:0},{b.Y1:0},{b.X2:0},{b.Y2:0}]");

    public static Command BuildDelete() => BuildDelete("delete",
        "Delete faces from the index by photo path, folder or tag (the journal forgets photos left without a face, so 'index' brings them back).",
        verifyByDefault: false);

    /// <summary><c>erase</c>: <c>delete --verify</c>, for a person's request to be forgotten.</summary>
    public static Command BuildErase() => BuildDelete("erase",
        "Delete faces and prove it: the store's deleted rows are overwritten, its WAL emptied, and its files (and the journal's) scanned byte for byte for the removed vectors, paths and hashes.",
        verifyByDefault: true);

    private static Command BuildDelete(string name, string description, bool verifyByDefault)
    {
        var store = new StoreOptions();
        var path = new Option<string?>("--path") { Description = "Delete the faces of this photo" };
        var folder = new Option<string?>("--folder") { Description = "Delete the faces of every photo under this folder" };
        var tag = new Option<string?>("--tag") { Description = "Delete every face with this tag (key=value)" };
        var verify = new Option<bool>("--verify") { Description = "Print an erasure report: scan the store files for the removed faces' bytes (exit 1 if any remain)", DefaultValueFactory = _ => verifyByDefault };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command(name, description) { path, folder, tag, verify, json };
        store.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            string? p = parse.GetValue(path), f = parse.GetValue(folder), t = parse.GetValue(tag);
            if ((p is null ? 0 : 1) + (f is null ? 0 : 1) + (t is null ? 0 : 1) != 1)
            {
                return CliErrors.Fail($"{name}: give exactly one of --path, --folder or --tag");
            }

            var filter = new FaceFilter
            {
                ImagePath = p is null ? null : Path.GetFullPath(p),
                ImagePathPrefix = f is null ? null : Path.GetFullPath(f).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar,
                Tags = t is null ? new Dictionary<string, string>() : ParseTags([t]),
            };
            FaceIndexOptions storeOptions = store.ToIndexOptions(parse);
            ErasedFaces erased;
            await using (IFaceIndex index = store.OpenIndex(parse, create: false))
            {
                // The journal forgets photos left without a face, so that a later 'index' puts them back; people forget the faces.
                using IngestJournal? journal = store.OpenExistingJournal(parse);
                erased = await Application.Erasure.FaceErasure.EraseAsync(index, storeOptions, filter, name, journal, ct);
            }

            if (!parse.GetValue(verify))
            {
                Console.WriteLine($"deleted {erased.Faces} face(s) of {erased.Images.Count} photo(s); journal forgot {erased.ForgottenPaths.Count} photo(s)");
                return 0;
            }

            ErasureReport report = ErasureScan.Scan(erased, ErasureScan.StoreFiles(storeOptions, store.JournalPath(parse)));
            return ErasureOutput.Print(report, storeOptions, parse.GetValue(json));
        });
        return command;
    }

    public static Command BuildStats()
    {
        var store = new StoreOptions();
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("stats", "Faces, photos and model of the index.") { json };
        store.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using IFaceIndex index = store.OpenIndex(parse, create: false);
            CollectionInfo? info = await index.GetCollectionAsync(ct);
            Application.Stats.IndexStats tally = await Application.Stats.IndexStatistics.ReadAsync(index, ct);
            using IngestJournal? journal = store.OpenExistingJournal(parse);
            var totals = journal?.Totals();
            var stats = new StatsJson(index.Collection, DescribeStore(store, parse), info?.ModelId, info?.VectorSize, tally.Faces, tally.Images,
                totals?.Failed, journal?.SkippedFaces().Count);
            if (parse.GetValue(json))
            {
                Json.Write(stats);
            }
            else
            {
                Console.WriteLine($"store       {stats.Store}");
                Console.WriteLine($"collection  {stats.Collection}{(info is null ? " (does not exist yet)" : string.Empty)}");
                Console.WriteLine($"model       {stats.Model ?? "-"} ({stats.VectorSize?.ToString(CultureInfo.InvariantCulture) ?? "-"}-d)");
                Console.WriteLine($"faces       {stats.Faces}");
                Console.WriteLine($"images      {stats.Images}");
                if (journal is not null)
                {
                    Console.WriteLine($"failed files {stats.FailedFiles}, skipped faces {stats.SkippedFaces} (facevector ingest report)");
                }
            }

            return 0;
        });
        return command;
    }

    public static Command BuildIngestReport()
    {
        var store = new StoreOptions();
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var report = new Command("report", "Files that failed and faces that were skipped during ingest, with the reason.") { json };
        store.AddTo(report);
        report.SetAction(parse =>
        {
            using IngestJournal? journal = store.OpenExistingJournal(parse);
            if (journal is null)
            {
                return CliErrors.Fail($"no ingest journal at {store.JournalPath(parse)}: nothing was indexed into this store yet");
            }

            IReadOnlyList<JournalEntry> failures = journal.Failures();
            IReadOnlyList<SkippedFace> skipped = journal.SkippedFaces();
            if (parse.GetValue(json))
            {
                Json.Write(new
                {
                    journal = journal.Path,
                    failedFiles = failures.Select(f => new { path = f.Path, reason = f.Reason }),
                    skippedFaces = skipped.Select(s => new { path = s.Path, faceIndex = s.FaceIndex, reason = s.Reason }),
                });
            }
            else
            {
                Console.WriteLine($"{failures.Count} failed file(s):");
                foreach (JournalEntry f in failures)
                {
                    Console.WriteLine($"  {f.Path}: {f.Reason}");
                }

                Console.WriteLine($"{skipped.Count} skipped face(s):");
                foreach (SkippedFace s in skipped)
                {
                    Console.WriteLine($"  {s.Path} face {s.FaceIndex}: {s.Reason}");
                }
            }

            return 0;
        });
        return new Command("ingest", "Ingest journal commands.") { report, BuildIngestVerify() };
    }

    /// <summary><c>ingest verify [--repair]</c>: compares the journal with the index and, when asked, makes the journal forget what the index lacks.</summary>
    private static Command BuildIngestVerify()
    {
        var store = new StoreOptions();
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var repair = new Option<bool>("--repair") { Description = "Forget, in the journal, the files whose faces the index lacks (the next 'facevector index' embeds them again)" };
        var verify = new Command("verify", "Compare the ingest journal with the index: same index? every face the journal lists present? Exit 1 when they differ (0 after --repair).") { json, repair };
        store.AddTo(verify);
        verify.SetAction(async (parse, ct) =>
        {
            using IngestJournal? journal = store.OpenExistingJournal(parse);
            if (journal is null)
            {
                return CliErrors.Fail($"no ingest journal at {store.JournalPath(parse)}: nothing was indexed into this store yet");
            }

            await using IFaceIndex index = store.OpenIndex(parse);
            JournalIndexDiff diff = await JournalReconciler.CompareAsync(journal, index, ct);
            int forgotten = parse.GetValue(repair) && !diff.InStep ? JournalReconciler.Repair(journal, diff) : 0;
            if (parse.GetValue(json))
            {
                Json.Write(new
                {
                    journal = journal.Path,
                    store = DescribeStore(store, parse),
                    journalIndexId = diff.JournalIndexId,
                    storeIndexId = diff.StoreIndexId,
                    otherIndex = diff.OtherIndex,
                    journalFiles = diff.JournalFiles,
                    journalFaces = diff.JournalFaces,
                    indexFaces = diff.IndexFaces,
                    missing = diff.Missing.Select(m => new { path = m.Path, journal = m.Journal, index = m.Index }),
                    unjournaled = diff.Unjournaled,
                    inStep = diff.InStep,
                    repaired = forgotten,
                });
            }
            else
            {
                Console.WriteLine($"journal  {journal.Path} (index {diff.JournalIndexId ?? "not recorded"}): {diff.JournalFiles} file(s) with {diff.JournalFaces} face(s)");
                Console.WriteLine($"index    {DescribeStore(store, parse)} (index {diff.StoreIndexId ?? "missing"}): {diff.IndexFaces} face(s)");
                if (diff.OtherIndex)
                {
                    Console.WriteLine("the journal was written for another index (the collection was recreated or replaced)");
                }

                Console.WriteLine($"{diff.Missing.Count} file(s) with faces missing from the index:");
                foreach (MissingFaces m in diff.Missing.Take(50))
                {
                    Console.WriteLine($"  {m.Path}: journal {m.Journal}, index {m.Index}");
                }

                Console.WriteLine($"{diff.Unjournaled.Count} image(s) in the index not listed as indexed by the journal (other writers, or a run stopped between index and journal write)");
                Console.WriteLine(diff.InStep ? "journal and index agree"
                    : forgotten > 0 ? $"repaired: the journal forgot {forgotten} file(s); run 'facevector index' on the same folders to embed them again"
                    : "run again with --repair, then 'facevector index', to put the missing faces back");
            }

            return diff.InStep || forgotten > 0 ? 0 : 1;
        });
        return verify;
    }

    internal static IReadOnlyDictionary<string, string> ParseTags(IEnumerable<string>? pairs)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in pairs ?? [])
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliException($"tag '{pair}' is not key=value");
            }

            tags[pair[..eq]] = pair[(eq + 1)..];
        }

        return tags;
    }

    private static FaceFilter? ParseFilter(string[]? pairs)
    {
        if (pairs is null || pairs.Length == 0)
        {
            return null;
        }

        var filter = new FaceFilter();
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in ParseTags(pairs))
        {
            filter = key switch
            {
                "path" => filter with { ImagePath = Path.GetFullPath(value) },
                "folder" => filter with { ImagePathPrefix = Path.GetFullPath(value).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar },
                "hash" => filter with { ImageHash = value },
                _ => filter,
            };
            if (key is not ("path" or "folder" or "hash"))
            {
                tags[key] = value;
            }
        }

        return filter with { Tags = tags };
    }

    private static async Task<T> RunWithModelGuard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ModelMismatchException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    private static string DescribeStore(StoreOptions store, ParseResult parse)
    {
        FaceIndexOptions o = store.ToIndexOptions(parse);
        return o.Provider == FaceIndexOptions.QdrantProvider ? $"qdrant {o.QdrantUrl} collection {o.Collection}" : $"{o.DbPath} collection {o.Collection}";
    }

    private static string StoreArguments(ParseResult parse, StoreOptions store) =>
        parse.GetValue(store.Qdrant) is string q ? $" --qdrant {q}" : parse.GetValue(store.Db) is string db ? $" --db {db}" : string.Empty;

    private sealed record StatsJson(string Collection, string Store, string? Model, int? VectorSize, long Faces, long Images, long? FailedFiles, int? SkippedFaces);
}
