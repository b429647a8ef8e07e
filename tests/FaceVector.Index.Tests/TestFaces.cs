namespace FaceVector.Index.Tests;

/// <summary>Made-up faces with seeded random vectors, so that every run (and every store) sees the same data.</summary>
internal static class TestFaces
{
    public const string Model = "w600k_mbf_int8@test";
    public const int Dimension = 512;

    public static CollectionSpec Spec(bool quantization = false) => new(Dimension, Model, quantization);

    public static float[] Vector(int seed, int dimension = Dimension)
    {
        var random = new Random(seed);
        var vector = new float[dimension];
        for (var i = 0; i < vector.Length; i++) vector[i] = (float)(random.NextDouble() * 2 - 1);
        return vector;
    }

    /// <summary>A vector close to <paramref name="vector"/>: the same plus a little noise.</summary>
    public static float[] Near(float[] vector, float noise, int seed)
    {
        var random = new Random(seed);
        return [.. vector.Select(v => v + noise * (float)(random.NextDouble() * 2 - 1))];
    }

    public static FacePayload Payload(string path, int faceIndex = 0, string? hash = null, IReadOnlyDictionary<string, string>? tags = null, string model = Model) => new()
    {
        ImagePath = path,
        ImageHash = hash ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path))),
        FaceIndex = faceIndex,
        Box = new FaceBox(10.5f, 20, 110, 140.25f),
        DetectionScore = 0.87f,
        Keypoints = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10.5f],
        ModelId = model,
        IngestedAt = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
        Tags = tags ?? new Dictionary<string, string>(),
    };

    public static FacePoint Face(int seed, string path, int faceIndex = 0, IReadOnlyDictionary<string, string>? tags = null, string model = Model)
    {
        var payload = Payload(path, faceIndex, tags: tags, model: model);
        return new FacePoint(FacePointId.For(payload.ImageHash, faceIndex, model), payload, Vector(seed));
    }

    /// <summary>n faces spread over a few folders, two faces per image.</summary>
    public static List<FacePoint> Many(int count, int seedBase = 1000) =>
        [.. Enumerable.Range(0, count).Select(i => Face(seedBase + i, $"/photos/{(i / 2 % 3 == 0 ? "2023" : "2024")}/img{i / 2:D4}.jpg", i % 2))];
}
