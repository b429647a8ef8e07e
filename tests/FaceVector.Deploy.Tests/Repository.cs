namespace FaceVector.Deploy.Tests;

/// <summary>Paths in the repository under test (the folder holding FaceVector.sln above the test binaries).</summary>
internal static class Repository
{
    public static readonly string Root = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>The compose files: the single-node stack, and the stack with the Qdrant cluster override on top.</summary>
    public static readonly string[] SingleNodeCompose = ["docker-compose.yml"];

    public static readonly string[] ClusterCompose = ["docker-compose.yml", "deploy/qdrant-cluster/docker-compose.yml"];

    public const string Dockerfile = "deploy/docker/Dockerfile";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceVector.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"FaceVector.sln not found above {AppContext.BaseDirectory}.");
    }
}
