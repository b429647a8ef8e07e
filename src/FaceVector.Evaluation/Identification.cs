namespace FaceVector.Evaluation;

/// <summary>
/// What one identity image scored as a leave-one-out probe against every other image (identity images and distractors).
/// </summary>
/// <param name="ProbeIndex">Index of the probe in the evaluated list.</param>
/// <param name="BestMateScore">Highest score of another image of the same identity; null when the identity has no other image.</param>
/// <param name="MateRank">
/// Rank of that best mate: 1 + the number of non-mates scoring &gt;= it. Ties count against the probe, so the result
/// does not depend on the gallery order. Null when there is no mate.
/// </param>
/// <param name="BestNonMateScore">Highest score of any image of another identity or a distractor; null when there is none.</param>
public sealed record ProbeOutcome(int ProbeIndex, string Identity, float? BestMateScore, int? MateRank, float? BestNonMateScore);

/// <summary>
/// Open-set identification at one threshold.
/// <paramref name="DetectionAndIdentificationRate"/>: over mated probes, the fraction whose true mate ranks first with score &gt;= threshold.
/// <paramref name="FalseAcceptRate"/>: over impostor probes (every identity probe, with all images of its own identity
/// removed from the gallery), the fraction where some gallery face still scores &gt;= threshold.
/// Rates are null when there are no probes of that kind.
/// </summary>
public sealed record OpenSetResult(float Threshold, double? DetectionAndIdentificationRate, double? FalseAcceptRate, int MatedProbeCount, int ImpostorProbeCount);

/// <summary>Leave-one-out identification outcomes, one per identity image.</summary>
public sealed class IdentificationResult
{
    public IdentificationResult(IReadOnlyList<ProbeOutcome> probes)
    {
        ArgumentNullException.ThrowIfNull(probes);
        Probes = probes;
        MatedProbeCount = probes.Count(p => p.MateRank is not null);
    }

    public IReadOnlyList<ProbeOutcome> Probes { get; }

    /// <summary>Probes whose identity has at least one other image: the denominator of top-k accuracy.</summary>
    public int MatedProbeCount { get; }

    public double? Top1 => TopK(1);

    public double? Top5 => TopK(5);

    /// <summary>Fraction of mated probes whose best mate ranks within the first <paramref name="k"/>; null without mated probes.</summary>
    public double? TopK(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return MatedProbeCount == 0 ? null : (double)Probes.Count(p => p.MateRank <= k) / MatedProbeCount;
    }

    public OpenSetResult OpenSetAt(float threshold)
    {
        var impostorProbes = Probes.Where(p => p.BestNonMateScore is not null).ToArray();
        var detected = Probes.Count(p => p.MateRank == 1 && p.BestMateScore >= threshold);
        var falseAccepts = impostorProbes.Count(p => p.BestNonMateScore >= threshold);
        return new OpenSetResult(
            threshold,
            MatedProbeCount == 0 ? null : (double)detected / MatedProbeCount,
            impostorProbes.Length == 0 ? null : (double)falseAccepts / impostorProbes.Length,
            MatedProbeCount,
            impostorProbes.Length);
    }
}

/// <summary>
/// Leave-one-out identification: each identity image in turn is the probe; the gallery is every other image,
/// identity images and distractors (null identity) alike. Identities compare ordinally.
/// </summary>
public static class IdentificationEvaluator
{
    public static IdentificationResult Evaluate(IReadOnlyList<LabelledEmbedding> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var probeIndices = Enumerable.Range(0, images.Count).Where(i => images[i].Identity is not null).ToArray();
        var outcomes = new ProbeOutcome[probeIndices.Length];
        // Each probe writes only its own slot, so the parallel loop is deterministic.
        Parallel.For(0, probeIndices.Length, p => outcomes[p] = Probe(images, probeIndices[p]));
        return new IdentificationResult(outcomes);
    }

    private static ProbeOutcome Probe(IReadOnlyList<LabelledEmbedding> images, int probeIndex)
    {
        var probe = images[probeIndex];
        var identity = probe.Identity!;
        var scores = new float[images.Count];
        float? bestMate = null, bestNonMate = null;
        for (var g = 0; g < images.Count; g++)
        {
            if (g == probeIndex)
            {
                continue;
            }

            var score = VectorMath.Dot(probe.Embedding, images[g].Embedding);
            scores[g] = score;
            if (IsMate(images[g], identity))
            {
                bestMate = bestMate is null ? score : MathF.Max(bestMate.Value, score);
            }
            else
            {
                bestNonMate = bestNonMate is null ? score : MathF.Max(bestNonMate.Value, score);
            }
        }

        int? rank = null;
        if (bestMate is { } mateScore)
        {
            var ahead = 0;
            for (var g = 0; g < images.Count; g++)
            {
                if (g != probeIndex && !IsMate(images[g], identity) && scores[g] >= mateScore)
                {
                    ahead++;
                }
            }

            rank = 1 + ahead;
        }

        return new ProbeOutcome(probeIndex, identity, bestMate, rank, bestNonMate);
    }

    private static bool IsMate(LabelledEmbedding image, string identity) => string.Equals(image.Identity, identity, StringComparison.Ordinal);
}
