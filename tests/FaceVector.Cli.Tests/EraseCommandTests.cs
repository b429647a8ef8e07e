using System.Text.Json;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.Ingestion.Erasure;

namespace FaceVector.Cli.Tests;

/// <summary>
/// <c>facevector erase</c> and <c>delete</c> on a real store: the removed faces' vectors, paths and hashes are gone
/// from the store files byte for byte, and indexing again brings the photos back, whatever the route.
/// </summary>
public sealed class EraseCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private string Db => _temp.File("faces.db");

    private string Photos => _temp.File("photos");

    [Theory]
    [InlineData("path")]
    [InlineData("folder")]
    [InlineData("tag")]
    public async Task Erase_leaves_no_byte_of_the_removed_faces_and_indexing_again_brings_them_back(string route)
    {
        await IndexPhotosAsync();
        long before = await FacesAsync();
        string target = route switch
        {
            "path" => Path.Combine(Photos, "obama", "obama.jpg"),
            "folder" => Path.Combine(Photos, "obama"),
            _ => "who=biden",
        };
        // The bytes that must disappear, read from the store before the erase.
        (List<byte[]> vectors, List<string> paths) = await RemovedAsync(route, target);
        Assert.NotEmpty(vectors);

        CliRun erase = await FaceVectorProcess.RunAsync("erase", $"--{route}", target, "--db", Db, "--json");
        Assert.True(erase.ExitCode == 0, erase.Stdout + erase.Stderr);
        JsonElement report = erase.Json();
        Assert.True(report.GetProperty("verified").GetBoolean());
        Assert.Equal(vectors.Count, report.GetProperty("faces").GetInt64());
        Assert.Equal(vectors.Count, report.GetProperty("checkedVectors").GetInt32());
        Assert.Equal(0, report.GetProperty("found").GetArrayLength());

        // Independently of the command's own scan: no removed vector or path in any store file.
        foreach (string file in StoreFiles())
        {
            byte[] bytes = await File.ReadAllBytesAsync(file);
            Assert.All(vectors, v => Assert.True(bytes.AsSpan().IndexOf(v.AsSpan(0, 64)) < 0, $"a removed vector is still in {file}"));
            Assert.All(paths, p => Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(p)) < 0, $"{p} is still in {file}"));
        }

        Assert.Equal(before - vectors.Count, await FacesAsync());
        CliRun again = await FaceVectorProcess.RunAsync("index", Photos, "--db", Db);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(before, await FacesAsync());
    }

    [Fact]
    public async Task Delete_by_tag_forgets_the_photos_in_the_journal_so_index_brings_them_back()
    {
        await IndexPhotosAsync();
        long before = await FacesAsync();
        CliRun delete = await FaceVectorProcess.RunAsync("delete", "--tag", "who=biden", "--db", Db);
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.True(await FacesAsync() < before);
        CliRun again = await FaceVectorProcess.RunAsync("index", Photos, "--db", Db);
        Assert.DoesNotContain(" 0 embedded", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, await FacesAsync());
    }

    [Fact]
    public async Task The_scan_finds_what_a_plain_delete_leaves_behind()
    {
        // Without secure_delete and a checkpoint, SQLite leaves deleted rows in the file: the scan must see them,
        // or its "verified" would mean nothing.
        await IndexPhotosAsync();
        var faces = new List<FacePoint>();
        await using (var index = new SqliteFaceIndex(Db))
        {
            faces.AddRange((await index.ListAsync(1000, withVectors: true)).Points.Where(p => p.Payload.Tags.GetValueOrDefault("who") == "biden"));
        }

        Assert.NotEmpty(faces);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA secure_delete=OFF; DELETE FROM faces WHERE tags LIKE '%biden%';";
            command.ExecuteNonQuery();
        }

        ErasedFaces leftovers = ErasedFacesFor(faces);
        ErasureReport report = ErasureScan.Scan(leftovers, StoreFiles());
        Assert.False(report.Verified);
        Assert.Contains(report.Findings, f => f.Kind == "vector");
    }

    /// <summary>The scanner's patterns for the vectors of <paramref name="faces"/>, as FaceEraser makes them.</summary>
    private static ErasedFaces ErasedFacesFor(IReadOnlyList<FacePoint> faces) => new(faces.Count, [], [], null)
    {
        Needles = [.. faces.Select(f => new ErasureNeedle("vector", f.Id.ToString(),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.Vector.AsSpan()).ToArray()[..64]))],
    };

    private async Task IndexPhotosAsync()
    {
        Directory.CreateDirectory(Path.Combine(Photos, "obama"));
        Directory.CreateDirectory(Path.Combine(Photos, "biden"));
        foreach (string file in Directory.EnumerateFiles(TestData.FacesDevFile("barack_obama")).Take(3))
        {
            File.Copy(file, Path.Combine(Photos, "obama", Path.GetFileName(file)));
        }

        foreach (string file in Directory.EnumerateFiles(TestData.FacesDevFile("joe_biden")).Take(3))
        {
            File.Copy(file, Path.Combine(Photos, "biden", Path.GetFileName(file)));
        }

        CliRun obama = await FaceVectorProcess.RunAsync("index", Path.Combine(Photos, "obama"), "--db", Db, "--tag", "who=obama");
        Assert.True(obama.ExitCode == 0, obama.Stderr);
        CliRun biden = await FaceVectorProcess.RunAsync("index", Path.Combine(Photos, "biden"), "--db", Db, "--tag", "who=biden");
        Assert.True(biden.ExitCode == 0, biden.Stderr);
    }

    private async Task<(List<byte[]> Vectors, List<string> Paths)> RemovedAsync(string route, string target)
    {
        await using var index = new SqliteFaceIndex(Db);
        IEnumerable<FacePoint> all = (await index.ListAsync(1000, withVectors: true)).Points;
        List<FacePoint> removed = [.. all.Where(p => route switch
        {
            "path" => p.Payload.ImagePath == target,
            "folder" => p.Payload.ImagePath.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal),
            _ => p.Payload.Tags.GetValueOrDefault("who") == "biden",
        })];
        return ([.. removed.Select(p => System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Vector.AsSpan()).ToArray())],
            [.. removed.Select(p => p.Payload.ImagePath).Distinct()]);
    }

    private IEnumerable<string> StoreFiles() =>
        ErasureScan.StoreFiles(new FaceIndexOptions { DbPath = Db }, Db + ".faces.ingest.db").Where(File.Exists);

    private async Task<long> FacesAsync()
    {
        CliRun stats = await FaceVectorProcess.RunAsync("stats", "--db", Db, "--json");
        return stats.Json().GetProperty("faces").GetInt64();
    }

    public void Dispose() => _temp.Dispose();
}
