namespace FaceVector.Cli.Tests;

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
