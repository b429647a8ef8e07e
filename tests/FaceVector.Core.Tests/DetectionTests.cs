using FaceVector.Core.Detection;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Core.Search;

namespace FaceVector.Core.Tests;

public sealed class DetectionTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    [Theory]
    [InlineData("_groups/group-3.jpg", 4, 4)]
    [InlineData("_groups/kit_with_rose.jpg", 2, 2)]
    [InlineData("_groups/two_people.jpg", 2, 2)]
    [InlineData("_groups/obama_and_biden.jpg", 2, 3)]
    [InlineData("_groups/solvay1927.jpg", 27, 31)]
    [InlineData("_groups/bbt1.jpg", 4, 5)]
    public void Finds_the_faces_of_group_photos(string photo, int min, int max)
    {
        int count = fixture.Analyzer.Analyze(TestData.FacesDevFile(photo), embed: false).Faces.Count;
        Assert.InRange(count, min, max);
    }

    [Fact]
    public void Finds_no_face_in_photos_without_people()
    {
        foreach (string file in Directory.EnumerateFiles(Path.Combine(TestData.FacesDev, "_noface")))
        {
            Assert.Empty(fixture.Analyzer.Analyze(file, embed: false).Faces);
        }
    }

    [Fact]
    public void Every_identity_photo_has_a_face()
    {
        var missing = fixture.FacesDev
            .Where(r => !Path.GetFileName(Path.GetDirectoryName(r.Path)!).StartsWith('_') && r.Path.EndsWith("g", StringComparison.OrdinalIgnoreCase))
            .Where(r => r.Faces is null || r.Faces.Faces.Count == 0)
            .Select(r => r.Path)
            .ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Tight_crops_are_found_by_padding_and_retrying()
    {
        ImageFaces faces = fixture.Analyzer.Analyze(TestData.FacesDevFile("sheldon/sheldon1.png"));
        Assert.Single(faces.Faces);
        Assert.True(faces.Retried);
        using var noRetry = new FaceAnalyzer(new FaceAnalyzerOptions { Models = TestModels.Directory, PadAndRetry = false });
        Assert.Empty(noRetry.Analyze(TestData.FacesDevFile("sheldon/sheldon1.png"), embed: false).Faces);
    }

    [Fact]
    public void Keypoints_lie_inside_their_face_box_in_original_coordinates()
    {
        foreach (Face face in fixture.Analyzer.Analyze(TestData.FacesDevFile("_groups/bbt1.jpg"), embed: false).Faces)
        {
            for (int k = 0; k < 5; k++)
            {
                Assert.InRange(face.Keypoints[2 * k], face.Box.X1, face.Box.X2);
                Assert.InRange(face.Keypoints[(2 * k) + 1], face.Box.Y1, face.Box.Y2);
            }

            // Eye on the image's left comes first.
            Assert.True(face.Keypoints[0] < face.Keypoints[2]);
        }
    }

    [Fact]
    public void Minimum_face_size_drops_small_faces()
    {
        using var strict = new FaceAnalyzer(new FaceAnalyzerOptions { Models = TestModels.Directory, MinFaceSize = 60 });
        IReadOnlyList<Face> all = fixture.Analyzer.Analyze(TestData.FacesDevFile("_groups/solvay1927.jpg"), embed: false).Faces;
        IReadOnlyList<Face> large = strict.Analyze(TestData.FacesDevFile("_groups/solvay1927.jpg"), embed: false).Faces;
        Assert.True(large.Count < all.Count);
        Assert.All(large, f => Assert.True(f.Box.MinSide >= 60));
    }

    [Theory]
    [InlineData("scrfd_det_2.5g.onnx")]
    [InlineData("face_detection_yunet_2023mar.onnx")]
    public void Other_detectors_find_the_same_people(string detector)
    {
        using var other = new FaceAnalyzer(new FaceAnalyzerOptions { Models = TestModels.Directory, Detector = detector });
        Face reference = fixture.Analyzer.Analyze(TestData.FacesDevFile("barack_obama/obama.jpg")).Largest!;
        Face found = other.Analyze(TestData.FacesDevFile("barack_obama/obama.jpg")).Largest!;
        Assert.True(Similarity.Cosine(reference.Embedding!, found.Embedding!) > 0.9f);
        Assert.InRange(other.Analyze(TestData.FacesDevFile("_groups/kit_with_rose.jpg"), embed: false).Faces.Count, 2, 3);
    }

    [Fact]
    public void Detector_family_is_chosen_by_model()
    {
        Assert.Equal(DetectorFamily.YuNet, ModelCatalog.DetectorFamilyOf("face_detection_yunet_2023mar.onnx"));
        Assert.Equal(DetectorFamily.Scrfd, ModelCatalog.DetectorFamilyOf("det_10g.onnx"));
    }

    [Fact]
    public void Non_max_suppression_keeps_the_best_of_overlapping_boxes()
    {
        float[] kps = new float[10];
        List<FaceDetection> boxes =
        [
            new(new BoundingBox(0, 0, 100, 100), 0.7f, kps),
            new(new BoundingBox(5, 5, 105, 105), 0.9f, kps),
            new(new BoundingBox(300, 300, 400, 400), 0.6f, kps),
        ];
        List<FaceDetection> kept = NonMaxSuppression.Apply(boxes, 0.4f, pixelInclusive: true);
        Assert.Equal([0.9f, 0.6f], kept.Select(k => k.Score));
    }
}
