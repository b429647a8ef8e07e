using System.Xml.Linq;

namespace FaceVector.Deploy.Tests;

/// <summary>Facts about the repository's project files.</summary>
internal static class Projects
{
    /// <summary>The .csproj of a project folder or file path relative to the repository root.</summary>
    public static string ProjectFile(string path) =>
        path.EndsWith(".csproj", StringComparison.Ordinal) ? path : $"{path.TrimEnd('/')}/{Path.GetFileName(path.TrimEnd('/'))}.csproj";

    public static string AssemblyName(string projectFile) =>
        Load(projectFile).Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? Path.GetFileNameWithoutExtension(projectFile);

    /// <summary>The project and every project it references, directly or not, as repository-relative paths.</summary>
    public static ISet<string> WithReferences(string projectFile)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([projectFile]);
        while (pending.TryPop(out string? project))
        {
            if (!seen.Add(project))
            {
                continue;
            }

            string folder = Path.GetDirectoryName(Repository.PathOf(project))!;
            foreach (XElement reference in Load(project).Descendants("ProjectReference"))
            {
                string full = Path.GetFullPath(Path.Combine(folder, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(Repository.Root, full).Replace('\\', '/'));
            }
        }

        return seen;
    }

    private static XDocument Load(string projectFile) => XDocument.Load(Repository.PathOf(projectFile));
}
