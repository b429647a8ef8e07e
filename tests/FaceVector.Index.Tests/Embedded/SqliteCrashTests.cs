using System.Diagnostics;
using FaceVector.Index.Embedded;
using FaceVector.Index.Tests.Contract;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace FaceVector.Index.Tests.Embedded;

/// <summary>
/// Kills a writing child process (FaceVector.Index.CrashWriter) with SIGKILL at random moments, then checks the file:
/// integrity_check is ok, every batch is whole or absent, and resuming ends exactly where an uninterrupted run does.
/// </summary>
public sealed class SqliteCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Batches = 60;
    private const int BatchSize = 100;
    private const int Kills = 10;

    private readonly TempDatabase _crashed = new();
    private readonly TempDatabase _uninterrupted = new();

    public void Dispose()
    {
        _crashed.Dispose();
        _uninterrupted.Dispose();
    }

    [Fact]
    public async Task A_writer_killed_at_random_moments_leaves_whole_batches_and_resumes_to_the_same_points()
    {
        var random = new Random(20261127);
        var kills = 0;
        for (var attempt = 0; kills < Kills && attempt < 3 * Kills; attempt++)
        {
            using var writer = StartWriter(_crashed.Path, batchesThisRun: random.Next(1, 8));
            while (await writer.StandardOutput.ReadLineAsync() is { } line && line != "ready") { }
            await Task.Delay(random.Next(0, 120));
            if (!writer.HasExited)
            {
                writer.Kill(); // SIGKILL: no finally blocks, no flush, no SQLite cleanup
                kills++;
            }
            await writer.WaitForExitAsync();
            var complete = await CheckWholeBatchesAsync(_crashed.Path);
            output.WriteLine($"kill {kills}: {complete} complete batches, integrity ok");
        }
        Assert.Equal(Kills, kills);

        // An instance opened before another process finishes the writing sees the result without reopening.
        await using var watcher = new SqliteFaceIndex(_crashed.Path);
        var before = await watcher.CountAsync();
        await RunToEndAsync(_crashed.Path);
        Assert.True(before < Batches * BatchSize);
        Assert.Equal(Batches * BatchSize, await watcher.CountAsync());
        await RunToEndAsync(_uninterrupted.Path);
        Assert.Equal(Batches, await CheckWholeBatchesAsync(_crashed.Path));
        Assert.Equal(await SnapshotAsync(_uninterrupted.Path), await SnapshotAsync(_crashed.Path));
    }

    /// <summary>Returns how many batches are present; fails unless each batch is whole or absent and the file is sound.</summary>
    private static async Task<int> CheckWholeBatchesAsync(string path)
    {
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", check.ExecuteScalar());
        }
        await using var index = new SqliteFaceIndex(path);
        if (await index.GetCollectionAsync() is null) return 0;
        var present = 0;
        for (var batch = 0; batch < Batches; batch++)
        {
            var count = await index.CountAsync(new FaceFilter { Tags = new Dictionary<string, string> { ["batch"] = $"{batch}" } });
            Assert.True(count is 0 or BatchSize, $"batch {batch} is half-written: {count} of {BatchSize} faces");
            if (count == BatchSize) present++;
        }
        Assert.Equal(present * BatchSize, await index.CountAsync());
        return present;
    }

    private static async Task<string> SnapshotAsync(string path)
    {
        await using var index = new SqliteFaceIndex(path);
        var lines = new List<string>();
        await foreach (FacePoint p in index.ScanAsync(500, withVectors: true))
        {
            lines.Add($"{p.Id} {p.Payload.ImagePath} {string.Join(',', p.Payload.Tags)} {string.Join(',', p.Vector!)}");
        }

        Assert.Equal(Batches * BatchSize, lines.Count);
        return string.Join('\n', lines);
    }

    private static async Task RunToEndAsync(string path)
    {
        using var writer = StartWriter(path);
        var text = await writer.StandardOutput.ReadToEndAsync();
        await writer.WaitForExitAsync();
        Assert.True(writer.ExitCode == 0, $"writer failed: {await writer.StandardError.ReadToEndAsync()}");
        Assert.EndsWith("done", text.TrimEnd(), StringComparison.Ordinal);
    }

    private static Process StartWriter(string path, int? batchesThisRun = null)
    {
        string[] args = [WriterAssembly(), path, $"{Batches}", $"{BatchSize}", .. batchesThisRun is { } quota ? [$"{quota}"] : Array.Empty<string>()];
        var start = new ProcessStartInfo(DotnetHost(), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the crash writer");
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";

    /// <summary>The writer's own build output: tests/FaceVector.Index.CrashWriter/bin/CONFIG/TFM/, beside this project's.</summary>
    private static string WriterAssembly()
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfm.Parent!;
        var testsFolder = configuration.Parent!.Parent!.Parent!;
        var writer = Path.Combine(testsFolder.FullName, "FaceVector.Index.CrashWriter", "bin", configuration.Name, tfm.Name, "FaceVector.Index.CrashWriter.dll");
        return File.Exists(writer) ? writer : throw new FileNotFoundException("Build tests/FaceVector.Index.CrashWriter first.", writer);
    }
}
