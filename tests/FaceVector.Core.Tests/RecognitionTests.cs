using FaceVector.Core.Detection;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Core.Search;
using Xunit.Abstractions;

namespace FaceVector.Core.Tests;

public sealed class RecognitionTests(AnalyzerFixture fixture, ITestOutputHelper output) : IClassFixture<AnalyzerFixture>
{
    [Fact]
    public void Batched_embeddings_match_one_face_at_a_time()
    {
        string path = TestData.FacesDevFile("_groups/bbt1.jpg");
        var loaded = fixture.Analyzer.Loader.Load(path);
        IReadOnlyList<FaceDetection> faces = fixture.Analyzer.Detect(loaded.Image).Faces;
        Assert.True(faces.Count >= 3);
        float[][] together = fixture.Analyzer.Embed(loaded.Image, faces);
        for (int i = 0; i < faces.Count; i++)
        {
            float[] alone = fixture.Analyzer.Embed(loaded.Image, [faces[i]])[0];
            float cos = Similarity.Cosine(alone, together[i]);
            output.WriteLine($"face {i}: cos(alone, with the others) = {cos:0.000000}");
            Assert.True(cos > 0.99999f, $"face {i}: a face's embedding must not depend on the other faces in the photo ({cos})");
        }
    }

    [Fact]
    public void Embeddings_are_unit_length_and_512_wide()
    {
        foreach ((_, string path, Face face) in fixture.IdentityFaces().Take(10))
        {
            Assert.Equal(512, face.Embedding!.Length);
            float norm = MathF.Sqrt(Similarity.Cosine(face.Embedding, face.Embedding));
            Assert.True(Math.Abs(norm - 1) < 1e-4, $"{path}: norm {norm}");
        }
    }

    [Fact]
    public void Different_identities_never_reach_the_recommended_threshold_and_99_percent_of_same_identity_pairs_do()
    {
        float threshold = fixture.Analyzer.RecommendedThreshold;
        Assert.Equal(ModelCatalog.RecommendedThreshold(ModelCatalog.DefaultRecognizer), threshold);
        var faces = fixture.IdentityFaces().ToList();
        var same = new List<(float Score, string A, string B)>();
        var different = new List<(float Score, string A, string B)>();
        for (int i = 0; i < faces.Count; i++)
        {
            for (int j = i + 1; j < faces.Count; j++)
            {
                float s = Similarity.Cosine(faces[i].Face.Embedding!, faces[j].Face.Embedding!);
                (faces[i].Identity == faces[j].Identity ? same : different).Add((s, faces[i].Path, faces[j].Path));
            }
        }

        same.Sort();
        different.Sort();
        var lowestSame = same[0];
        var highestDifferent = different[^1];
        output.WriteLine($"{faces.Count} identity faces; {same.Count} same pairs, {different.Count} different pairs; threshold {threshold}");
        output.WriteLine($"lowest same-person score {lowestSame.Score:0.0000} ({Path.GetFileName(lowestSame.A)} / {Path.GetFileName(lowestSame.B)})");
        output.WriteLine($"highest different-person score {highestDifferent.Score:0.0000} ({Path.GetFileName(highestDifferent.A)} / {Path.GetFileName(highestDifferent.B)})");
        output.WriteLine($"margins: lowest same - threshold = {lowestSame.Score - threshold:0.0000}; threshold - highest different = {threshold - highestDifferent.Score:0.0000}");
        foreach (float q in new[] { 0.01f, 0.05f, 0.5f })
        {
            output.WriteLine($"same-pair {q:P0} quantile {same[(int)(q * same.Count)].Score:0.000}; different-pair {1 - q:P0} quantile {different[(int)((1 - q) * (different.Count - 1))].Score:0.000}");
        }

        for (float t = 0.26f; t <= 0.38f; t += 0.01f)
        {
            output.WriteLine($"threshold {t:0.00}: same pairs below {same.Count(p => p.Score < t)}, different pairs at or above {different.Count(p => p.Score >= t)}");
        }

        // No stranger may match at the default threshold (the complaint users make most); a few hard same-person
        // pairs (extreme expressions, 150 px grayscale crops) may fall below it.
        Assert.All(different, p => Assert.True(p.Score < threshold, $"different people above threshold: {p.Score:0.000} {p.A} / {p.B}"));
        int misses = same.Count(p => p.Score < threshold);
        Assert.True(misses <= same.Count / 100, $"{misses} of {same.Count} same-person pairs below {threshold}");
    }
}
