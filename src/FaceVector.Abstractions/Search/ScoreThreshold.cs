namespace FaceVector.Core.Search;

/// <summary>
/// The one threshold rule of FaceVector: a score is kept when it is greater than or equal to the threshold
/// (inclusive), in the one-shot folder search, both stores, and every API. Qdrant keeps only scores strictly above
/// its <c>score_threshold</c>, so its adapter sends the next float below the threshold: for floats,
/// <c>score &gt; BitDecrement(t)</c> holds exactly when <c>score &gt;= t</c>.
/// </summary>
public static class ScoreThreshold
{
    public static bool Keeps(float score, float threshold) => score >= threshold;

    /// <summary>The threshold to give a store that keeps only scores strictly above it (Qdrant).</summary>
    public static float ForStrictComparison(float threshold) => MathF.BitDecrement(threshold);
}
