namespace FaceVector.Deploy.Tests;

/// <summary>The docker-compose program.</summary>
internal static class DockerCompose
{
    public static readonly string? Path = ChildProcess.Find("docker-compose");

    /// <summary><c>docker-compose -f A -f B config</c>: merges and validates the files (no Docker engine needed).</summary>
    public static Task<ProgramRun> ConfigAsync(IEnumerable<string> files) =>
        ChildProcess.RunAsync(Path!, [.. files.SelectMany(f => new[] { "-f", f }), "config"], TimeSpan.FromMinutes(1));
}

/// <summary>docker-compose accepts the compose files as they are and merged with the cluster override.</summary>
public sealed class DockerComposeConfigTests
{
    [DockerComposeFact]
    public async Task SingleNodeStackIsValid()
    {
        ProgramRun run = await DockerCompose.ConfigAsync(Repository.SingleNodeCompose);

        run.AssertSucceeded("docker-compose config");
        Assert.Contains("dns:///embedding:8080", run.Output, StringComparison.Ordinal);
    }

    [DockerComposeFact]
    public async Task ClusterOverrideIsValid()
    {
        ProgramRun run = await DockerCompose.ConfigAsync(Repository.ClusterCompose);

        run.AssertSucceeded("docker-compose config with the cluster override");
        Assert.Contains("--bootstrap http://qdrant:6335", run.Output, StringComparison.Ordinal);
        Assert.Contains("qdrant-node3-storage", run.Output, StringComparison.Ordinal);
    }

    [DockerComposeFact]
    public async Task ModelsAreCheckedOfflineAndPulledOnlyWhenMissing()
    {
        ProgramRun run = await DockerCompose.ConfigAsync(Repository.SingleNodeCompose);

        run.AssertSucceeded("docker-compose config");
        string models = System.Text.RegularExpressions.Regex.Replace(Service(run.Output, "models"), @"\s+", " "); // long lines are folded
        Assert.Contains("models check --models /models", models, StringComparison.Ordinal);
        Assert.Contains("-eq 3 ]; then exec dotnet facevector.dll models pull", models, StringComparison.Ordinal); // only when missing
        Assert.DoesNotContain("ls /models/*.onnx", models, StringComparison.Ordinal); // the old test that always failed and re-downloaded
    }

    [DockerComposeFact]
    public async Task EveryLongRunningServiceHasLimitsAndQuietRequestLogs()
    {
        ProgramRun run = await DockerCompose.ConfigAsync(Repository.ClusterCompose);

        run.AssertSucceeded("docker-compose config with the cluster override");
        foreach (string name in new[] { "qdrant", "qdrant-node2", "qdrant-node3", "embedding", "search", "ingest" })
        {
            string service = Service(run.Output, name);
            Assert.Contains("cpus:", service, StringComparison.Ordinal);
            Assert.Contains("mem_limit:", service, StringComparison.Ordinal);
        }

        foreach (string name in new[] { "embedding", "search", "ingest" })
        {
            Assert.Contains("Logging__LogLevel__Microsoft.AspNetCore: Warning", Service(run.Output, name), StringComparison.Ordinal);
        }

        Assert.Contains("FaceVector__Index__QdrantFailoverUrls__1: http://qdrant-node3:6334", Service(run.Output, "ingest"), StringComparison.Ordinal);
        Assert.Contains("QDRANT__SERVICE__ENABLE_TLS", Service(run.Output, "qdrant-node3"), StringComparison.Ordinal);
    }

    /// <summary>One service's block of <c>docker-compose config</c> output (two-space indented under services:).</summary>
    private static string Service(string config, string name)
    {
        string[] lines = config.Split('\n');
        int start = Array.FindIndex(lines, l => l == $"  {name}:");
        Assert.True(start >= 0, $"service {name} not in the merged config");
        int end = Array.FindIndex(lines, start + 1, l => l.Length > 2 && l[0] == ' ' && l[1] == ' ' && l[2] != ' ' || l.Length > 0 && l[0] != ' ');
        return string.Join('\n', lines[start..(end < 0 ? lines.Length : end)]);
    }

    [DockerComposeFact]
    public async Task AnInvalidFileIsRejected()
    {
        string bad = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"facevector-bad-compose-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(bad, "services:\n  search:\n    image: x\n    depends_on:\n      nowhere:\n        condition: service_healthy\n");
        try
        {
            ProgramRun run = await DockerCompose.ConfigAsync([bad]);

            Assert.NotEqual(0, run.ExitCode);
        }
        finally
        {
            File.Delete(bad);
        }
    }
}
