namespace FaceVector.Evaluation;

/// <summary>Scores of one class (same-person or different-person pairs) sorted ascending, for counting by binary search.</summary>
internal sealed class SortedScores
{
    private readonly float[] _ascending;

    public SortedScores(IEnumerable<float> scores)
    {
        _ascending = scores.ToArray();
        if (Array.Exists(_ascending, float.IsNaN))
        {
            throw new ArgumentException("A score is NaN.", nameof(scores));
        }

        Array.Sort(_ascending);
    }

    public int Count => _ascending.Length;

    public ReadOnlySpan<float> Ascending => _ascending;

    /// <summary>How many scores are accepted by the rule score &gt;= threshold.</summary>
    public int CountAtLeast(float threshold)
    {
        // Lower bound: first index whose score is >= threshold.
        int lo = 0, hi = _ascending.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ascending[mid] < threshold)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return _ascending.Length - lo;
    }

    public double FractionAtLeast(float threshold) => Count == 0 ? 0 : (double)CountAtLeast(threshold) / Count;

    /// <summary>Distinct scores of both classes, ascending: a linear merge of the two sorted arrays.</summary>
    public static float[] DistinctUnion(SortedScores a, SortedScores b)
    {
        var distinct = new List<float>(a.Count + b.Count);
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            var next = j == b.Count || (i < a.Count && a._ascending[i] <= b._ascending[j]) ? a._ascending[i++] : b._ascending[j++];
            if (distinct.Count == 0 || distinct[^1] != next)
            {
                distinct.Add(next);
            }
        }

        return [.. distinct];
    }
}
