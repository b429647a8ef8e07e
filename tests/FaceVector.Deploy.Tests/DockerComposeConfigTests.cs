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
