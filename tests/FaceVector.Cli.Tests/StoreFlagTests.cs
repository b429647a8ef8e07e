namespace FaceVector.Cli.Tests;

/// <summary>The store flags map onto the one store configuration and go through the same checks as a server's start-up.</summary>
public sealed class StoreFlagTests
{
    [Theory]
    [InlineData("--qdrant-timeout", "0", "--qdrant-timeout must be > 0")]
    [InlineData("--collection", "a b", "--collection must be 1 to 255 letters")]
    public async Task A_bad_store_flag_stops_the_command_naming_the_flag(string flag, string value, string expected)
    {
        using var temp = new TempFolder();
        CliRun run = await FaceVectorProcess.RunAsync(["stats", "--db", temp.File("faces.db"), flag, value]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("faces.db"))); // refused before the store was opened
    }
}
