namespace FaceVector.Testing;

/// <summary>
/// Locates the shared test images and models: <c>FACEVECTOR_SHARED</c> if set, else the <c>shared</c> folder beside
/// the repository root (the folder holding FaceVector.sln). Models come from <c>FACEVECTOR_MODELS</c>, else shared/models.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string> SharedRoot = new(FindShared);

    public static string Shared => SharedRoot.Value;

    public static string FacesDev => Path.Combine(Shared, "data", "faces-dev");

    public static string Awkward => Path.Combine(Shared, "data", "awkward");

    public static string ModelsPath =>
        Environment.GetEnvironmentVariable("FACEVECTOR_MODELS") is { Length: > 0 } env ? env : Path.Combine(Shared, "models");

    public static string FacesDevFile(string relative) => Path.Combine(FacesDev, relative);

    public static string AwkwardFile(string name) => Path.Combine(Awkward, name);

    /// <summary>Reads a tab-separated manifest into rows keyed by column name.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Manifest(string path)
    {
        string[] lines = File.ReadAllLines(path);
        string[] header = lines[0].Split('\t');
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            string[] cells = l.Split('\t');
            return (IReadOnlyDictionary<string, string>)header.Select((h, i) => (h, i < cells.Length ? cells[i] : string.Empty)).ToDictionary(x => x.h, x => x.Item2);
        })];
    }

    /// <summary>The folder holding FaceVector.sln, above the test output.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FaceVector.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("FaceVector.sln not found above the test output.");
        }
    }

    private static string FindShared()
    {
        if (Environment.GetEnvironmentVariable("FACEVECTOR_SHARED") is { Length: > 0 } env)
        {
            return env;
        }

        string root = RepositoryRoot;
        string shared = Path.Combine(Path.GetDirectoryName(root) ?? root, "shared");
        return Directory.Exists(shared)
            ? shared
            : throw new DirectoryNotFoundException("Test data not found: put the 'shared' folder beside the repository or set FACEVECTOR_SHARED.");
    }
}
