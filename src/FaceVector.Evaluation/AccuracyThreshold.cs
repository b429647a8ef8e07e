namespace FaceVector.Evaluation;

/// <summary>
/// Finds the threshold that classifies a set of pairs most accurately (match when score &gt;= threshold).
/// Candidates: the lowest score (accept everything), the midpoints of consecutive distinct scores, and the value
/// just above the highest score (reject everything). Ties go to the lowest candidate, like insightface's argmax
/// over an ascending grid.
/// </summary>
public static class AccuracyThreshold
{
    public static AccuracyAtThreshold Best(IEnumerable<ScoredPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var list = pairs as IReadOnlyCollection<ScoredPair> ?? pairs.ToArray();
        return Best(
            new SortedScores(list.Where(p => p.SamePerson).Select(p => p.Score)),
            new SortedScores(list.Where(p => !p.SamePerson).Select(p => p.Score)));
    }

    internal static AccuracyAtThreshold Best(SortedScores same, SortedScores different)
    {
        var total = same.Count + different.Count;
        if (total == 0)
        {
            throw new ArgumentException("There are no pairs to choose a threshold from.");
        }

        var best = new AccuracyAtThreshold(0, -1);
        foreach (var candidate in Candidates(SortedScores.DistinctUnion(same, different)))
        {
            var accuracy = Accuracy(same, different, candidate);
            if (accuracy > best.Accuracy)
            {
                best = new AccuracyAtThreshold(candidate, accuracy);
            }
        }

        return best;
    }

    internal static double Accuracy(SortedScores same, SortedScores different, float threshold)
    {
        var correct = same.CountAtLeast(threshold) + (different.Count - different.CountAtLeast(threshold));
        return (double)correct / (same.Count + different.Count);
    }

    private static IEnumerable<float> Candidates(float[] distinctAscending)
    {
        yield return distinctAscending[0];
        for (var k = 0; k + 1 < distinctAscending.Length; k++)
        {
            float low = distinctAscending[k], high = distinctAscending[k + 1];
            var mid = (float)(((double)low + high) / 2);
            // Two adjacent floats have no float between them; the higher one then splits them the same way.
            yield return mid > low ? mid : high;
        }

        yield return MathF.BitIncrement(distinctAscending[^1]);
    }
}
