using System.Diagnostics;
using FaceVector.Core.Detection;
using FaceVector.Core.Pipeline;

namespace FaceVector.Core.Search;

/// <summary>The probe photo had no usable face.</summary>
public sealed class NoFaceException(string path)
    : Exception($"{path}: no face found in the query image (try a larger or less tightly cropped photo, or lower --min-face)")
{
    public string Path { get; } = path;
}

/// <param name="Threshold">Keep faces whose similarity is at least this.</param>
/// <param name="Top">Keep at most this many matches (null: all above the threshold).</param>
public sealed record FolderSearchOptions(float Threshold, int? Top = null);

/// <summary>The query face: which photo, which box.</summary>
public sealed record QueryFace(string Path, BoundingBox Box, float Score, float[] Embedding);

/// <summary>One face in the pool that matches the query.</summary>
public sealed record SearchMatch(string Path, float Score, BoundingBox Box, int FaceIndex);

public sealed record SearchError(string Path, string Error);

public sealed record SearchStats(int Files, int Images, int Faces, int Errors, int Skipped, TimeSpan Elapsed, StageTimings Stages)
{
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? Images / Elapsed.TotalSeconds : 0;
}

public sealed record FolderSearchResult(QueryFace Query, IReadOnlyList<SearchMatch> Matches, IReadOnlyList<SearchError> Errors, SearchStats Stats);

/// <summary>
/// The one-shot search: embed the largest face of the query photo, embed every face under a folder, and return the
/// faces whose cosine similarity reaches the threshold, best first. Nothing is stored.
/// </summary>
public sealed class FolderSearch(FaceAnalyzer analyzer, int parallelism = 0)
{
    /// <summary>Embeds the query photo's largest face; throws <see cref="NoFaceException"/> when there is none.</summary>
    public QueryFace EmbedQuery(string queryPath)
    {
        ImageFaces faces = analyzer.Analyze(queryPath);
        Face face = faces.Largest ?? throw new NoFaceException(queryPath);
        return new QueryFace(queryPath, face.Box, face.Score, face.Embedding!);
    }

    public async Task<FolderSearchResult> SearchAsync(string queryPath, string targetFolder, FolderSearchOptions options, IProgress<ImageResult>? progress = null, CancellationToken cancellationToken = default)
    {
        QueryFace query = EmbedQuery(queryPath);
        return await SearchAsync(query, ImageFileEnumerator.Enumerate(targetFolder), options, progress, cancellationToken).ConfigureAwait(false);
    }

    public async Task<FolderSearchResult> SearchAsync(QueryFace query, IEnumerable<string> files, FolderSearchOptions options, IProgress<ImageResult>? progress = null, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var matches = new List<SearchMatch>();
        var errors = new List<SearchError>();
        int fileCount = 0, images = 0, faceCount = 0, skipped = 0;
        var stages = default(StageTimings);
        var batch = new BatchAnalyzer(analyzer, parallelism);
        await foreach (ImageResult result in batch.AnalyzeAsync(files, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            fileCount++;
            progress?.Report(result);
            if (result.Faces is null)
            {
                if (result.Skipped)
                {
                    skipped++;
                }
                else
                {
                    errors.Add(new SearchError(result.Path, result.Error ?? "unknown error"));
                }

                continue;
            }

            images++;
            stages += result.Faces.Timings;
            foreach (Face face in result.Faces.Faces)
            {
                faceCount++;
                float score = Similarity.Cosine(query.Embedding, face.Embedding!);
                if (ScoreThreshold.Keeps(score, options.Threshold))
                {
                    matches.Add(new SearchMatch(result.Path, score, face.Box, face.Index));
                }
            }
        }

        // Best first; ties broken by path and face so output is stable run to run.
        matches.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Path, b.Path) is int c && c != 0 ? c : a.FaceIndex.CompareTo(b.FaceIndex));
        if (options.Top is int top && matches.Count > top)
        {
            matches.RemoveRange(top, matches.Count - top);
        }

        errors.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var stats = new SearchStats(fileCount, images, faceCount, errors.Count, skipped, Stopwatch.GetElapsedTime(start), stages);
        return new FolderSearchResult(query, matches, errors, stats);
    }
}
