using FaceVector.Core.Imaging;
using FaceVector.Core.Pipeline;
using FaceVector.Core.Search;

namespace FaceVector.Core.Tests;

/// <summary>Every file in shared/data/awkward behaves as its manifest says, and nothing crashes.</summary>
public sealed class AwkwardFileTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    public static TheoryData<string> AwkwardFiles() =>
        [.. TestData.Manifest(Path.Combine(TestData.Awkward, "manifest.tsv")).Select(r => r["path"])];

    [Theory]
    [MemberData(nameof(AwkwardFiles))]
    public void Never_crashes_and_errors_name_the_file(string name)
    {
        ImageResult result = new BatchAnalyzer(fixture.Analyzer, 1).AnalyzeOne(TestData.AwkwardFile(name));
        Assert.True(result.Faces is not null || result.Error!.Contains(name, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("zero_bytes.jpg", ImageLoadFailure.Empty)]
    [InlineData("text_renamed.jpg", ImageLoadFailure.NotAnImage)]
    [InlineData("huge_8000x8000.png", ImageLoadFailure.TooLarge)]
    public void Unusable_files_are_refused_with_their_reason(string name, ImageLoadFailure failure)
    {
        var ex = Assert.Throws<ImageLoadException>(() => fixture.Analyzer.Analyze(TestData.AwkwardFile(name)));
        Assert.Equal(failure, ex.Failure);
    }

    [Theory]
    [InlineData("jpeg_named_as.png", "rose_leslie/img1.jpg")]
    [InlineData("grayscale_1ch.jpg", "kit_harington/john2.jpeg")]
    [InlineData("cmyk.jpg", "barack_obama/obama2.jpg")]
    [InlineData("rgba_32bit.png", "barack_obama/obama.jpg")]
    [InlineData("exif_orientation_6.jpg", "kit_harington/johnsnow_test1.jpg")]
    [InlineData("exif_orientation_3.jpg", "kit_harington/johnsnow_test1.jpg")]
    [InlineData("progressive.jpg", "alex_lacamoire/img1.jpg")]
    public void Decodable_variants_give_one_face_of_the_right_person(string name, string sameAs)
    {
        ImageFaces faces = fixture.Analyzer.Analyze(TestData.AwkwardFile(name));
        Assert.Single(faces.Faces);
        Face reference = fixture.Analyzer.Analyze(TestData.FacesDevFile(sameAs)).Largest!;
        float score = Similarity.Cosine(reference.Embedding!, faces.Faces[0].Embedding!);
        Assert.True(score >= fixture.Analyzer.RecommendedThreshold, $"{name} vs {sameAs}: {score}");
    }

    [Theory]
    [InlineData("tiny_20x20.png")]
    [InlineData("upside_down_no_exif.jpg")]
    [InlineData("partial_face.jpg")]
    [InlineData("truncated_half.jpg")]
    public void Hard_cases_answer_without_crashing(string name)
    {
        ImageResult result = new BatchAnalyzer(fixture.Analyzer, 1).AnalyzeOne(TestData.AwkwardFile(name));
        Assert.True(result.Succeeded || result.Error is not null);
    }
}
