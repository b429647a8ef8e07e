using FaceVector.Core.Pipeline;
using Microsoft.Extensions.FileSystemGlobbing;

namespace FaceVector.Ingestion;

/// <summary>
/// Where photos come from: folders (recursive) filtered by include/exclude globs relative to each folder, and/or a
/// list file with one path per line ('#' starts a comment; relative paths are relative to the list file).
/// </summary>
public sealed record IngestSource
{
    public IReadOnlyList<string> Folders { get; init; } = [];

    public IReadOnlyList<string> Include { get; init; } = [];

    public IReadOnlyList<string> Exclude { get; init; } = [];

    public string? ListFile { get; init; }

    /// <summary>Every file the source names, full paths, in a stable order, each once.</summary>
    public IReadOnlyList<string> Files()
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string folder in Folders.Select(Path.GetFullPath))
        {
            Matcher matcher = BuildMatcher();
            foreach (string file in ImageFileEnumerator.Enumerate(folder))
            {
                string relative = Path.GetRelativePath(Directory.Exists(folder) ? folder : Path.GetDirectoryName(folder)!, file);
                if (matcher.Match(relative).HasMatches)
                {
                    files.Add(file);
                }
            }
        }

        if (ListFile is not null)
        {
            string baseDir = Path.GetDirectoryName(Path.GetFullPath(ListFile))!;
            foreach (string line in File.ReadLines(ListFile))
            {
                string entry = line.Trim();
                if (entry.Length > 0 && !entry.StartsWith('#'))
                {
                    files.Add(Path.GetFullPath(entry, baseDir));
                }
            }
        }

        return [.. files];
    }

    /// <summary>The folders a sync may remove vanished files from (a list file names no folder).</summary>
    public IReadOnlyList<string> SyncRoots => [.. Folders.Select(Path.GetFullPath)];

    private Matcher BuildMatcher()
    {
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddIncludePatterns(Include.Count > 0 ? Include : ["**/*"]);
        matcher.AddExcludePatterns(Exclude);
        return matcher;
    }
}
