using FaceVector.Core.Pipeline;
using FaceVector.Core.Search;

namespace FaceVector.Core.Tests;

public sealed class FolderSearchTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    [Fact]
    public async Task Finds_every_photo_of_the_person_and_nobody_else()
    {
        var search = new FolderSearch(fixture.Analyzer);
        FolderSearchResult result = await search.SearchAsync(
            TestData.FacesDevFile("barack_obama/obama.jpg"), TestData.FacesDev, new FolderSearchOptions(fixture.Analyzer.RecommendedThreshold));

        string[] expected = [.. Directory.EnumerateFiles(Path.Combine(TestData.FacesDev, "barack_obama")).Select(Path.GetFileName)!,
            "two_people.jpg", "obama_and_biden.jpg"];
        string[] found = [.. result.Matches.Select(m => Path.GetFileName(m.Path)).Distinct()];
        Assert.Equal(expected.Order(), found.Order());
        Assert.Equal(result.Matches.OrderByDescending(m => m.Score).Select(m => m.Score), result.Matches.Select(m => m.Score));
        Assert.Equal(1f, result.Matches[0].Score, 3); // the query photo itself
        Assert.Empty(result.Errors);
        Assert.Equal(1, result.Stats.Skipped); // manifest.tsv is not an image and not reported as one
    }

    [Fact]
    public async Task Top_n_cuts_the_list()
    {
        var search = new FolderSearch(fixture.Analyzer);
        FolderSearchResult result = await search.SearchAsync(TestData.FacesDevFile("barack_obama/obama.jpg"), Path.Combine(TestData.FacesDev, "barack_obama"), new FolderSearchOptions(0.0f, Top: 2));
        Assert.Equal(2, result.Matches.Count);
    }

    [Fact]
    public async Task Broken_files_are_reported_and_the_rest_is_searched()
    {
        var search = new FolderSearch(fixture.Analyzer);
        FolderSearchResult result = await search.SearchAsync(TestData.FacesDevFile("kit_harington/john2.jpeg"), TestData.Awkward, new FolderSearchOptions(fixture.Analyzer.RecommendedThreshold));
        Assert.Contains(result.Errors, e => e.Path.EndsWith("zero_bytes.jpg", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path.EndsWith("text_renamed.jpg", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path.EndsWith("huge_8000x8000.png", StringComparison.Ordinal));
        Assert.Contains(result.Matches, m => m.Path.EndsWith("grayscale_1ch.jpg", StringComparison.Ordinal));
        Assert.Contains(result.Matches, m => m.Path.EndsWith("exif_orientation_6.jpg", StringComparison.Ordinal));
    }

    [Fact]
    public void Query_without_a_face_is_a_clear_error()
    {
        var search = new FolderSearch(fixture.Analyzer);
        var ex = Assert.Throws<NoFaceException>(() => search.EmbedQuery(TestData.FacesDevFile("_noface/coins.png")));
        Assert.Contains("coins.png", ex.Message);
    }

    [Fact]
    public async Task Parallel_and_sequential_runs_give_identical_results()
    {
        string[] files = [.. ImageFileEnumerator.Enumerate(Path.Combine(TestData.FacesDev, "_groups"))];
        var sequential = new Dictionary<string, ImageFaces>();
        foreach (string f in files)
        {
            sequential[f] = fixture.Analyzer.Analyze(f);
        }

        await foreach (ImageResult r in new BatchAnalyzer(fixture.Analyzer, 4).AnalyzeAsync(files))
        {
            ImageFaces s = sequential[r.Path];
            Assert.Equal(s.Faces.Count, r.Faces!.Faces.Count);
            for (int i = 0; i < s.Faces.Count; i++)
            {
                Assert.Equal(s.Faces[i].Embedding, r.Faces.Faces[i].Embedding);
            }
        }
    }
}
