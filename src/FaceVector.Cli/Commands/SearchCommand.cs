using System.CommandLine;
using System.Globalization;
using FaceVector.Cli.Output;
using FaceVector.Core.Imaging;
using FaceVector.Core.Pipeline;
using FaceVector.Core.Search;

namespace FaceVector.Cli.Commands;

/// <summary><c>facevector search</c>: the one-shot search of a folder, nothing stored.</summary>
internal static class SearchCommand
{
    public static Command Build()
    {
        var models = new ModelOptions();
        var query = new Option<FileInfo>("--query", "-q") { Description = "Photo of the person to find (its largest face is used)", Required = true };
        var target = new Option<DirectoryInfo>("--target", "-t") { Description = "Folder to search, recursively", Required = true };
        var threshold = new Option<float?>("--threshold") { Description = "Minimum cosine similarity (default: the recognizer's recommended threshold)" };
        var top = new Option<int?>("--top", "-n") { Description = "Keep at most N matches" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document" };
        var command = new Command("search", "Find every photo of the person in --query under --target (embeds the whole folder; use 'index' + 'query' to embed once).")
        {
            query, target, threshold, top, json,
        };
        models.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            // Same default as 'index' (its quality gate), so a one-shot search and index + query agree.
            FaceAnalyzerOptions options = models.ToAnalyzerOptions(parse) with { MinFaceSize = parse.GetValue(models.MinFace) ?? Ingestion.QualityGates.DefaultMinFaceSize };
            using FaceAnalyzer analyzer = CliErrors.CreateAnalyzer(options);
            float minScore = parse.GetValue(threshold) ?? analyzer.RecommendedThreshold;
            var search = new FolderSearch(analyzer, parse.GetValue(models.Threads));
            string queryPath = parse.GetValue(query)!.FullName;
            string targetPath = parse.GetValue(target)!.FullName;
            if (!Directory.Exists(targetPath))
            {
                return CliErrors.Fail($"--target: folder not found: {targetPath}");
            }

            QueryFace queryFace;
            try
            {
                queryFace = search.EmbedQuery(queryPath);
            }
            catch (Exception ex) when (ex is ImageLoadException or NoFaceException)
            {
                return CliErrors.Fail($"--query: {ex.Message}");
            }

            List<string> files = [.. ImageFileEnumerator.Enumerate(targetPath)];
            FolderSearchResult result;
            using (var bar = new ProgressBar("searching", files.Count))
            {
                var progress = new SyncProgress<ImageResult>(r => bar.Advance(r.Faces?.Faces.Count ?? 0, r.Error is not null && !r.Skipped));
                result = await search.SearchAsync(queryFace, files, new FolderSearchOptions(minScore, parse.GetValue(top)), progress, ct);
            }

            if (parse.GetValue(json))
            {
                Json.Write(SearchJson.From(result, minScore, analyzer.ModelId));
            }
            else
            {
                PrintText(result, minScore, analyzer.ModelId, analyzer.ExecutionProvider);
            }

            return 0;
        });
        return command;
    }

    private static void PrintText(FolderSearchResult result, float threshold, string modelId, string provider)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"query  {result.Query.Path}  face {Box(result.Query.Box)}");
        Console.WriteLine($"model  {modelId}  threshold {threshold.ToString("0.00", inv)}  provider {provider}");
        Console.WriteLine($"{result.Matches.Count} match(es), best first:");
        Console.WriteLine("score   path  [x1,y1,x2,y2]");
        foreach (SearchMatch m in result.Matches)
        {
            Console.WriteLine($"{m.Score.ToString("0.0000", inv)}  {m.Path}  {Box(m.Box)}");
        }

        SearchStats s = result.Stats;
        Console.Error.WriteLine($"{s.Files} files, {s.Images} images, {s.Faces} faces, {s.Errors} errors, {s.Skipped} non-image files skipped, {s.Elapsed.TotalSeconds.ToString("0.0", inv)} s ({s.ImagesPerSecond.ToString("0.0", inv)} images/s)");
        foreach (SearchError e in result.Errors)
        {
            Console.Error.WriteLine($"error: {e.Error}");
        }
    }

    internal static string Box(FaceVector.Core.Detection.BoundingBox b) =>
        string.Create(CultureInfo.InvariantCulture, $"[{b.X1:0},{b.Y1:0},{b.X2:0},{b.Y2:0}]");
}

/// <summary>The JSON document of <c>search</c> (and of <c>query</c> and <c>remote search</c>, which print the same shape).</summary>
internal sealed record SearchJson(SearchJson.QueryJson Query, IReadOnlyList<SearchJson.MatchJson> Matches, IReadOnlyList<SearchJson.ErrorJson> Errors, SearchJson.StatsJson Stats)
{
    public sealed record QueryJson(string Path, float[] Bbox);

    public sealed record MatchJson(string Path, float Score, float[] Bbox, int FaceIndex);

    public sealed record ErrorJson(string Path, string Error);

    public sealed record StatsJson(string Model, float Threshold, int? Files, int? Images, int? Faces, int? Errors, int? Skipped, double? Seconds, double? ImagesPerSecond,
        double? DecodeSeconds = null, double? DetectSeconds = null, double? AlignSeconds = null, double? EmbedSeconds = null, long? IndexedFaces = null);

    public static SearchJson From(FolderSearchResult r, float threshold, string modelId) => new(
        new QueryJson(r.Query.Path, Json.Box(r.Query.Box)),
        [.. r.Matches.Select(m => new MatchJson(m.Path, m.Score, Json.Box(m.Box), m.FaceIndex))],
        [.. r.Errors.Select(e => new ErrorJson(e.Path, e.Error))],
        new StatsJson(modelId, threshold, r.Stats.Files, r.Stats.Images, r.Stats.Faces, r.Stats.Errors, r.Stats.Skipped,
            Math.Round(r.Stats.Elapsed.TotalSeconds, 3), Math.Round(r.Stats.ImagesPerSecond, 2),
            Math.Round(r.Stats.Stages.Decode.TotalSeconds, 3), Math.Round(r.Stats.Stages.Detect.TotalSeconds, 3),
            Math.Round(r.Stats.Stages.Align.TotalSeconds, 3), Math.Round(r.Stats.Stages.Embed.TotalSeconds, 3)));
}

/// <summary>IProgress that calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
