using System.Globalization;
using System.Text.Json;
using FaceVector.People.Storage;
using Xunit.Abstractions;

namespace FaceVector.Cli.Tests;

/// <summary>
/// People kept true by the CLI's other commands: <c>delete</c> (every route) takes faces out of their persons and
/// re-chooses covers; <c>index</c> adds new faces to the people of a store that has them (the ingest hook), keeping names.
/// </summary>
public sealed class PeopleIngestAndErasureTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    private string Db => _temp.File("faces.db");

    private string Photos => _temp.File("photos");

    [Theory]
    [InlineData("path")]
    [InlineData("folder")]
    [InlineData("tag")]
    public async Task Delete_takes_the_faces_out_of_their_person_removes_empty_people_and_rechooses_the_cover(string route)
    {
        foreach ((string folder, string who) in new[] { ("barack_obama", "obama"), ("joe_biden", "biden") })
        {
            Directory.CreateDirectory(Path.Combine(Photos, who));
            foreach (string file in Directory.EnumerateFiles(TestData.FacesDevFile(folder)))
            {
                File.Copy(file, Path.Combine(Photos, who, Path.GetFileName(file)));
            }

            CliRun index = await FaceVectorProcess.RunAsync("index", Path.Combine(Photos, who), "--db", Db, "--tag", $"who={who}");
            Assert.True(index.ExitCode == 0, index.Stderr);
        }

        CliRun cluster = await FaceVectorProcess.RunAsync("people", "cluster", "--db", Db);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);
        List<PersonRow> before = await PeopleAsync();
        PersonRow obama = HolderOf(before, "obama");
        PersonRow biden = HolderOf(before, "biden");

        string[] args = route switch
        {
            // The cover's photo: the person must get another cover.
            "path" => ["--path", obama.Cover!.Path],
            "folder" => ["--folder", Path.Combine(Photos, "biden")],
            _ => ["--tag", "who=biden"],
        };
        CliRun delete = await FaceVectorProcess.RunAsync(["delete", .. args, "--db", Db]);
        Assert.True(delete.ExitCode == 0, delete.Stdout + delete.Stderr);

        List<PersonRow> after = await PeopleAsync();
        if (route == "path")
        {
            PersonRow left = Assert.Single(after, p => p.Id == obama.Id);
            int gone = obama.Faces.Count(f => f.Path == obama.Cover!.Path);
            Assert.Equal(obama.FaceCount - gone, left.FaceCount);
            Assert.DoesNotContain(left.Faces, f => f.Path == obama.Cover!.Path);
            Assert.NotEqual(obama.Cover!.Id, left.Cover!.Id);
            Assert.Contains(left.Faces, f => f.Id == left.Cover!.Id);
        }
        else
        {
            // Every face of Biden's person was his: the person is gone; no one keeps a face of a deleted photo.
            Assert.DoesNotContain(after, p => p.Id == biden.Id);
            Assert.DoesNotContain(after.SelectMany(p => p.Faces), f => f.Path.Contains($"{Path.DirectorySeparatorChar}biden{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            Assert.Equal(obama.FaceCount, Assert.Single(after, p => p.Id == obama.Id).FaceCount);
        }
    }

    [Fact]
    public async Task Index_adds_new_faces_to_the_right_people_and_keeps_names()
    {
        // 20 lfw-dev people with 5 or more photos, at most 8 photos each: every other photo first, the rest later.
        string lfw = Path.Combine(TestData.Shared, "data", "lfw-dev");
        var labelled = Directory.EnumerateDirectories(lfw).Order(StringComparer.Ordinal)
            .Select(d => (Label: Path.GetFileName(d), Files: Directory.EnumerateFiles(d).Order(StringComparer.Ordinal).Take(8).ToList()))
            .Where(p => p.Files.Count >= 5).Take(20).ToList();
        var firstHalf = new List<(string Label, string File)>();
        var secondHalf = new List<(string Label, string File)>();
        foreach ((string label, List<string> files) in labelled)
        {
            for (int i = 0; i < files.Count; i++)
            {
                (i % 2 == 0 ? firstHalf : secondHalf).Add((label, files[i]));
            }
        }

        CopyAll(firstHalf);
        CliRun index = await FaceVectorProcess.RunAsync("index", Photos, "--db", Db);
        Assert.True(index.ExitCode == 0, index.Stderr);
        Assert.DoesNotContain("people:", index.Stdout, StringComparison.Ordinal); // no people yet: the hook leaves the store alone
        CliRun cluster = await FaceVectorProcess.RunAsync("people", "cluster", "--db", Db);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);

        // Every person is named after the label most of its centre faces carry.
        Dictionary<string, string> labelOf = [];
        foreach ((string label, string file) in firstHalf.Concat(secondHalf))
        {
            labelOf[Path.Combine(Photos, label, Path.GetFileName(file))] = label;
        }

        var names = new Dictionary<long, string>();
        using (var store = new PeopleStore(Db, FaceVector.Index.FaceIndexOptions.DefaultCollection))
        {
            foreach (PersonRow p in await PeopleAsync())
            {
                string? majority = CentreFaces(p.Faces).Select(f => labelOf[f.Path]).GroupBy(l => l).MaxBy(g => g.Count())?.Key;
                if (majority is not null)
                {
                    names[p.Id] = majority;
                    store.Write(w => w.SetName(p.Id, majority));
                }
            }
        }

        Assert.True(names.Count >= 15, $"{names.Count} people named");

        CopyAll(secondHalf);
        CliRun more = await FaceVectorProcess.RunAsync("index", Photos, "--db", Db);
        Assert.True(more.ExitCode == 0, more.Stderr);
        Assert.Contains($"{secondHalf.Count} embedded", more.Stdout, StringComparison.Ordinal);
        Assert.Contains("new face(s) joined people", more.Stdout, StringComparison.Ordinal);

        List<PersonRow> people = await PeopleAsync();
        // Names kept: the same ids, the same names.
        foreach ((long id, string name) in names)
        {
            Assert.Equal(name, Assert.Single(people, p => p.Id == id).Name);
        }

        // The new photos' centre faces joined the person named after their label.
        var secondPaths = secondHalf.Select(s => Path.Combine(Photos, s.Label, Path.GetFileName(s.File))).ToHashSet(StringComparer.Ordinal);
        var joined = people.SelectMany(p => CentreFaces(p.Faces).Where(f => secondPaths.Contains(f.Path)).Select(f => (Person: p, Face: f))).ToList();
        int right = joined.Count(j => j.Person.Name == labelOf[j.Face.Path]);
        (double p, double r, double f) incremental = PairwiseF(people, labelOf);
        CliRun full = await FaceVectorProcess.RunAsync("people", "cluster", "--full", "--db", Db);
        Assert.True(full.ExitCode == 0, full.Stderr);
        (double p, double r, double f) fullRun = PairwiseF(await PeopleAsync(), labelOf);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{labelled.Count} people, {firstHalf.Count} photos clustered then {secondHalf.Count} added by 'index': {joined.Count} new centre faces assigned, {right} to the person named after their label; pairwise P/R/F incremental {incremental.p:0.0000}/{incremental.r:0.0000}/{incremental.f:0.0000}, full re-cluster {fullRun.p:0.0000}/{fullRun.r:0.0000}/{fullRun.f:0.0000}"));
        Assert.True(joined.Count >= 0.8 * secondHalf.Count, $"{joined.Count} of {secondHalf.Count} new photos joined a person");
        Assert.True(right >= 0.95 * joined.Count, $"{right} of {joined.Count} joined the right person");
        Assert.True(incremental.f >= 0.9, $"incremental F {incremental.f}");
        Assert.True(Math.Abs(incremental.f - fullRun.f) <= 0.02, $"incremental F {incremental.f} vs full {fullRun.f}");
    }

    /// <summary>The labelled face of each lfw photo: the one nearest the centre of the 250×250 image.</summary>
    private static IEnumerable<FaceRow> CentreFaces(IEnumerable<FaceRow> faces) =>
        faces.Where(f => Math.Abs(((f.Bbox[0] + f.Bbox[2]) / 2) - 125) < 30 && Math.Abs(((f.Bbox[1] + f.Bbox[3]) / 2) - 125) < 30);

    /// <summary>Pairwise precision, recall and F over the labelled photos (one centre face each; unassigned ones alone).</summary>
    private static (double P, double R, double F) PairwiseF(List<PersonRow> people, Dictionary<string, string> labelOf)
    {
        var clusterOf = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (PersonRow p in people)
        {
            foreach (FaceRow f in CentreFaces(p.Faces))
            {
                clusterOf[f.Path] = p.Id;
            }
        }

        string[] paths = [.. labelOf.Keys.Order(StringComparer.Ordinal)];
        long tp = 0, predicted = 0, actual = 0;
        for (int i = 0; i < paths.Length; i++)
        {
            for (int j = i + 1; j < paths.Length; j++)
            {
                bool same = labelOf[paths[i]] == labelOf[paths[j]];
                bool together = clusterOf.TryGetValue(paths[i], out long a) && clusterOf.TryGetValue(paths[j], out long b) && a == b;
                actual += same ? 1 : 0;
                predicted += together ? 1 : 0;
                tp += same && together ? 1 : 0;
            }
        }

        double precision = predicted == 0 ? 1 : (double)tp / predicted, recall = actual == 0 ? 1 : (double)tp / actual;
        return (precision, recall, 2 * precision * recall / Math.Max(precision + recall, 1e-12));
    }

    private void CopyAll(IEnumerable<(string Label, string File)> photos)
    {
        foreach ((string label, string file) in photos)
        {
            Directory.CreateDirectory(Path.Combine(Photos, label));
            File.Copy(file, Path.Combine(Photos, label, Path.GetFileName(file)));
        }
    }

    private static PersonRow HolderOf(List<PersonRow> people, string folder) =>
        people.MaxBy(p => p.Faces.Count(f => f.Path.Contains($"{Path.DirectorySeparatorChar}{folder}{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        ?? throw new Xunit.Sdk.XunitException($"no person holds {folder}");

    private async Task<List<PersonRow>> PeopleAsync()
    {
        CliRun list = await FaceVectorProcess.RunAsync("people", "--json", "--faces", "--all", "--db", Db);
        Assert.True(list.ExitCode == 0, list.Stderr);
        return [.. list.Json().GetProperty("people").EnumerateArray().Select(p => new PersonRow(
            p.GetProperty("id").GetInt64(),
            // Null values are left out of the CLI's JSON.
            p.TryGetProperty("name", out JsonElement name) ? name.GetString() : null,
            p.GetProperty("faceCount").GetInt32(),
            p.TryGetProperty("cover", out JsonElement cover) ? Face(cover) : null,
            [.. p.GetProperty("faces").EnumerateArray().Select(Face)]))];
    }

    private static FaceRow Face(JsonElement f) =>
        new(f.GetProperty("id").GetGuid(), f.GetProperty("path").GetString()!, [.. f.GetProperty("bbox").EnumerateArray().Select(v => v.GetSingle())]);

    private sealed record FaceRow(Guid Id, string Path, float[] Bbox);

    private sealed record PersonRow(long Id, string? Name, int FaceCount, FaceRow? Cover, List<FaceRow> Faces);

    public void Dispose() => _temp.Dispose();
}
