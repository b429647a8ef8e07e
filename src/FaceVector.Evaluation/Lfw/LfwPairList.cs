using System.Globalization;

namespace FaceVector.Evaluation.Lfw;

/// <summary>
/// One pair of the LFW pair-list protocol: image numbers are 1-based and name files
/// <c>DIR/&lt;name&gt;/&lt;name&gt;_&lt;number as 4 digits&gt;.jpg</c>. <paramref name="Fold"/> is 0-based.
/// </summary>
public sealed record LfwPair(int Fold, bool SamePerson, string NameA, int ImageA, string NameB, int ImageB)
{
    public string PathA(string imageRoot) => ImagePath(imageRoot, NameA, ImageA);

    public string PathB(string imageRoot) => ImagePath(imageRoot, NameB, ImageB);

    public static string ImagePath(string imageRoot, string name, int imageNumber) =>
        Path.Combine(imageRoot, name, string.Create(CultureInfo.InvariantCulture, $"{name}_{imageNumber:D4}.jpg"));
}

/// <summary>A parsed or generated pair list: <paramref name="FoldCount"/> folds, each with <paramref name="PairsPerFold"/> same-person then as many different-person pairs.</summary>
public sealed record LfwPairList(int FoldCount, int PairsPerFold, IReadOnlyList<LfwPair> Pairs)
{
    public IEnumerable<LfwPair> Fold(int fold) => Pairs.Where(p => p.Fold == fold);
}

/// <summary>A malformed pairs.txt; <see cref="LineNumber"/> is 1-based.</summary>
public sealed class PairListFormatException : FormatException
{
    public PairListFormatException(int lineNumber, string problem)
        : base($"pairs file line {lineNumber}: {problem}")
    {
        LineNumber = lineNumber;
    }

    public PairListFormatException()
    {
    }

    public PairListFormatException(string message)
        : base(message)
    {
    }

    public PairListFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int LineNumber { get; }
}
