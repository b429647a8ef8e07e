using FaceVector.Evaluation.Lfw;

namespace FaceVector.Evaluation.Tests;

public sealed class LfwPairFileTests
{
    private const string TwoFolds =
        "2\t2\n" +
        "Abel_Pacheco\t1\t4\n" +
        "Akhmed_Zakayev   1 3\n" +
        "Abdel_Madi_Shabneh\t1\tDean_Barker\t1\n" +
        "\n" +
        "  Abdel_Madi_Shabneh 1 Giancarlo_Fisichella 1  \r\n" +
        "Zico\t1\t2\n" +
        "Zico\t2\t3\n" +
        "Zico\t1\tZoran_Djindjic\t3\n" +
        "Zulfiqar_Ahmed\t1\tZumrati_Juma\t1\n";

    [Fact]
    public void ParsesFoldsAndPairsLeniently()
    {
        var list = LfwPairFile.Parse(TwoFolds);

        Assert.Equal(2, list.FoldCount);
        Assert.Equal(2, list.PairsPerFold);
        Assert.Equal(8, list.Pairs.Count);
        Assert.Equal(new LfwPair(0, true, "Akhmed_Zakayev", 1, "Akhmed_Zakayev", 3), list.Pairs[1]);
        Assert.Equal(new LfwPair(0, false, "Abdel_Madi_Shabneh", 1, "Giancarlo_Fisichella", 1), list.Pairs[3]);
        Assert.Equal(new LfwPair(1, true, "Zico", 2, "Zico", 3), list.Pairs[5]);
        Assert.Equal([true, true, false, false], list.Fold(1).Select(p => p.SamePerson));
    }

    [Fact]
    public void ImagePathsFollowTheLfwLayout()
    {
        var pair = new LfwPair(0, false, "Zico", 2, "Zoran_Djindjic", 13);
        Assert.Equal(Path.Combine("lfw", "Zico", "Zico_0002.jpg"), pair.PathA("lfw"));
        Assert.Equal(Path.Combine("lfw", "Zoran_Djindjic", "Zoran_Djindjic_0013.jpg"), pair.PathB("lfw"));
    }

    [Fact]
    public void WriteThenParseRoundTrips()
    {
        var list = LfwPairFile.Parse(TwoFolds);
        var text = LfwPairFile.Format(list);

        Assert.StartsWith("2\t2\nAbel_Pacheco\t1\t4\n", text, StringComparison.Ordinal);
        var again = LfwPairFile.Parse(text);
        Assert.Equal(list.Pairs, again.Pairs);
        Assert.Equal(text, LfwPairFile.Format(again));
    }

    [Fact]
    public void ALoneCountMeansOneFold()
    {
        var list = LfwPairFile.Parse("1\nA 1 2\nA 1 B 1\n");
        Assert.Equal(1, list.FoldCount);
        Assert.Equal(2, list.Pairs.Count);
    }

    [Theory]
    [InlineData("2 1\nA 1 2\nA 1 B 1\nA 1 B 2\nA 1 B 1\n", 4, "found 4 fields")] // a same line with a different line's shape
    [InlineData("1 1\nA 1 2\nA 1 B\n", 3, "4 fields")]
    [InlineData("1 1\nA one 2\nA 1 B 1\n", 2, "'one'")]
    [InlineData("1 1\nA 0 2\nA 1 B 1\n", 2, "'0'")]
    [InlineData("1 1\nA 1 2\n\nA 1 B -1\n", 4, "'-1'")] // blank lines still count for line numbers
    [InlineData("1 x\nA 1 2\nA 1 B 1\n", 1, "'x'")]
    [InlineData("1 2 3\n", 1, "header")]
    [InlineData("", 1, "empty")]
    [InlineData("1 2\nA 1 2\nB 1 2\nA 1 B 1\n", 5, "ends early")]
    [InlineData("1 1\nA 1 2\nA 1 B 1\nC 1 2\n", 4, "unexpected line")]
    [InlineData("1 1\n../etc 1 2\nA 1 B 1\n", 2, "path separators")]
    public void MalformedFilesNameTheLine(string text, int line, string problem)
    {
        var error = Assert.Throws<PairListFormatException>(() => LfwPairFile.Parse(text));
        Assert.Equal(line, error.LineNumber);
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriterRejectsNamesThatCannotBeRead()
    {
        var list = new LfwPairList(1, 1, [new LfwPair(0, true, "Jane Doe", 1, "Jane Doe", 2), new LfwPair(0, false, "A", 1, "B", 1)]);
        Assert.Throws<ArgumentException>(() => LfwPairFile.Format(list));
    }

    [Fact]
    public void WriterRejectsFoldsOfTheWrongSize()
    {
        var list = new LfwPairList(1, 2, [new LfwPair(0, true, "A", 1, "A", 2), new LfwPair(0, false, "A", 1, "B", 1)]);
        Assert.Throws<ArgumentException>(() => LfwPairFile.Format(list));
    }
}
