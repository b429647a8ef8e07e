namespace FaceVector.Evaluation.Tests;

public sealed class IdentificationTests
{
    // Unit vectors in the plane; the score of two faces is the cosine of the angle between them.
    // A at 0° and 30°, B at 90° and 80°, C alone at 180°, a distractor at 20°.
    private static readonly LabelledEmbedding[] Faces =
    [
        TestData.Face("A", 0), TestData.Face("A", 30), TestData.Face("B", 90), TestData.Face("B", 80),
        TestData.Face("C", 180), TestData.Face(null, 20),
    ];

    [Fact]
    public void LeaveOneOutRanksAreHandComputed()
    {
        var result = IdentificationEvaluator.Evaluate(Faces);

        // A@0: mate cos30 = .866, distractor cos20 = .940 beats it -> rank 2. A@30: mate .866, distractor cos10 -> rank 2.
        // B@90 and B@80: mate cos10 = .985 beats everything -> rank 1. C has no mate.
        Assert.Equal([2, 2, 1, 1, null], result.Probes.Select(p => p.MateRank));
        Assert.Equal(4, result.MatedProbeCount);
        Assert.Equal(0.5, result.Top1);
        Assert.Equal(1.0, result.Top5);
        Assert.Null(result.Probes[4].BestMateScore);
        Assert.Equal(MathF.Cos(MathF.PI / 6), result.Probes[0].BestMateScore!.Value, 5);
    }

    [Fact]
    public void OpenSetRatesAreHandComputed()
    {
        var openSet = IdentificationEvaluator.Evaluate(Faces).OpenSetAt(0.9f);

        // Detected and identified: only B@90 and B@80 (rank 1, .985 >= .9) of 4 mated probes.
        Assert.Equal(0.5, openSet.DetectionAndIdentificationRate);
        // Impostor probes (own identity removed): A@0 sees the distractor at .940, A@30 at .985; B@90 (.5), B@80 (.643)
        // and C (0) stay below 0.9. 2 of 5.
        Assert.Equal(0.4, openSet.FalseAcceptRate);
        Assert.Equal(4, openSet.MatedProbeCount);
        Assert.Equal(5, openSet.ImpostorProbeCount);
    }

    [Fact]
    public void OpenSetIdentificationNeedsTheMateRankedFirst()
    {
        // At 0.8 the A probes' mates (.866) clear the threshold but rank second behind the distractor: not identified.
        var openSet = IdentificationEvaluator.Evaluate(Faces).OpenSetAt(0.8f);
        Assert.Equal(0.5, openSet.DetectionAndIdentificationRate);
        Assert.Equal(0.4, openSet.FalseAcceptRate);
    }

    [Fact]
    public void TopFiveMissesAMateBehindFiveNonMates()
    {
        // 3-d: the probe's mate is orthogonal (score 0) while five distractors lean towards the probe.
        LabelledEmbedding[] faces =
        [
            new("X", "x1", [1, 0, 0]), new("X", "x2", [0, 0, 1]),
            .. Enumerable.Range(1, 5).Select(k => new LabelledEmbedding(null, $"d{k}", [MathF.Cos(k * 0.1f), MathF.Sin(k * 0.1f), 0])),
        ];

        var result = IdentificationEvaluator.Evaluate(faces);
        Assert.Equal(6, result.Probes[0].MateRank);
        Assert.Equal(0.0, result.Top5);
        Assert.Equal(1.0, result.TopK(6));
    }

    [Fact]
    public void ATieWithANonMateCountsAgainstTheProbe()
    {
        LabelledEmbedding[] faces = [new("X", "x1", [1, 0, 0]), new("X", "x2", [0, 1, 0]), new(null, "d", [0, 0, 1])];
        Assert.Equal(2, IdentificationEvaluator.Evaluate(faces).Probes[0].MateRank);
    }

    [Fact]
    public void WithoutMatesTopKIsUndefined()
    {
        var result = IdentificationEvaluator.Evaluate([TestData.Face("A", 0), TestData.Face("B", 90)]);
        Assert.Null(result.Top1);
        Assert.Null(result.OpenSetAt(0.5f).DetectionAndIdentificationRate);
        Assert.Equal(0.0, result.OpenSetAt(0.5f).FalseAcceptRate);
    }

    [Fact]
    public void AllPairsSkipsDistractorsAndLabelsSameAndDifferent()
    {
        var pairs = PairBuilder.AllPairs(Faces);

        // Five identity images -> 10 unordered pairs, two of them same-person (A-A, B-B).
        Assert.Equal(10, pairs.Count);
        Assert.Equal(2, pairs.Count(p => p.SamePerson));
        Assert.DoesNotContain(pairs, p => p.PathA!.StartsWith("distractor", StringComparison.Ordinal) || p.PathB!.StartsWith("distractor", StringComparison.Ordinal));
        var aa = Assert.Single(pairs, p => p.PathA == "A/0.jpg" && p.PathB == "A/30.jpg");
        Assert.True(aa.SamePerson);
        Assert.Equal(MathF.Cos(MathF.PI / 6), aa.Score, 5);
    }

    [Fact]
    public void DotProductMatchesAPlainLoopPastTheSimdWidth()
    {
        var a = Enumerable.Range(0, 37).Select(i => (float)Math.Sin(i)).ToArray();
        var b = Enumerable.Range(0, 37).Select(i => (float)Math.Cos(i * 0.7)).ToArray();
        var expected = a.Zip(b, (x, y) => (double)x * y).Sum();
        Assert.Equal(expected, VectorMath.Dot(a, b), tolerance: 1e-4);
        Assert.Throws<ArgumentException>(() => VectorMath.Dot(a, b.AsSpan(1)));
    }
}
