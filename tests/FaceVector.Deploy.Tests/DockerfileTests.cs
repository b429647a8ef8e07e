using System.Reflection;

namespace FaceVector.Deploy.Tests;

/// <summary>
/// deploy/docker/Dockerfile names paths that exist, restores every project it builds, starts the assembly it publishes,
/// and each image's project publishes. No image is built here (no Docker engine in CI).
/// </summary>
public sealed class DockerfileTests
{
    private static readonly IReadOnlyList<DockerStage> Stages = Dockerfile.Parse(File.ReadAllText(Repository.PathOf(Repository.Dockerfile)));

    /// <summary>The configuration these tests were built in; the publish test reuses that build.</summary>
    private static readonly string Configuration =
        typeof(DockerfileTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static TheoryData<string> ImageTargets => [.. Images.Select(s => s.Name)];

    private static IEnumerable<DockerStage> Images => Stages.Where(s => s.EntrypointDll is not null);

    private static IEnumerable<string> Copied => Stages.SelectMany(s => s.Arguments("COPY")).SelectMany(Dockerfile.ContextSources).Select(p => p.TrimEnd('/'));

    private static IEnumerable<string> Restored => Stages.SelectMany(s => s.DotnetProjects("restore"));

    [Fact]
    public void ImagesAreTheThreeServicesAndTheCli() =>
        Assert.Equal(["embedding", "search", "ingest", "cli"], Images.Select(s => s.Name));

    [Fact]
    public void EveryCopiedPathExists()
    {
        Assert.NotEmpty(Copied);
        string[] missing = [.. Copied.Where(p => !File.Exists(Repository.PathOf(p)) && !Directory.Exists(Repository.PathOf(p)))];
        Assert.True(missing.Length == 0, $"COPY sources missing from the repository: {string.Join(", ", missing)}");
    }

    [Fact]
    public void RestoreSeesEveryReferencedProjectAndTheCentralVersions()
    {
        var copied = Copied.ToHashSet(StringComparer.Ordinal);
        Assert.Contains("Directory.Packages.props", copied);
        Assert.Contains("Directory.Build.props", copied);
        Assert.Contains("protos", copied);
        string[] missing = [.. Restored.SelectMany(p => Projects.WithReferences(Projects.ProjectFile(p))).Distinct().Where(p => !copied.Contains(p))];
        Assert.True(missing.Length == 0, $"projects restored without their project file copied first: {string.Join(", ", missing)}");
    }

    [Fact]
    public void BuildContextLeavesOutLocalBuildOutput()
    {
        string[] ignored = File.ReadAllLines(Repository.PathOf(".dockerignore"));
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored); // a host's project.assets.json would replace the image's restore
        Assert.DoesNotContain(ignored, line => Copied.Any(p => line.TrimEnd('/') == p)); // nothing the Dockerfile copies
    }

    [Fact]
    public void EveryComposeBuildIsAnImageOfTheDockerfile()
    {
        ComposeBuild[] builds = [.. ComposeFiles.Builds(Repository.SingleNodeCompose[0])];
        Assert.NotEmpty(builds);
        Assert.All(builds, b => Assert.Equal(Repository.Dockerfile, b.Dockerfile));
        Assert.All(builds, b => Assert.Contains(b.Target, Images.Select(s => s.Name)));
    }

    [Theory]
    [MemberData(nameof(ImageTargets))]
    public void EntrypointIsThePublishedAssembly(string target)
    {
        string project = PublishedProject(target);

        Assert.Contains(project, Restored); // published with --no-restore
        Assert.Equal(Projects.AssemblyName(Projects.ProjectFile(project)) + ".dll", Stage(target).EntrypointDll);
    }

    /// <summary>Publishes the image's project as the Dockerfile does (from this test run's build) and finds the entry point.</summary>
    [Theory]
    [MemberData(nameof(ImageTargets))]
    public async Task ProjectPublishes(string target)
    {
        string output = Path.Combine(Path.GetTempPath(), $"facevector-publish-{target}-{Guid.NewGuid():N}");
        try
        {
            ProgramRun run = await ChildProcess.RunAsync("dotnet",
                ["publish", PublishedProject(target), "-c", Configuration, "--no-build", "-p:UseAppHost=false", "-o", output, "-nologo"],
                TimeSpan.FromMinutes(3));

            run.AssertSucceeded($"dotnet publish for the {target} image");
            Assert.True(File.Exists(Path.Combine(output, Stage(target).EntrypointDll!)), $"{Stage(target).EntrypointDll} not in the published output");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static DockerStage Stage(string name) => Stages.Single(s => s.Name == name);

    private static string PublishedProject(string target) => Stage(Stage(target).CopiesFrom.Single()).DotnetProjects("publish").Single();
}
