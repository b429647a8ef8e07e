namespace FaceVector.Core.Models;

/// <summary>
/// Where model files live: <c>--models DIR</c>, else the <c>FACEVECTOR_MODELS</c> environment variable, else a
/// per-user cache (<c>$XDG_CACHE_HOME/facevector/models</c> or <c>~/.cache/facevector/models</c>).
/// </summary>
public sealed record ModelDirectory(string Path, string Origin)
{
    public const string EnvironmentVariable = "FACEVECTOR_MODELS";

    public static ModelDirectory Resolve(string? commandLine = null)
    {
        if (!string.IsNullOrWhiteSpace(commandLine))
        {
            return new ModelDirectory(System.IO.Path.GetFullPath(commandLine), "--models");
        }

        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return new ModelDirectory(System.IO.Path.GetFullPath(env), EnvironmentVariable);
        }

        return new ModelDirectory(DefaultCache(), "per-user cache");
    }

    public static string DefaultCache()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return System.IO.Path.Combine(root, "facevector", "models");
    }

    /// <summary>
    /// Resolves a model given as a path or a file name. A bare name is looked up in this directory, then in its
    /// pack sub-folders (<c>buffalo_s/</c>, ...).
    /// </summary>
    public string Locate(string nameOrPath)
    {
        if (System.IO.Path.IsPathRooted(nameOrPath) || nameOrPath.Contains('/') || nameOrPath.Contains('\\'))
        {
            string full = System.IO.Path.GetFullPath(nameOrPath);
            return File.Exists(full) ? full : throw new ModelNotFoundException(full);
        }

        string direct = System.IO.Path.Combine(Path, nameOrPath);
        if (File.Exists(direct))
        {
            return direct;
        }

        if (Directory.Exists(Path))
        {
            foreach (string sub in Directory.EnumerateDirectories(Path).Order(StringComparer.Ordinal))
            {
                string candidate = System.IO.Path.Combine(sub, nameOrPath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new ModelNotFoundException(direct);
    }

    /// <summary>First of the candidates that exists (defaults, then pack equivalents).</summary>
    public string LocateFirst(IEnumerable<string> candidates)
    {
        ModelNotFoundException? first = null;
        foreach (string candidate in candidates)
        {
            try
            {
                return Locate(candidate);
            }
            catch (ModelNotFoundException ex)
            {
                first ??= ex;
            }
        }

        throw first ?? new ModelNotFoundException(Path);
    }

    /// <summary>Every ONNX file here and one level down.</summary>
    public IEnumerable<string> Files() =>
        !Directory.Exists(Path)
            ? []
            : Directory.EnumerateFiles(Path, "*.onnx", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 }).Order(StringComparer.Ordinal);
}
