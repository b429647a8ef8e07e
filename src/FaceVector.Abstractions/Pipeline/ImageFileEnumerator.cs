namespace FaceVector.Core.Pipeline;

/// <summary>
/// Lists the files under a folder that may be images. Hidden entries and symbolic links to folders are not
/// followed (no loops, no surprises); inaccessible folders are skipped rather than failing the walk.
/// </summary>
public static class ImageFileEnumerator
{
    /// <summary>Extensions that announce an image: such a file that cannot be decoded is an error, not noise.</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".dib", ".gif", ".tif", ".tiff", ".webp", ".tga",
        ".pbm", ".pgm", ".ppm", ".pnm", ".heic", ".heif", ".avif", ".jxl",
    };

    public static bool HasImageExtension(string path) => ImageExtensions.Contains(Path.GetExtension(path));

    /// <summary>Every regular file under <paramref name="root"/> (or the file itself), in a stable order.</summary>
    public static IEnumerable<string> Enumerate(string root, bool recursive = true)
    {
        if (File.Exists(root))
        {
            yield return root;
            yield break;
        }

        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Folder not found: {root}");
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = false,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        };
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string file in SafeList(() => Directory.EnumerateFiles(dir, "*", options)))
            {
                if (!Path.GetFileName(file).StartsWith('.'))
                {
                    yield return file;
                }
            }

            if (!recursive)
            {
                continue;
            }

            foreach (string sub in Enumerable.Reverse(SafeList(() => Directory.EnumerateDirectories(dir, "*", options))))
            {
                var info = new DirectoryInfo(sub);
                if (info.LinkTarget is null && !info.Name.StartsWith('.'))
                {
                    pending.Push(sub);
                }
            }
        }
    }

    private static List<string> SafeList(Func<IEnumerable<string>> list)
    {
        try
        {
            List<string> items = [.. list()];
            items.Sort(StringComparer.Ordinal);
            return items;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
