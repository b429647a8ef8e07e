using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Core.Search;
using Xunit.Abstractions;

namespace FaceVector.Core.Tests;

/// <summary>The default recognizer batched across faces and photos, the int8 fallback, and test-time flip.</summary>
public sealed class BatchingAndFlipTests(AnalyzerFixture fixture, ITestOutputHelper output) : IClassFixture<AnalyzerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fv-batching-").FullName;

    [Fact]
    public void The_default_recognizer_is_dq_rewritten_and_batched()
    {
        Assert.StartsWith("w600k_mbf_dq@c7210f761e9a", fixture.Analyzer.ModelId, StringComparison.Ordinal);
        Assert.True(fixture.Analyzer.EmbeddingBatchSize > 1, "the batch-invariance self-test must allow batching for dq");
        Assert.Contains(fixture.Analyzer.Rewrites, r => r.Name == "prelu-relu" && r.Applied);
        Assert.Contains(fixture.Analyzer.Rewrites, r => r.Name == "conv-merge" && r.Applied);
    }

    [Fact]
    public void The_int8_recognizer_stays_selectable_and_is_run_one_face_at_a_time()
    {
        using var int8 = new FaceAnalyzer(new FaceAnalyzerOptions { Models = TestModels.Directory, Recognizer = "w600k_mbf_int8.onnx" });
        Assert.StartsWith("w600k_mbf_int8@", int8.ModelId, StringComparison.Ordinal);
        Assert.Equal(1, int8.EmbeddingBatchSize);
    }

    [Fact]
    public async Task Faces_embedded_in_batches_across_photos_equal_those_embedded_photo_by_photo()
    {
        string[] files = [.. ImageFileEnumerator.Enumerate(TestData.FacesDev).Where(ImageFileEnumerator.HasImageExtension).Take(40)];
        var batch = new BatchAnalyzer(fixture.Analyzer, 2);
        var batched = new Dictionary<string, ImageFaces>();
        await foreach (ImageResult r in batch.AnalyzeAsync(files))
        {
            Assert.True(r.Succeeded, r.Error);
            batched[r.Path] = r.Faces!;
        }

        Assert.Equal(files.Length, batched.Count);
        int faces = 0;
        float worst = 1;
        foreach (string file in files)
        {
            ImageFaces alone = fixture.Analyzer.Analyze(file);
            ImageFaces together = batched[file];
            Assert.Equal(alone.Faces.Count, together.Faces.Count);
            for (int i = 0; i < alone.Faces.Count; i++)
            {
                float cos = Similarity.Cosine(alone.Faces[i].Embedding!, together.Faces[i].Embedding!);
                worst = Math.Min(worst, cos);
                faces++;
            }
        }

        output.WriteLine($"{faces} faces; lowest cosine alone/batched {worst:0.0000000}");
        Assert.True(faces > files.Length);
        Assert.True(worst > 0.99999f);
    }

    [Fact]
    public void Without_dq_in_the_model_directory_the_pack_recognizer_is_used_with_a_note()
    {
        string models = Path.Combine(_dir, "models");
        Directory.CreateDirectory(Path.Combine(models, "buffalo_x"));
        File.Copy(Path.Combine(TestData.ModelsPath, "scrfd_det_500m.onnx"), Path.Combine(models, "buffalo_x", "det_500m.onnx"));
        File.Copy(Path.Combine(TestData.ModelsPath, "w600k_mbf_int8.onnx"), Path.Combine(models, "buffalo_x", "w600k_mbf_int8.onnx"));
        var notes = new List<string>();
        Action<string> saved = OnnxSessionFactory.Warning;
        OnnxSessionFactory.Warning = m => { lock (notes) { notes.Add(m); } };
        try
        {
            using var analyzer = new FaceAnalyzer(new FaceAnalyzerOptions { Models = new ModelDirectory(models, "test") });
            Assert.StartsWith("w600k_mbf_int8@", analyzer.ModelId, StringComparison.Ordinal);
        }
        finally
        {
            OnnxSessionFactory.Warning = saved;
        }

        string note = Assert.Single(notes, n => n.StartsWith("note:", StringComparison.Ordinal));
        output.WriteLine(note);
        Assert.Contains("w600k_mbf_dq.onnx", note, StringComparison.Ordinal);
        Assert.Contains("w600k_mbf_int8.onnx", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Flip_embeds_a_photo_and_its_mirror_image_alike_and_names_itself_in_the_model_identity()
    {
        using var flip = new FaceAnalyzer(new FaceAnalyzerOptions { Models = TestModels.Directory, Flip = true });
        Assert.EndsWith("+flip", flip.ModelId, StringComparison.Ordinal);
        float plainWorst = 1, flipWorst = 1;
        foreach (string photo in new[] { "barack_obama/obama.jpg", "_groups/two_people.jpg", "kit_harington/john1.jpeg", "amy/amy1.png" })
        {
            LoadedImage loaded = fixture.Analyzer.Loader.Load(TestData.FacesDevFile(photo));
            var mirrored = new LoadedImage(Mirror(loaded.Image), loaded.Format, loaded.Sha256);
            foreach ((FaceAnalyzer analyzer, bool isFlip) in new[] { (fixture.Analyzer, false), (flip, true) })
            {
                Face a = analyzer.Analyze(loaded, photo).Largest!, b = analyzer.Analyze(mirrored, photo).Largest!;
                float norm = MathF.Sqrt(Similarity.Cosine(a.Embedding!, a.Embedding!));
                Assert.True(Math.Abs(norm - 1) < 1e-4f);
                float cos = Similarity.Cosine(a.Embedding!, b.Embedding!);
                output.WriteLine($"{photo} {(isFlip ? "flip" : "plain")}: cosine photo/mirror {cos:0.0000}");
                if (isFlip)
                {
                    flipWorst = Math.Min(flipWorst, cos);
                }
                else
                {
                    plainWorst = Math.Min(plainWorst, cos);
                }
            }
        }

        // With flip, a photo and its mirror image feed the recognizer the same two crops (up to the keypoints' own
        // mirror asymmetry), so they agree more closely than without.
        Assert.True(flipWorst > plainWorst, $"flip {flipWorst} vs plain {plainWorst}");
        Assert.True(flipWorst > 0.97f);
    }

    private static RgbImage Mirror(RgbImage image)
    {
        var pixels = new byte[image.Pixels.Length];
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                int src = ((y * image.Width) + x) * 3, dst = ((y * image.Width) + (image.Width - 1 - x)) * 3;
                pixels[dst] = image.Pixels[src];
                pixels[dst + 1] = image.Pixels[src + 1];
                pixels[dst + 2] = image.Pixels[src + 2];
            }
        }

        return new RgbImage(image.Width, image.Height, pixels);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
