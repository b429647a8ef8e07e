namespace FaceVector.Index;

/// <summary>
/// The one definition of what a <see cref="FaceFilter"/> means. The embedded store evaluates it directly; the Qdrant
/// adapter stores <see cref="ParentFolders"/> as keywords so that a folder prefix becomes an exact keyword match.
/// </summary>
public static class FaceFilterMatcher
{
    public static bool Matches(this FaceFilter? filter, FacePayload payload)
    {
        if (filter is null || filter.IsEmpty) return true;
        if (filter.ImagePath is not null && payload.ImagePath != filter.ImagePath) return false;
        if (filter.ImageHash is not null && payload.ImageHash != filter.ImageHash) return false;
        if (filter.ImagePathPrefix is not null && !IsInFolder(payload.ImagePath, filter.ImagePathPrefix)) return false;
        foreach (var (key, value) in filter.Tags)
        {
            if (!payload.Tags.TryGetValue(key, out var actual) || actual != value) return false;
        }
        return true;
    }

    /// <summary>A prefix names a folder: "/photos/2024" and "/photos/2024/" both match "/photos/2024/a.jpg", not "/photos/2024b/a.jpg".</summary>
    public static string NormalizeFolder(string folder) => folder.TrimEnd('/', '\\');

    public static bool IsInFolder(string path, string folder)
    {
        var normalized = NormalizeFolder(folder);
        return path.Length > normalized.Length
            && path.StartsWith(normalized, StringComparison.Ordinal)
            && path[normalized.Length] is '/' or '\\';
    }

    /// <summary>Every folder above the file, outermost first: "/a/b/c.jpg" gives "", "/a", "/a/b" ("" is the root).</summary>
    public static IReadOnlyList<string> ParentFolders(string path)
    {
        var folders = new List<string>();
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] is '/' or '\\') folders.Add(path[..i]);
        }
        return folders;
    }
}
