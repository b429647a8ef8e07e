namespace FaceVector.Evaluation.Tests;

internal static class TestData
{
    public static ScoredPair[] Pairs(float[] same, float[] different) =>
        [.. same.Select(s => new ScoredPair(s, true)), .. different.Select(s => new ScoredPair(s, false))];

    /// <summary>A unit vector in the plane at the given angle in degrees.</summary>
    public static float[] Unit2D(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180)];

    public static LabelledEmbedding Face(string? identity, double degrees) => new(identity, $"{identity ?? "distractor"}/{degrees}.jpg", Unit2D(degrees));

    /// <summary>Scores 0/n, 1/n, ... (n-1)/n: a spread of n distinct different-person scores.</summary>
    public static float[] Spread(int n, float offset = 0, float scale = 1) => [.. Enumerable.Range(0, n).Select(i => offset + (scale * i / n))];
}
