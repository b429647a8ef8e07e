namespace FaceVector.Evaluation.Lfw;

/// <summary>One identity of a labelled folder and the numbers of its images (1-based, as in the pairs format).</summary>
public sealed record IdentityImages(string Name, IReadOnlyList<int> ImageNumbers);

/// <summary>
/// Generates an LFW-style pair list from a labelled folder, deterministically for a given seed.
/// Like LFW View 2, folds are identity-disjoint: identities are shuffled and dealt round-robin to the folds
/// (those with two or more images first, so every fold gets some), and each fold draws its n same-person pairs
/// uniformly from all distinct same-person pairs among its identities and its n different-person pairs uniformly
/// from all distinct cross-identity pairs. No pair repeats.
/// </summary>
public static class PairListGenerator
{
    /// <exception cref="ArgumentException">A fold cannot supply n distinct pairs of a kind; the message says which.</exception>
    public static LfwPairList Generate(IReadOnlyList<IdentityImages> identities, int folds, int pairsPerFold, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairsPerFold, 1);
        var random = new SplitMix64(seed);

        // Sort first so the result depends only on the content, not on the caller's enumeration order.
        var ordered = identities
            .Where(i => i.ImageNumbers.Count > 0)
            .Select(i => i with { ImageNumbers = [.. i.ImageNumbers.Distinct().Order()] })
            .OrderBy(i => i.Name, StringComparer.Ordinal)
            .ToArray();
        var withPairs = ordered.Where(i => i.ImageNumbers.Count >= 2).ToArray();
        var singles = ordered.Where(i => i.ImageNumbers.Count == 1).ToArray();
        random.Shuffle(withPairs);
        random.Shuffle(singles);

        var foldIdentities = Enumerable.Range(0, folds).Select(_ => new List<IdentityImages>()).ToArray();
        var dealt = 0;
        foreach (var identity in withPairs.Concat(singles))
        {
            foldIdentities[dealt++ % folds].Add(identity);
        }

        var pairs = new List<LfwPair>();
        for (var fold = 0; fold < folds; fold++)
        {
            pairs.AddRange(SamePairs(fold, foldIdentities[fold], pairsPerFold, random));
            pairs.AddRange(DifferentPairs(fold, foldIdentities[fold], pairsPerFold, random));
        }

        return new LfwPairList(folds, pairsPerFold, pairs);
    }

    private static IEnumerable<LfwPair> SamePairs(int fold, List<IdentityImages> identities, int count, SplitMix64 random)
    {
        var candidates = new List<LfwPair>();
        foreach (var identity in identities)
        {
            var images = identity.ImageNumbers;
            for (var a = 0; a < images.Count; a++)
            {
                for (var b = a + 1; b < images.Count; b++)
                {
                    candidates.Add(new LfwPair(fold, true, identity.Name, images[a], identity.Name, images[b]));
                }
            }
        }

        return Sample(candidates, count, fold, "same-person", random);
    }

    private static IEnumerable<LfwPair> DifferentPairs(int fold, List<IdentityImages> identities, int count, SplitMix64 random)
    {
        long total = identities.Sum(i => (long)i.ImageNumbers.Count);
        var possible = (total * total - identities.Sum(i => (long)i.ImageNumbers.Count * i.ImageNumbers.Count)) / 2;
        if (possible < count)
        {
            throw NotEnough(fold, count, "different-person", possible);
        }

        // Rejection sampling of a uniform random image pair from different identities; fine while pairs are plentiful.
        var images = identities.SelectMany(i => i.ImageNumbers.Select(n => (i.Name, Number: n))).ToArray();
        if (possible <= 4L * count)
        {
            var all = new List<LfwPair>();
            for (var a = 0; a < images.Length; a++)
            {
                for (var b = a + 1; b < images.Length; b++)
                {
                    if (images[a].Name != images[b].Name)
                    {
                        all.Add(new LfwPair(fold, false, images[a].Name, images[a].Number, images[b].Name, images[b].Number));
                    }
                }
            }

            return Sample(all, count, fold, "different-person", random);
        }

        var chosen = new HashSet<(int, int)>();
        var result = new List<LfwPair>(count);
        while (result.Count < count)
        {
            int a = random.Next(images.Length), b = random.Next(images.Length);
            if (images[a].Name == images[b].Name || !chosen.Add((Math.Min(a, b), Math.Max(a, b))))
            {
                continue;
            }

            (a, b) = (Math.Min(a, b), Math.Max(a, b));
            result.Add(new LfwPair(fold, false, images[a].Name, images[a].Number, images[b].Name, images[b].Number));
        }

        return result;
    }

    private static List<LfwPair> Sample(List<LfwPair> candidates, int count, int fold, string kind, SplitMix64 random)
    {
        if (candidates.Count < count)
        {
            throw NotEnough(fold, count, kind, candidates.Count);
        }

        // Partial Fisher-Yates: the first `count` slots become a uniform sample without repetition.
        for (var k = 0; k < count; k++)
        {
            var pick = k + random.Next(candidates.Count - k);
            (candidates[k], candidates[pick]) = (candidates[pick], candidates[k]);
        }

        return candidates.GetRange(0, count);
    }

    private static ArgumentException NotEnough(int fold, int count, string kind, long available) =>
        new($"Fold {fold} can supply only {available} distinct {kind} pairs, but {count} were asked for; use fewer folds or pairs per fold.");
}

/// <summary>SplitMix64: a tiny PRNG whose output is fixed by its seed on every runtime, unlike System.Random's contract.</summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) by rejection, without modulo bias.</summary>
    public int Next(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        var limit = ulong.MaxValue - (ulong.MaxValue % (ulong)bound);
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value >= limit);
        return (int)(value % (ulong)bound);
    }

    public void Shuffle<T>(T[] items)
    {
        for (var k = items.Length - 1; k > 0; k--)
        {
            var pick = Next(k + 1);
            (items[k], items[pick]) = (items[pick], items[k]);
        }
    }
}
