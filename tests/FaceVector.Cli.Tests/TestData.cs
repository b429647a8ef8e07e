namespace FaceVector.Cli.Tests;

/// <summary>
/// The shared test images and models: <c>FACEVECTOR_SHARED</c> if set, else the <c>shared</c> folder beside the
/// repository root (the folder holding FaceVector.sln). Models: <c>FACEVECTOR_MODELS</c>, else shared/models.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string> SharedRoot = new(FindShared);

    public static string FacesDev => Path.Combine(SharedRoot.Value, "data", "faces-dev");

    public static string Models =>
        Environment.GetEnvironmentVariable("FACEVECTOR_MODELS") is { Length: > 0 } env ? env : Path.Combine(SharedRoot.Value, "models");

    private static string FindShared()
    {
        if (Environment.GetEnvironmentVariable("FACEVECTOR_SHARED") is { Length: > 0 } env)
        {
            return env;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceVector.sln")) && dir.Parent is { } parent && Directory.Exists(Path.Combine(parent.FullName, "shared")))
            {
                return Path.Combine(parent.FullName, "shared");
            }
        }

        throw new DirectoryNotFoundException("Test data not found: put the 'shared' folder beside the repository or set FACEVECTOR_SHARED.");
    }
}

/// <summary>A temporary folder deleted with the fixture or test that made it.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("facevector-cli-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is not a test failure.
        }
    }
}

/// <summary>A class fixture that runs <c>facevector</c> once for a whole test class, writing into its own temp folder.</summary>
public abstract class CliRunsFixture : IAsyncLifetime
{
    protected TempFolder Temp { get; } = new();

    public abstract Task InitializeAsync();

    public Task DisposeAsync()
    {
        Temp.Dispose();
        return Task.CompletedTask;
    }
}
