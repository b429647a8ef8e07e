using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FaceVector.Deploy.Tests;

/// <summary>One environment variable a compose file sets for a service.</summary>
internal sealed record ComposeVariable(string File, string Service, string Name, string Value);

/// <summary>An image a compose file builds: the Dockerfile and its target stage.</summary>
internal sealed record ComposeBuild(string Service, string Dockerfile, string Target);

/// <summary>Reads compose files as YAML (anchors and <c>&lt;&lt;</c> merges resolved), without Docker.</summary>
internal static class ComposeFiles
{
    public static IEnumerable<ComposeVariable> EnvironmentVariables(string file, string yaml) =>
        from service in Services(yaml)
        where service.Body.Children.ContainsKey("environment")
        from variable in service.Body.Children["environment"] switch
        {
            // Compose takes either a mapping (NAME: value) or a list of NAME=value strings.
            YamlMappingNode map => map.Children.Select(c => (Name: Text(c.Key), Value: Text(c.Value))),
            YamlSequenceNode list => list.Children.Select(i => Text(i).Split('=', 2)).Select(p => (Name: p[0], Value: p.Length > 1 ? p[1] : string.Empty)),
            _ => [],
        }
        select new ComposeVariable(file, service.Name, variable.Name, variable.Value);

    public static IEnumerable<ComposeVariable> EnvironmentVariables(IEnumerable<string> repositoryFiles) =>
        repositoryFiles.SelectMany(f => EnvironmentVariables(f, File.ReadAllText(Repository.PathOf(f))));

    /// <summary>The builds of a compose file in the repository root (build paths are relative to it).</summary>
    public static IEnumerable<ComposeBuild> Builds(string repositoryFile) =>
        from service in Services(File.ReadAllText(Repository.PathOf(repositoryFile)))
        where service.Body.Children.TryGetValue("build", out YamlNode? b) && b is YamlMappingNode
        let build = (YamlMappingNode)service.Body.Children["build"]
        select new ComposeBuild(service.Name, Text(build.Children["dockerfile"]), Text(build.Children["target"]));

    /// <summary>Each service's published ports (<c>ports:</c> entries as written) and the secrets it mounts.</summary>
    public static IEnumerable<(string Service, IReadOnlyList<string> Ports, IReadOnlyList<string> Secrets, IReadOnlyList<ComposeVariable> Environment)> Exposure(string repositoryFile)
    {
        string yaml = File.ReadAllText(Repository.PathOf(repositoryFile));
        List<ComposeVariable> environment = [.. EnvironmentVariables(repositoryFile, yaml)];
        return from service in Services(yaml)
               let ports = service.Body.Children.TryGetValue("ports", out YamlNode? p) && p is YamlSequenceNode ps ? ps.Children.Select(Text).ToList() : []
               let secrets = service.Body.Children.TryGetValue("secrets", out YamlNode? s) && s is YamlSequenceNode ss ? ss.Children.Select(Text).ToList() : []
               select (service.Name, (IReadOnlyList<string>)ports, (IReadOnlyList<string>)secrets,
                   (IReadOnlyList<ComposeVariable>)[.. environment.Where(v => v.Service == service.Name)]);
    }

    private static IEnumerable<(string Name, YamlMappingNode Body)> Services(string yaml)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(yaml);
        stream.Load(new MergingParser(new Parser(reader)));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return root.Children.TryGetValue("services", out YamlNode? services)
            ? ((YamlMappingNode)services).Children.Where(s => s.Value is YamlMappingNode).Select(s => (Text(s.Key), (YamlMappingNode)s.Value))
            : [];
    }

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? string.Empty;
}
