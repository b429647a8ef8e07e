using FaceVector.Core.Pipeline;
using FaceVector.Index;
using FaceVector.Index.Embedded;

namespace FaceVector.Ingestion.Tests;

/// <summary>The journal is bound to the index it describes: a lost or replaced store, or lost faces, are noticed and re-embedded.</summary>
public sealed class JournalIndexTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    private static string Photos(TempStore store)
    {
        string photos = Path.Combine(store.Folder, "photos");
        Directory.CreateDirectory(photos);
        foreach (string identity in new[] { "barack_obama", "kit_harington" })
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(TestData.FacesDev, identity)))
            {
                File.Copy(file, Path.Combine(photos, $"{identity}_{Path.GetFileName(file)}"));
            }
        }

        return photos;
    }

    [Fact]
    public async Task A_store_recreated_under_the_old_journal_is_filled_again_and_the_run_says_so()
    {
        await using var store = new TempStore();
        var source = new IngestSource { Folders = [Photos(store)] };
        var embedder = new CountingEmbedder(new LocalImageEmbedder(fixture.Analyzer));
        IngestSummary first = await new IngestPipeline(embedder, store.Index, store.Journal).RunAsync(source);
        var expected = await store.FacesAsync();
        Assert.NotEmpty(expected);
        Assert.Equal((await store.Index.GetCollectionAsync())!.IndexId, store.Journal.IndexId);

        // The store's file is lost (another volume), the journal stays: a fresh store gets a new index id.
        string otherDb = Path.Combine(store.Folder, "fresh.db");
        await using var fresh = new SqliteFaceIndex(otherDb, "faces");
        var messages = new List<string>();
        IngestSummary second = await new IngestPipeline(embedder, fresh, store.Journal, log: messages.Add).RunAsync(source);
        Assert.Equal(first.Files, second.Reembedded);
        Assert.Equal(first.Embedded, second.Embedded);
        Assert.Contains(messages, m => m.Contains("re-embedding all", StringComparison.Ordinal));
        Assert.Equal(first.FacesIndexed, await fresh.CountAsync());
        Assert.Equal((await fresh.GetCollectionAsync())!.IndexId, store.Journal.IndexId);

        int calls = embedder.Calls;
        IngestSummary third = await new IngestPipeline(embedder, fresh, store.Journal).RunAsync(source);
        Assert.Equal((0, 0, calls), (third.Reembedded, third.Embedded, embedder.Calls));
    }

    [Fact]
    public async Task Faces_lost_from_the_index_are_found_by_verify_and_put_back_by_the_next_ingest()
    {
        await using var store = new TempStore();
        var source = new IngestSource { Folders = [Photos(store)] };
        var embedder = new CountingEmbedder(new LocalImageEmbedder(fixture.Analyzer));
        await new IngestPipeline(embedder, store.Index, store.Journal).RunAsync(source);
        var expected = await store.FacesAsync();
        Assert.True((await JournalReconciler.CompareAsync(store.Journal, store.Index)).InStep);

        // Two files' faces vanish from the index behind the journal's back.
        string[] lost = [.. expected.Select(f => f.Path).Distinct().Take(2)];
        foreach (string path in lost)
        {
            await store.Index.DeleteAsync(new FaceFilter { ImagePath = path });
        }

        JournalIndexDiff diff = await JournalReconciler.CompareAsync(store.Journal, store.Index);
        Assert.False(diff.InStep);
        Assert.False(diff.OtherIndex);
        Assert.Equal(lost, diff.Missing.Select(m => m.Path).Order(StringComparer.Ordinal));
        Assert.All(diff.Missing, m => Assert.Equal(0, m.Index));

        int calls = embedder.Calls;
        var messages = new List<string>();
        IngestSummary again = await new IngestPipeline(embedder, store.Index, store.Journal, log: messages.Add).RunAsync(source);
        Assert.Equal((2, 2), (again.Reembedded, embedder.Calls - calls));
        Assert.Contains(messages, m => m.Contains("missing from the index are re-embedded", StringComparison.Ordinal));
        Assert.Equal(expected, await store.FacesAsync());
        Assert.True((await JournalReconciler.CompareAsync(store.Journal, store.Index)).InStep);
    }

    [Fact]
    public async Task Repair_forgets_what_the_index_lacks_and_binds_the_journal()
    {
        await using var store = new TempStore();
        var source = new IngestSource { Folders = [Photos(store)] };
        var embedder = new LocalImageEmbedder(fixture.Analyzer);
        await new IngestPipeline(embedder, store.Index, store.Journal).RunAsync(source);
        string victim = (await store.FacesAsync()).First().Path;
        await store.Index.DeleteAsync(new FaceFilter { ImagePath = victim });

        JournalIndexDiff diff = await JournalReconciler.CompareAsync(store.Journal, store.Index);
        Assert.Equal(1, JournalReconciler.Repair(store.Journal, diff));
        Assert.Null(store.Journal.Find(victim));
        Assert.True((await JournalReconciler.CompareAsync(store.Journal, store.Index)).InStep);
    }
}
