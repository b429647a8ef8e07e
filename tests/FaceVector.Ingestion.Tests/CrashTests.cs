using System.Diagnostics;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using Xunit.Abstractions;

namespace FaceVector.Ingestion.Tests;

/// <summary>
/// kill -9 the real <c>facevector index</c> process at random moments, restart it each time, and check the final
/// store equals that of an uninterrupted run: no face lost, none duplicated, every vector identical.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    // Enough photos that ten kills land before a run can finish, now that indexing runs at ~45 files/s.
    private const int Photos = 600;
    private const int Kills = 10;
    private readonly string _root = Directory.CreateTempSubdirectory("fv-crash-").FullName;

    [Fact]
    public async Task Killed_runs_resume_to_the_same_index_as_an_uninterrupted_run()
    {
        string photos = Path.Combine(_root, "photos");
        PhotoVariants.Write(photos, Photos);
        string reference = Path.Combine(_root, "reference.db"), crashed = Path.Combine(_root, "crashed.db");

        var clock = Stopwatch.StartNew();
        var full = await FaceVectorProcess.RunAsync(["index", photos, "--db", reference], timeout: TimeSpan.FromMinutes(5));
        Assert.True(full.ExitCode == 0, full.Stderr);
        output.WriteLine($"uninterrupted run: {clock.Elapsed.TotalSeconds:0.0} s; {full.Stdout.Trim()}");

        var rng = new Random(42);
        int kills = 0;
        for (int attempt = 0; kills < Kills && attempt < Kills * 3; attempt++)
        {
            long before = await CountAsync(crashed);
            using Process run = FaceVectorProcess.Start(["index", photos, "--db", crashed]);
            // Every other run is killed at a random moment shortly after start (often while loading or mid-batch);
            // the others right after a batch has landed plus a random extra, so each of those kills leaves progress behind.
            string when;
            if (attempt % 2 == 0)
            {
                int delay = rng.Next(300, 2500);
                run.WaitForExit(delay);
                when = $"{delay} ms after start";
            }
            else
            {
                while (!run.HasExited && await CountAsync(crashed) <= before)
                {
                    await Task.Delay(50);
                }

                int extra = rng.Next(0, 1200);
                run.WaitForExit(extra);
                when = $"{extra} ms after a batch landed";
            }

            bool exited = run.HasExited;
            if (!exited)
            {
                run.Kill(entireProcessTree: true); // SIGKILL: no cleanup, no flush
                await run.WaitForExitAsync();
                kills++;
            }

            output.WriteLine($"run {attempt}: {(exited ? "finished before the kill" : $"killed {when}")}, {await CountAsync(crashed)} faces stored");
            if (exited)
            {
                break;
            }
        }

        Assert.True(kills >= Kills, $"only {kills} kills landed");
        var last = await FaceVectorProcess.RunAsync(["index", photos, "--db", crashed], timeout: TimeSpan.FromMinutes(5));
        Assert.True(last.ExitCode == 0, last.Stderr);
        output.WriteLine($"final run: {last.Stdout.Trim()}");

        Dictionary<Guid, FacePoint> expected = await ReadAllAsync(reference), actual = await ReadAllAsync(crashed);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((Guid id, FacePoint e) in expected)
        {
            FacePoint a = actual[id];
            Assert.Equal((e.Payload.ImagePath, e.Payload.ImageHash, e.Payload.FaceIndex, e.Payload.Box), (a.Payload.ImagePath, a.Payload.ImageHash, a.Payload.FaceIndex, a.Payload.Box));
            Assert.Equal(e.Vector!.Length, a.Vector!.Length);
            for (int i = 0; i < e.Vector.Length; i++)
            {
                Assert.True(Math.Abs(e.Vector[i] - a.Vector[i]) < 1e-6f, $"{e.Payload.ImagePath}: vector differs at {i}");
            }
        }

        output.WriteLine($"{expected.Count} faces identical after {kills} kills");
    }

    private static async Task<long> CountAsync(string db)
    {
        // Polled while a run creates the store: a file SQLite has just made is still empty, and holds no face.
        if (!File.Exists(db) || (new FileInfo(db).Length == 0 && !File.Exists(db + "-wal")))
        {
            return 0;
        }

        await using var index = new SqliteFaceIndex(new SqliteIndexOptions(db, "faces"));
        return await index.GetCollectionAsync() is null ? 0 : await index.CountAsync();
    }

    private static async Task<Dictionary<Guid, FacePoint>> ReadAllAsync(string db)
    {
        await using var index = new SqliteFaceIndex(new SqliteIndexOptions(db, "faces"));
        var all = new Dictionary<Guid, FacePoint>();
        await foreach (FacePoint p in index.ScanAsync(500, withVectors: true))
        {
            Assert.True(all.TryAdd(p.Id, p), $"duplicate point {p.Id}");
        }

        return all;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
