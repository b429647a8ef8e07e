namespace FaceVector.Evaluation;

/// <summary>One held-out fold: the threshold chosen on the other folds, its accuracy there and on this fold.</summary>
public sealed record FoldResult(int Fold, float Threshold, double TrainingAccuracy, double Accuracy, int PairCount);

/// <summary>K-fold accuracy. <paramref name="AccuracyStd"/> is the population standard deviation (numpy's default np.std, as insightface reports).</summary>
public sealed record KFoldResult(IReadOnlyList<FoldResult> Folds, double MeanAccuracy, double AccuracyStd, float MeanThreshold);

/// <summary>
/// K-fold verification accuracy: for each fold the threshold maximising accuracy on the other k-1 folds
/// (<see cref="AccuracyThreshold"/>) is applied to the held-out fold, which never sees its own labels.
/// </summary>
public static class KFoldEvaluator
{
    public static KFoldResult Evaluate(IReadOnlyList<IReadOnlyList<ScoredPair>> folds)
    {
        ArgumentNullException.ThrowIfNull(folds);
        if (folds.Count < 2)
        {
            throw new ArgumentException("K-fold accuracy needs at least two folds.", nameof(folds));
        }

        if (folds.Any(f => f.Count == 0))
        {
            throw new ArgumentException("Every fold needs at least one pair.", nameof(folds));
        }

        var results = new FoldResult[folds.Count];
        for (var held = 0; held < folds.Count; held++)
        {
            var training = folds.Where((_, k) => k != held).SelectMany(f => f).ToArray();
            var chosen = AccuracyThreshold.Best(training);
            var test = folds[held];
            var correct = test.Count(p => (p.Score >= chosen.Threshold) == p.SamePerson);
            results[held] = new FoldResult(held, chosen.Threshold, chosen.Accuracy, (double)correct / test.Count, test.Count);
        }

        var mean = results.Average(r => r.Accuracy);
        var std = Math.Sqrt(results.Average(r => (r.Accuracy - mean) * (r.Accuracy - mean)));
        return new KFoldResult(results, mean, std, (float)results.Average(r => (double)r.Threshold));
    }
}
