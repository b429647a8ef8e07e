using System.Globalization;
using System.Text;
using FaceVector.Core.Pipeline;
using FaceVector.Evaluation.Lfw;

namespace FaceVector.Evaluation.Datasets;

/// <summary>What <c>eval --make-pairs</c> wrote.</summary>
public sealed record MadePairs(string PairsFile, string ImagesFolder, LfwPairList List, int Identities, int Images, bool Copied);

/// <summary>
/// Turns a labelled folder into an LFW-style benchmark: <c>OUT/pairs.txt</c> plus <c>OUT/lfw/&lt;name&gt;/&lt;name&gt;_0001.jpg</c>,
/// symbolic links to the original photos (numbered in file-name order; <c>OUT/mapping.tsv</c> lists link and target).
/// The pairs format only knows <c>&lt;name&gt;_&lt;4 digits&gt;.jpg</c>, so the links give any photo collection that
/// layout without touching the photos or extending the format; the loader reads the real format from the bytes.
/// </summary>
public static class PairListMaker
{
    public const string PairsFileName = "pairs.txt", ImagesFolderName = "lfw", MappingFileName = "mapping.tsv";

    /// <summary>LFW View 2 uses 300 pairs of each kind per fold.</summary>
    public const int MaxDefaultPairsPerFold = 300;

    public static MadePairs Make(string imagesRoot, string outDir, int folds, int? pairsPerFold, ulong seed)
    {
        List<IGrouping<string, string>> identities = [.. LabelledFolder.List(imagesRoot, out _)
            .Where(f => !LabelledFolder.IsDistractor(f.Label) && ImageFileEnumerator.HasImageExtension(f.Path))
            .GroupBy(f => PairsName(f.Label), f => f.Path, StringComparer.Ordinal)];
        List<IdentityImages> numbered = [.. identities.Select(g => new IdentityImages(g.Key, [.. Enumerable.Range(1, g.Count())]))];
        LfwPairList list = Generate(numbered, folds, pairsPerFold, seed);

        string linkRoot = Path.Combine(outDir, ImagesFolderName);
        var mapping = new StringBuilder("link\ttarget\n");
        bool copied = false;
        foreach (IGrouping<string, string> identity in identities)
        {
            Directory.CreateDirectory(Path.Combine(linkRoot, identity.Key));
            int number = 1;
            foreach (string original in identity)
            {
                string link = LfwPair.ImagePath(linkRoot, identity.Key, number++);
                copied |= LinkOrCopy(link, original);
                mapping.Append(CultureInfo.InvariantCulture, $"{Path.GetRelativePath(outDir, link)}\t{original}\n");
            }
        }

        string pairsFile = Path.Combine(outDir, PairsFileName);
        File.WriteAllText(pairsFile, LfwPairFile.Format(list));
        File.WriteAllText(Path.Combine(outDir, MappingFileName), mapping.ToString());
        return new MadePairs(pairsFile, linkRoot, list, identities.Count, identities.Sum(g => g.Count()), copied);
    }

    /// <summary>
    /// With <paramref name="pairsPerFold"/> unset: the most pairs every fold can supply, at most 300. Which identities
    /// land in which fold does not depend on the count, so the largest count that generates is found by bisection.
    /// </summary>
    private static LfwPairList Generate(IReadOnlyList<IdentityImages> identities, int folds, int? pairsPerFold, ulong seed)
    {
        if (pairsPerFold is int n)
        {
            return PairListGenerator.Generate(identities, folds, n, seed);
        }

        LfwPairList best = PairListGenerator.Generate(identities, folds, 1, seed);
        int low = 1, high = MaxDefaultPairsPerFold;
        while (low < high)
        {
            int mid = (low + high + 1) / 2;
            if (TryGenerate(identities, folds, mid, seed) is { } list)
            {
                (best, low) = (list, mid);
            }
            else
            {
                high = mid - 1;
            }
        }

        return best;
    }

    private static LfwPairList? TryGenerate(IReadOnlyList<IdentityImages> identities, int folds, int n, ulong seed)
    {
        try
        {
            return PairListGenerator.Generate(identities, folds, n, seed);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    // Folder names become pairs-file fields, which whitespace would split.
    private static string PairsName(string label) =>
        string.Concat(label.Select(c => char.IsWhiteSpace(c) ? '_' : c));

    /// <summary>Links <paramref name="link"/> to <paramref name="target"/>; copies where links are not allowed (Windows without developer mode). True when copied.</summary>
    private static bool LinkOrCopy(string link, string target)
    {
        File.Delete(link);
        try
        {
            File.CreateSymbolicLink(link, target);
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Copy(target, link);
            return true;
        }
    }
}
