using System.Diagnostics;
using System.Text.Json;
using FaceVector.Application.Migration;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using Xunit.Abstractions;

namespace FaceVector.Cli.Tests;

/// <summary>
/// <c>facevector migrate</c> as a real process with the real models on real photos: killed (SIGKILL) mid-run and resumed,
/// searched while it runs, and checked against an uninterrupted migration of the same store.
/// </summary>
public sealed class MigrateCommandTests(ITestOutputHelper output) : IDisposable
{
    private const string OldRecognizer = "w600k_mbf_int8.onnx";
    private const string NewRecognizer = "w600k_mbf_dq.onnx";
    private const int Photos = 240;
    private const int Kills = 3;

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Killed_migrations_resume_to_every_face_exactly_once_while_readers_use_the_old_collection_until_the_switch()
    {
        string photos = _temp.File("photos");
        PhotoVariants.Write(photos, Photos);
        string crashed = _temp.File("crashed.db"), reference = _temp.File("reference.db");
        var indexed = await FaceVectorProcess.RunAsync(["index", photos, "--db", crashed, "--recognizer", OldRecognizer], timeout: TimeSpan.FromMinutes(6));
        Assert.True(indexed.ExitCode == 0, indexed.Stderr);
        File.Copy(crashed, reference);
        Dictionary<Guid, FacePoint> before = await ReadAllAsync(crashed, "faces");
        output.WriteLine($"indexed {before.Count} faces with {OldRecognizer}");

        // A reader opened before the migration, as a running 'serve' holds one: it must keep answering, then follow the switch.
        await using var reader = new SqliteFaceIndex(crashed, "faces");
        string oldModel = (await reader.GetCollectionAsync())!.ModelId;
        FacePoint probe = before.Values.First();

        var clock = Stopwatch.StartNew();
        var full = await FaceVectorProcess.RunAsync(["migrate", "--to-recognizer", NewRecognizer, "--db", reference, "--batch", "16", "--json"], timeout: TimeSpan.FromMinutes(6));
        Assert.True(full.ExitCode == 0, full.Stderr);
        JsonElement fullReport = full.Json();
        string target = fullReport.GetProperty("target").GetString()!;
        output.WriteLine($"uninterrupted migration: {clock.Elapsed.TotalSeconds:0.0} s, {fullReport.GetProperty("facesPerSecond").GetDouble():0.0} faces/s");

        var rng = new Random(7);
        int kills = 0;
        for (int attempt = 0; kills < Kills && attempt < Kills * 3; attempt++)
        {
            long landed = await CountAsync(crashed, target);
            using Process run = FaceVectorProcess.Start(["migrate", "--to-recognizer", NewRecognizer, "--db", crashed, "--batch", "16"]);
            while (!run.HasExited && await CountAsync(crashed, target) <= landed)
            {
                await Task.Delay(50);
            }

            // Mid-run: the name still stands for the old collection, and searches answer from it.
            if (!run.HasExited)
            {
                IReadOnlyList<FaceMatch> hits = await reader.SearchAsync(new FaceQuery(probe.Vector!, oldModel, 1));
                Assert.Equal(probe.Id, Assert.Single(hits).Id);
                Assert.True(hits[0].Score > 0.999f, $"score {hits[0].Score}");
                Assert.Equal(oldModel, (await reader.GetCollectionAsync())!.ModelId);
            }

            run.WaitForExit(rng.Next(0, 400));
            bool exited = run.HasExited;
            if (!exited)
            {
                run.Kill(entireProcessTree: true); // SIGKILL: no cleanup, no flush
                await run.WaitForExitAsync();
                kills++;
            }

            output.WriteLine($"run {attempt}: {(exited ? "finished before the kill" : "killed")}, {await CountAsync(crashed, target)} faces in {target}");
            Assert.False(exited, "the migration finished before it could be killed: raise Photos");
        }

        Assert.Equal(Kills, kills);
        await using (var catalog = new SqliteStoreCatalog(crashed))
        {
            Assert.Null(await catalog.AliasTargetAsync("faces")); // not switched by any killed run
        }

        var last = await FaceVectorProcess.RunAsync(["migrate", "--to-recognizer", NewRecognizer, "--db", crashed, "--json"], timeout: TimeSpan.FromMinutes(6));
        Assert.True(last.ExitCode == 0, last.Stderr);
        JsonElement report = last.Json();
        output.WriteLine($"final run: {report.GetProperty("reembedded").GetInt64()} re-embedded, {report.GetProperty("alreadyDone").GetInt64()} already done");
        Assert.True(report.GetProperty("alreadyDone").GetInt64() > 0);
        Assert.True(report.GetProperty("switched").GetBoolean());
        Assert.Equal("faces", report.GetProperty("oldKeptAs").GetString());

        // Every face exactly once, same ids and payload, vectors equal to the uninterrupted migration's.
        Dictionary<Guid, FacePoint> expected = await ReadAllAsync(reference, target), actual = await ReadAllAsync(crashed, target);
        Assert.Equal(before.Keys.Order(), actual.Keys.Order());
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        string newModel = report.GetProperty("toModel").GetString()!;
        foreach ((Guid id, FacePoint a) in actual)
        {
            FacePayload b = before[id].Payload;
            Assert.Equal((b.ImagePath, b.ImageHash, b.FaceIndex, b.Box, b.DetectionScore, b.IngestedAt, newModel),
                (a.Payload.ImagePath, a.Payload.ImageHash, a.Payload.FaceIndex, a.Payload.Box, a.Payload.DetectionScore, a.Payload.IngestedAt, a.Payload.ModelId));
            Assert.Equal(b.Keypoints, a.Payload.Keypoints);
            Assert.Equal(b.Tags.OrderBy(t => t.Key), a.Payload.Tags.OrderBy(t => t.Key));
            float[] e = expected[id].Vector!;
            for (int i = 0; i < e.Length; i++)
            {
                Assert.True(Math.Abs(e[i] - a.Vector![i]) < 1e-5f, $"{a.Payload.ImagePath}: vector differs at {i}");
            }
        }

        // The reader opened before the migration now answers from the new collection and refuses the old model.
        Assert.Equal(newModel, (await reader.GetCollectionAsync())!.ModelId);
        await Assert.ThrowsAsync<ModelMismatchException>(() => reader.SearchAsync(new FaceQuery(probe.Vector!, oldModel, 1)));
        await Assert.ThrowsAsync<ModelMismatchException>(() => reader.UpsertAsync([probe]));
        Assert.Equal(probe.Id, Assert.Single(await reader.SearchAsync(new FaceQuery(actual[probe.Id].Vector!, newModel, 1))).Id);
        output.WriteLine($"{actual.Count} faces identical to the uninterrupted migration after {kills} kills");
    }

    [Fact]
    public async Task Gone_and_changed_photos_are_reported_and_the_rest_migrates_then_finish_drops_the_old_collection()
    {
        string photos = _temp.File("few");
        IReadOnlyList<string> files = PhotoVariants.Write(photos, 8);
        string db = _temp.File("few.db");
        var indexed = await FaceVectorProcess.RunAsync(["index", photos, "--db", db, "--recognizer", OldRecognizer]);
        Assert.True(indexed.ExitCode == 0, indexed.Stderr);
        Dictionary<Guid, FacePoint> before = await ReadAllAsync(db, "faces");
        string gone = files[0], changed = files[1];
        int goneFaces = before.Values.Count(p => p.Payload.ImagePath == gone), changedFaces = before.Values.Count(p => p.Payload.ImagePath == changed);
        Assert.True(goneFaces > 0 && changedFaces > 0);
        File.Delete(gone);
        File.Copy(files[2], changed, overwrite: true); // another photo's bytes: the stored hash no longer matches

        var run = await FaceVectorProcess.RunAsync(["migrate", "--to-recognizer", NewRecognizer, "--db", db, "--json"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        JsonElement report = run.Json();
        Assert.Equal([gone], report.GetProperty("missingPhotos").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal([changed], report.GetProperty("changedPhotos").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(goneFaces + changedFaces, report.GetProperty("facesLeftOut").GetInt64());
        Assert.Equal(before.Count - goneFaces - changedFaces, report.GetProperty("targetFaces").GetInt64());
        Assert.True(report.GetProperty("switched").GetBoolean());

        // The journal followed the switch: 'index' skips the migrated photos and embeds only the changed one again.
        var again = await FaceVectorProcess.RunAsync(["index", photos, "--db", db, "--recognizer", NewRecognizer]);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains($"{files.Count - 1} files: 1 embedded, {files.Count - 2} unchanged", again.Stdout, StringComparison.Ordinal);

        var text = await FaceVectorProcess.RunAsync(["migrate", "--to-recognizer", NewRecognizer, "--db", db]);
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("already switched", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("old collection kept as 'faces'", text.Stdout, StringComparison.Ordinal);

        var finish = await FaceVectorProcess.RunAsync(["migrate", "--finish", "--db", db]);
        Assert.True(finish.ExitCode == 0, finish.Stderr);
        Assert.Contains("old collection dropped", finish.Stdout, StringComparison.Ordinal);
        await using var catalog = new SqliteStoreCatalog(db);
        Assert.False(await catalog.CollectionExistsAsync("faces"));
        Assert.Equal(MigrationTarget(report), await catalog.AliasTargetAsync("faces"));
    }

    [Fact]
    public async Task Bad_requests_name_the_flag_and_change_nothing()
    {
        string db = _temp.File("none.db");
        var both = await FaceVectorProcess.RunAsync(["migrate", "--to-recognizer", NewRecognizer, "--finish", "--db", db]);
        Assert.NotEqual(0, both.ExitCode);
        Assert.Contains("--to-recognizer", both.Stderr, StringComparison.Ordinal);
        var recognizer = await FaceVectorProcess.RunAsync(["migrate", "--recognizer", NewRecognizer, "--db", db]);
        Assert.Contains("--recognizer: migrate takes the new recognizer as --to-recognizer FILE", recognizer.Stderr, StringComparison.Ordinal);
        var batch = await FaceVectorProcess.RunAsync(["migrate", "--to-recognizer", NewRecognizer, "--batch", "0", "--db", db]);
        Assert.Contains("--batch must be at least 1", batch.Stderr, StringComparison.Ordinal);
        var missing = await FaceVectorProcess.RunAsync(["migrate", "--to-recognizer", NewRecognizer, "--db", db]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains(db, missing.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(db));
    }

    private static string MigrationTarget(JsonElement report) => report.GetProperty("target").GetString()!;

    private static async Task<long> CountAsync(string db, string collection)
    {
        await using var index = new SqliteFaceIndex(new SqliteIndexOptions(db, collection) { ResolveAlias = false });
        return await index.GetCollectionAsync() is null ? 0 : await index.CountAsync();
    }

    private static async Task<Dictionary<Guid, FacePoint>> ReadAllAsync(string db, string collection)
    {
        await using var index = new SqliteFaceIndex(new SqliteIndexOptions(db, collection) { ResolveAlias = false });
        var all = new Dictionary<Guid, FacePoint>();
        await foreach (FacePoint p in index.ScanAsync(500, withVectors: true))
        {
            Assert.True(all.TryAdd(p.Id, p), $"duplicate point {p.Id}");
        }

        return all;
    }

    public void Dispose() => _temp.Dispose();
}
