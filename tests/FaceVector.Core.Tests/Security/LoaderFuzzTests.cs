using FaceVector.Core.Fuzzing;
using FaceVector.Core.Imaging;
using Xunit.Abstractions;

namespace FaceVector.Core.Tests.Security;

/// <summary>
/// The image loader under a seeded mutation fuzzer: mutated real photos and the awkward files must decode or be
/// refused with an <see cref="ImageLoadException"/>, never throw anything else. 15 s in CI; longer by hand with
/// FACEVECTOR_FUZZ_SECONDS or <c>facevector bench fuzz --seconds N</c>.
/// </summary>
public sealed class LoaderFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_photos_are_decoded_or_refused_never_crash()
    {
        var fuzzer = new MutationFuzzer(LoaderSeeds(), randomSeed: 13);
        // A low pixel limit keeps each input fast; the limit's own check is part of what is fuzzed.
        var loader = new ImageLoader(new ImageLoaderOptions(MaxPixels: 4_000_000));
        FuzzResult result = fuzzer.Run(bytes => Decode(loader, bytes), Duration());
        output.WriteLine($"{result.Inputs:N0} inputs in {result.Elapsed.TotalSeconds:0.0} s ({result.InputsPerSecond:0} /s): " +
            $"{result.Accepted:N0} decoded, {result.Refused:N0} refused, {result.Crashes.Count} crashes");
        Assert.True(result.Crashes.Count == 0, string.Join("\n", result.Crashes.Select(c => $"{c.Seed} #{c.Iteration}: {c.Exception}")));
        Assert.True(result.Inputs > 50, $"only {result.Inputs} inputs");
    }

    internal static bool Decode(ImageLoader loader, byte[] bytes)
    {
        try
        {
            loader.Decode(bytes, "fuzz");
            return true;
        }
        catch (ImageLoadException)
        {
            return false;
        }
    }

    internal static IReadOnlyList<(string Name, byte[] Bytes)> LoaderSeeds() =>
    [
        .. Directory.EnumerateFiles(TestData.Awkward)
            // Small seeds keep the loop fast (tens of inputs per second on one core); every format is there.
            .Where(f => new FileInfo(f).Length is > 0 and < 200_000)
            .Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))),
        .. new[] { "barack_obama/obama-480p.jpg" }.Select(f => (f, File.ReadAllBytes(TestData.FacesDevFile(f)))),
    ];

    private static TimeSpan Duration() =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("FACEVECTOR_FUZZ_SECONDS"), out int s) && s > 0 ? s : 15);
}
