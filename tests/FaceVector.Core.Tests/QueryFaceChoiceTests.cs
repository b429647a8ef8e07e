using FaceVector.Core.Pipeline;
using FaceVector.Core.Search;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceVector.Core.Tests;

/// <summary>
/// A small photo (upscaled ~2.5x by the 640 letterbox) whose subject fills the frame, with a sharp stranger in the
/// background: the query must use the subject (the largest face), not the face the detector is surest of.
/// </summary>
public sealed class QueryFaceChoiceTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fv-query-face-").FullName;

    [Fact]
    public void The_largest_face_is_the_query_face_even_with_a_background_face()
    {
        string photo = Path.Combine(_dir, "subject_with_stranger.png");
        using (Image<Rgb24> subject = Crop(TestData.FacesDevFile("barack_obama/obama.jpg"), new Rectangle(330, 40, 330, 420), new Size(200, 250)))
        using (Image<Rgb24> stranger = Crop(TestData.FacesDevFile("kit_harington/john2.jpeg"), FaceArea("kit_harington/john2.jpeg", 1.6f), new Size(70, 80)))
        {
            subject.Mutate(x => x.DrawImage(stranger, new Point(128, 4), 1f));
            subject.SaveAsPng(photo);
        }

        ImageFaces faces = fixture.Analyzer.Analyze(photo);
        Assert.Equal(2, faces.Faces.Count);
        QueryFace query = new FolderSearch(fixture.Analyzer).EmbedQuery(photo);
        float threshold = fixture.Analyzer.RecommendedThreshold;
        Face obama = fixture.Analyzer.Analyze(TestData.FacesDevFile("barack_obama/obama1.jpg")).Largest!;
        Face kit = fixture.Analyzer.Analyze(TestData.FacesDevFile("kit_harington/johnsnow_test1.jpg")).Largest!;
        Assert.True(Similarity.Cosine(query.Embedding, obama.Embedding!) >= threshold, "the query face is not the subject");
        Assert.True(Similarity.Cosine(query.Embedding, kit.Embedding!) < threshold, "the query face is the stranger");
    }

    private Rectangle FaceArea(string photo, float grow)
    {
        var box = fixture.Analyzer.Analyze(TestData.FacesDevFile(photo), embed: false).Largest!.Box;
        float w = box.Width * grow, h = box.Height * grow;
        return new Rectangle((int)(box.CenterX - (w / 2)), (int)(box.CenterY - (h / 2)), (int)w, (int)h);
    }

    private static Image<Rgb24> Crop(string path, Rectangle area, Size size)
    {
        var image = Image.Load<Rgb24>(path);
        area.Intersect(new Rectangle(0, 0, image.Width, image.Height));
        image.Mutate(x => x.AutoOrient().Crop(area).Resize(size));
        return image;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
