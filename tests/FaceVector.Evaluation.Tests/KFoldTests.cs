namespace FaceVector.Evaluation.Tests;

public sealed class KFoldTests
{
    private static IReadOnlyList<ScoredPair>[] Folds(params (float[] Same, float[] Different)[] folds) =>
        [.. folds.Select(f => (IReadOnlyList<ScoredPair>)TestData.Pairs(f.Same, f.Different))];

    [Fact]
    public void EachFoldGetsTheBestThresholdOfTheOtherFolds()
    {
        var result = KFoldEvaluator.Evaluate(Folds(([0.8f], [0.2f]), ([0.7f], [0.5f]), ([0.9f, 0.55f], [0.1f])));

        // Fold 0 trains on same {.7,.9,.55} / different {.5,.1}: best split between .5 and .55 -> .525; fold 0 all right.
        // Fold 1 trains on same {.8,.9,.55} / different {.2,.1}: split .375; fold 1's different .5 is accepted -> 1/2.
        // Fold 2 trains on same {.8,.7} / different {.2,.5}: split .6; fold 2's same .55 is rejected -> 2/3.
        Assert.Equal([0.525f, 0.375f, 0.6f], result.Folds.Select(f => MathF.Round(f.Threshold, 6)));
        Assert.Equal([1, 0.5, 2.0 / 3], result.Folds.Select(f => f.Accuracy));
        Assert.All(result.Folds, f => Assert.Equal(1, f.TrainingAccuracy));
        Assert.Equal(13.0 / 18, result.MeanAccuracy, 12);
        // Population standard deviation (np.std), not the sample one (which would be sqrt(42/648)).
        Assert.Equal(Math.Sqrt(42.0 / 972), result.AccuracyStd, 12);
        Assert.Equal((0.525f + 0.375f + 0.6f) / 3, result.MeanThreshold, 5);
    }

    [Fact]
    public void TheHeldOutFoldDoesNotInfluenceItsOwnThreshold()
    {
        var original = KFoldEvaluator.Evaluate(Folds(([0.8f], [0.2f]), ([0.7f], [0.5f]), ([0.9f, 0.55f], [0.1f])));
        // Fold 1 turned upside down: its own threshold must not move, while the folds that train on it must.
        var changed = KFoldEvaluator.Evaluate(Folds(([0.8f], [0.2f]), ([-0.5f], [0.99f]), ([0.9f, 0.55f], [0.1f])));

        Assert.Equal(original.Folds[1].Threshold, changed.Folds[1].Threshold);
        Assert.NotEqual(original.Folds[0].Threshold, changed.Folds[0].Threshold);
        Assert.Equal(0, changed.Folds[1].Accuracy);
    }

    [Fact]
    public void CandidatesIncludeAcceptingAndRejectingEverything()
    {
        Assert.Equal(new AccuracyAtThreshold(0.3f, 1), AccuracyThreshold.Best(TestData.Pairs([0.3f, 0.6f], [])));
        Assert.Equal(new AccuracyAtThreshold(MathF.BitIncrement(0.6f), 1), AccuracyThreshold.Best(TestData.Pairs([], [0.3f, 0.6f])));
    }

    [Fact]
    public void NeedsTwoNonEmptyFolds()
    {
        Assert.Throws<ArgumentException>(() => KFoldEvaluator.Evaluate(Folds(([0.8f], [0.2f]))));
        Assert.Throws<ArgumentException>(() => KFoldEvaluator.Evaluate(Folds(([0.8f], [0.2f]), ([], []))));
    }
}
