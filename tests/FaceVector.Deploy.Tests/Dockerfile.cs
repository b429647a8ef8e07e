using System.Text.RegularExpressions;

namespace FaceVector.Deploy.Tests;

/// <summary>One build stage of a Dockerfile: its name and its instructions (continuation lines joined).</summary>
internal sealed record DockerStage(string Name, IReadOnlyList<string> Instructions)
{
    public IEnumerable<string> Arguments(string keyword) =>
        Instructions.Where(i => i.StartsWith(keyword + " ", StringComparison.OrdinalIgnoreCase)).Select(i => i[(keyword.Length + 1)..].Trim());

    /// <summary>The dll of <c>ENTRYPOINT ["dotnet", "X.dll"]</c>; null for a stage without one.</summary>
    public string? EntrypointDll => Arguments("ENTRYPOINT").Select(e => Regex.Match(e, "\"([^\"]+\\.dll)\"")).Where(m => m.Success).Select(m => m.Groups[1].Value).LastOrDefault();

    /// <summary>Stages this one copies files from (<c>COPY --from=STAGE</c>).</summary>
    public IEnumerable<string> CopiesFrom => Arguments("COPY").Select(c => Regex.Match(c, @"--from=(\S+)")).Where(m => m.Success).Select(m => m.Groups[1].Value);

    /// <summary>Project paths after <c>dotnet VERB</c> in RUN instructions.</summary>
    public IEnumerable<string> DotnetProjects(string verb) =>
        Arguments("RUN").SelectMany(r => Regex.Matches(r, $@"dotnet {verb} (\S+)")).Select(m => m.Groups[1].Value);
}

/// <summary>Reads a Dockerfile into stages, enough to check its paths against the repository.</summary>
internal static class Dockerfile
{
    public static IReadOnlyList<DockerStage> Parse(string text)
    {
        var stages = new List<DockerStage>();
        var instructions = new List<string>();
        string? name = null;
        foreach (string instruction in Instructions(text))
        {
            if (instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))
            {
                Close();
                Match alias = Regex.Match(instruction, @"\sAS\s+(\S+)\s*$", RegexOptions.IgnoreCase);
                name = alias.Success ? alias.Groups[1].Value : $"stage{stages.Count}";
                instructions = [];
            }

            instructions.Add(instruction);
        }

        Close();
        return stages;

        void Close()
        {
            if (name is not null)
            {
                stages.Add(new DockerStage(name, instructions));
            }
        }
    }

    /// <summary>Instructions with continuation lines joined; comments and blank lines dropped.</summary>
    private static IEnumerable<string> Instructions(string text)
    {
        string pending = string.Empty;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            yield return pending + line;
            pending = string.Empty;
        }
    }

    /// <summary>The sources of a <c>COPY</c> from the build context (everything but the flags and the destination).</summary>
    public static IEnumerable<string> ContextSources(string copyArguments)
    {
        string[] words = copyArguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Any(w => w.StartsWith("--from=", StringComparison.Ordinal)) ? [] : words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).SkipLast(1);
    }
}
