namespace FaceVector.Core.Fuzzing;

/// <summary>An input that made the target throw something other than its refusal, and what it threw.</summary>
public sealed record FuzzCrash(string Seed, long Iteration, string Exception, byte[] Input);

/// <summary>How a fuzz run went: inputs tried, accepted and refused by the target, and the crashes.</summary>
public sealed record FuzzResult(long Inputs, long Accepted, long Refused, IReadOnlyList<FuzzCrash> Crashes, TimeSpan Elapsed)
{
    public double InputsPerSecond => Elapsed.TotalSeconds > 0 ? Inputs / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// A seeded mutation fuzzer (no instrumentation, so it runs anywhere, in CI too): each input is a seed (a real
/// photo, an awkward file, an encoded request) with a few random mutations: bit flips, bytes set to boundary values,
/// 16/32-bit fields set to huge or negative sizes, runs deleted, duplicated or spliced from another seed, truncation.
/// The target either accepts an input, refuses it the documented way (returns false), or crashes (throws anything
/// else). The same random seed gives the same inputs, so a crash can be replayed.
/// </summary>
public sealed class MutationFuzzer(IReadOnlyList<(string Name, byte[] Bytes)> seeds, int randomSeed = 1)
{
    private static readonly byte[] Boundaries = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF];
    private static readonly uint[] Sizes = [0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 65500, 100_000];

    /// <param name="target">True: accepted; false: refused as designed; an exception: a crash.</param>
    public FuzzResult Run(Func<byte[], bool> target, TimeSpan duration, long maxInputs = long.MaxValue, int maxCrashes = 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (seeds.Count == 0)
        {
            throw new ArgumentException("give at least one seed input", nameof(seeds));
        }

        var rng = new Random(randomSeed);
        var crashes = new List<FuzzCrash>();
        long inputs = 0, accepted = 0, refused = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < duration && inputs < maxInputs && crashes.Count < maxCrashes && !cancellationToken.IsCancellationRequested)
        {
            (string name, byte[] seed) = seeds[rng.Next(seeds.Count)];
            // Every seed once unmutated first: a crash there is the seed's, not a mutation's.
            byte[] input = inputs < seeds.Count ? (byte[])seeds[(int)inputs].Bytes.Clone() : Mutate(rng, seed);
            if (inputs < seeds.Count)
            {
                name = seeds[(int)inputs].Name;
            }

            inputs++;
            try
            {
                if (target(input))
                {
                    accepted++;
                }
                else
                {
                    refused++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The innermost frames say where it broke; enough to find it again.
                string where = string.Join(" < ", (ex.StackTrace ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(3).Select(l => l.Trim()));
                crashes.Add(new FuzzCrash(name, inputs, $"{ex.GetType().FullName}: {ex.Message} {where}", input));
            }
        }

        return new FuzzResult(inputs, accepted, refused, crashes, clock.Elapsed);
    }

    /// <summary>One to four mutations of <paramref name="seed"/>.</summary>
    public byte[] Mutate(Random rng, byte[] seed)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var bytes = new List<byte>(seed);
        int rounds = 1 + rng.Next(4);
        for (int r = 0; r < rounds; r++)
        {
            if (bytes.Count == 0)
            {
                bytes.Add((byte)rng.Next(256));
                continue;
            }

            // Headers hold the interesting fields: aim half of the mutations at the first 64 bytes.
            int at = rng.Next(2) == 0 ? rng.Next(Math.Min(64, bytes.Count)) : rng.Next(bytes.Count);
            switch (rng.Next(8))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    bytes[at] = Boundaries[rng.Next(Boundaries.Length)];
                    break;
                case 2:
                    bytes[at] = (byte)rng.Next(256);
                    break;
                case 3:
                    WriteSize(bytes, at, Sizes[rng.Next(Sizes.Length)], width: rng.Next(2) == 0 ? 2 : 4, bigEndian: rng.Next(2) == 0);
                    break;
                case 4:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + rng.Next(64)));
                    break;
                case 5:
                    int length = Math.Min(bytes.Count - at, 1 + rng.Next(64));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                case 6:
                    bytes.RemoveRange(at, bytes.Count - at); // truncation
                    break;
                default:
                    byte[] other = seeds[rng.Next(seeds.Count)].Bytes;
                    if (other.Length > 0)
                    {
                        int from = rng.Next(other.Length);
                        bytes.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + rng.Next(256))).ToArray());
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static void WriteSize(List<byte> bytes, int at, uint value, int width, bool bigEndian)
    {
        for (int i = 0; i < width && at + i < bytes.Count; i++)
        {
            int shift = 8 * (bigEndian ? width - 1 - i : i);
            bytes[at + i] = (byte)(value >> shift);
        }
    }
}
