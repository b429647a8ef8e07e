using System.Globalization;

namespace FaceVector.Evaluation.Lfw;

/// <summary>
/// Reads and writes the standard LFW <c>pairs.txt</c>: a header <c>&lt;folds&gt; &lt;n&gt;</c> (a lone <c>&lt;n&gt;</c>, as in
/// pairsDevTrain.txt, means one fold), then per fold n lines <c>name i j</c> (same person) followed by n lines
/// <c>name1 i name2 j</c> (different people). Fields may be separated by any whitespace; blank lines are ignored.
/// </summary>
public static class LfwPairFile
{
    public static LfwPairList Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var reader = new StringReader(text);
        return Parse(reader);
    }

    /// <exception cref="PairListFormatException">A malformed line, naming its number, or a wrong number of lines.</exception>
    public static LfwPairList Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        using var lines = NonBlankLines(reader).GetEnumerator();
        if (!lines.MoveNext())
        {
            throw new PairListFormatException(1, "the file is empty; expected a header '<folds> <pairs per fold>'");
        }

        var (headerLine, header) = lines.Current;
        var (folds, perFold) = header.Length switch
        {
            1 => (1, PositiveNumber(header[0], headerLine, "pairs per fold")),
            2 => (PositiveNumber(header[0], headerLine, "fold count"), PositiveNumber(header[1], headerLine, "pairs per fold")),
            _ => throw new PairListFormatException(headerLine, $"expected a header '<folds> <pairs per fold>', found {header.Length} fields"),
        };

        var expected = (long)folds * perFold * 2;
        // The header is untrusted: cap the preallocation, the lines themselves decide the real size.
        var pairs = new List<LfwPair>((int)Math.Min(expected, 1 << 16));
        var lastLine = headerLine;
        for (var fold = 0; fold < folds; fold++)
        {
            for (var k = 0; k < 2 * perFold; k++)
            {
                var same = k < perFold;
                if (!lines.MoveNext())
                {
                    throw new PairListFormatException(
                        lastLine + 1, $"the file ends early: expected {expected} pair lines, found {pairs.Count}");
                }

                var (lineNumber, fields) = lines.Current;
                lastLine = lineNumber;
                pairs.Add(same ? SamePair(fold, fields, lineNumber) : DifferentPair(fold, fields, lineNumber));
            }
        }

        if (lines.MoveNext())
        {
            throw new PairListFormatException(
                lines.Current.LineNumber, $"unexpected line after the {expected} pairs the header announced");
        }

        return new LfwPairList(folds, perFold, pairs);
    }

    /// <summary>Writes the list in the same format, tab-separated like the LFW original.</summary>
    public static void Write(LfwPairList list, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"{list.FoldCount}\t{list.PairsPerFold}\n"));
        for (var fold = 0; fold < list.FoldCount; fold++)
        {
            var foldPairs = list.Fold(fold).ToArray();
            var same = foldPairs.Where(p => p.SamePerson).ToArray();
            var different = foldPairs.Where(p => !p.SamePerson).ToArray();
            if (same.Length != list.PairsPerFold || different.Length != list.PairsPerFold)
            {
                throw new ArgumentException(
                    $"Fold {fold} has {same.Length} same and {different.Length} different pairs; the format needs {list.PairsPerFold} of each.",
                    nameof(list));
            }

            foreach (var pair in same.Concat(different))
            {
                writer.Write(FormatLine(pair));
            }
        }
    }

    public static string Format(LfwPairList list)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(list, writer);
        return writer.ToString();
    }

    private static string FormatLine(LfwPair pair)
    {
        CheckName(pair.NameA);
        CheckName(pair.NameB);
        if (pair.SamePerson && pair.NameA != pair.NameB)
        {
            throw new ArgumentException($"A same-person pair names two people ({pair.NameA}, {pair.NameB}).", nameof(pair));
        }

        return pair.SamePerson
            ? string.Create(CultureInfo.InvariantCulture, $"{pair.NameA}\t{pair.ImageA}\t{pair.ImageB}\n")
            : string.Create(CultureInfo.InvariantCulture, $"{pair.NameA}\t{pair.ImageA}\t{pair.NameB}\t{pair.ImageB}\n");
    }

    // A name with whitespace would split into extra fields; one with a path separator would escape the image folder.
    private static void CheckName(string name)
    {
        if (name.Length == 0 || name.Any(char.IsWhiteSpace) || name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' cannot be written as a pairs-file name (empty, whitespace or a path separator).", nameof(name));
        }
    }

    private static LfwPair SamePair(int fold, string[] fields, int lineNumber)
    {
        if (fields.Length != 3)
        {
            throw new PairListFormatException(lineNumber, $"expected a same-person line 'name i j' (3 fields), found {fields.Length} fields");
        }

        return new LfwPair(
            fold, true, Name(fields[0], lineNumber), PositiveNumber(fields[1], lineNumber, "image number"),
            fields[0], PositiveNumber(fields[2], lineNumber, "image number"));
    }

    private static LfwPair DifferentPair(int fold, string[] fields, int lineNumber)
    {
        if (fields.Length != 4)
        {
            throw new PairListFormatException(lineNumber, $"expected a different-person line 'name1 i name2 j' (4 fields), found {fields.Length} fields");
        }

        return new LfwPair(
            fold, false, Name(fields[0], lineNumber), PositiveNumber(fields[1], lineNumber, "image number"),
            Name(fields[2], lineNumber), PositiveNumber(fields[3], lineNumber, "image number"));
    }

    private static string Name(string field, int lineNumber) =>
        field.IndexOfAny(['/', '\\']) >= 0 || field is "." or ".."
            ? throw new PairListFormatException(lineNumber, $"'{field}' is not a valid name (path separators are not allowed)")
            : field;

    private static int PositiveNumber(string field, int lineNumber, string what) =>
        int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new PairListFormatException(lineNumber, $"expected a positive whole number for the {what}, found '{field}'");

    private static IEnumerable<(int LineNumber, string[] Fields)> NonBlankLines(TextReader reader)
    {
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0)
            {
                yield return (lineNumber, fields);
            }
        }
    }
}
