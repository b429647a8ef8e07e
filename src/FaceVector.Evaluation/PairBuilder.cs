namespace FaceVector.Evaluation;

/// <summary>Builds verification pairs from labelled embeddings.</summary>
public static class PairBuilder
{
    /// <summary>
    /// Every unordered pair of identity images (i &lt; j in input order), scored by dot product and labelled
    /// same/different by ordinal identity equality. Distractors (null identity) are skipped. The count grows as N²/2.
    /// </summary>
    public static IReadOnlyList<ScoredPair> AllPairs(IReadOnlyList<LabelledEmbedding> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var labelled = images.Where(i => i.Identity is not null).ToArray();
        var pairs = new List<ScoredPair>((int)Math.Min(Array.MaxLength, (long)labelled.Length * (labelled.Length - 1) / 2));
        for (var i = 0; i < labelled.Length; i++)
        {
            for (var j = i + 1; j < labelled.Length; j++)
            {
                pairs.Add(new ScoredPair(
                    VectorMath.Dot(labelled[i].Embedding, labelled[j].Embedding),
                    string.Equals(labelled[i].Identity, labelled[j].Identity, StringComparison.Ordinal),
                    labelled[i].Path,
                    labelled[j].Path));
            }
        }

        return pairs;
    }
}
