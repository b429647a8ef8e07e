using FaceVector.Evaluation.Lfw;

namespace FaceVector.Evaluation.Tests;

public sealed class PairListGeneratorTests
{
    private static readonly IdentityImages[] Folder =
        [.. Enumerable.Range(0, 30).Select(i => new IdentityImages($"Person_{i:D2}", [.. Enumerable.Range(1, 1 + (i % 4))]))];

    [Fact]
    public void TheSameSeedGivesTheSameList()
    {
        var first = LfwPairFile.Format(PairListGenerator.Generate(Folder, folds: 3, pairsPerFold: 5, seed: 42));
        var second = LfwPairFile.Format(PairListGenerator.Generate(Folder, folds: 3, pairsPerFold: 5, seed: 42));
        var reordered = LfwPairFile.Format(PairListGenerator.Generate([.. Folder.Reverse()], folds: 3, pairsPerFold: 5, seed: 42));
        var otherSeed = LfwPairFile.Format(PairListGenerator.Generate(Folder, folds: 3, pairsPerFold: 5, seed: 43));

        Assert.Equal(first, second);
        Assert.Equal(first, reordered);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void FoldsHaveNSameAndNDifferentDistinctPairsOverDisjointIdentities()
    {
        var list = PairListGenerator.Generate(Folder, folds: 3, pairsPerFold: 5, seed: 7);

        Assert.Equal(30, list.Pairs.Count);
        var namesPerFold = new List<HashSet<string>>();
        for (var fold = 0; fold < 3; fold++)
        {
            var pairs = list.Fold(fold).ToArray();
            Assert.Equal(5, pairs.Count(p => p.SamePerson && p.NameA == p.NameB && p.ImageA != p.ImageB));
            Assert.Equal(5, pairs.Count(p => !p.SamePerson && p.NameA != p.NameB));
            namesPerFold.Add([.. pairs.SelectMany(p => new[] { p.NameA, p.NameB })]);
        }

        Assert.Empty(namesPerFold[0].Intersect(namesPerFold[1]));
        Assert.Empty(namesPerFold[1].Intersect(namesPerFold[2]));
        Assert.Empty(namesPerFold[0].Intersect(namesPerFold[2]));
        var keys = list.Pairs.Select(p => (p.NameA, p.ImageA, p.NameB, p.ImageB)).ToArray();
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.All(list.Pairs, p => Assert.Contains(p.ImageA, Folder.Single(i => i.Name == p.NameA).ImageNumbers));
        // The generated list is valid input for the parser.
        Assert.Equal(list.Pairs, LfwPairFile.Parse(LfwPairFile.Format(list)).Pairs);
    }

    [Fact]
    public void TooFewImagesIsAnError()
    {
        IdentityImages[] tiny = [new("A", [1, 2]), new("B", [1])];
        var error = Assert.Throws<ArgumentException>(() => PairListGenerator.Generate(tiny, folds: 1, pairsPerFold: 2, seed: 1));
        Assert.Contains("same-person", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SmallSetsUseEveryAvailablePair()
    {
        // One same pair (A1-A2) and two different pairs (A1-B1, A2-B1) exist; asking for one of each must work for every seed.
        IdentityImages[] tiny = [new("A", [1, 2]), new("B", [1])];
        for (ulong seed = 0; seed < 20; seed++)
        {
            var list = PairListGenerator.Generate(tiny, folds: 1, pairsPerFold: 1, seed);
            Assert.Equal(new LfwPair(0, true, "A", 1, "A", 2), list.Pairs[0]);
            Assert.Equal("B", list.Pairs[1].NameB);
        }
    }
}
