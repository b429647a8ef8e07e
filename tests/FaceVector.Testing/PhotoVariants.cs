using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Processing;

namespace FaceVector.Testing;

/// <summary>
/// Makes new photos from faces-dev by transforming copies (mirror, scale, small rotation, brightness, JPEG
/// quality), so tests can run on many files the code has never seen, without committing any image.
/// </summary>
public static class PhotoVariants
{
    /// <summary>Writes <paramref name="count"/> variants into <paramref name="folder"/> (in sub-folders per identity); returns their paths.</summary>
    public static IReadOnlyList<string> Write(string folder, int count, int maxSide = 480, int seed = 1)
    {
        string[] sources = [.. Directory.EnumerateDirectories(TestData.FacesDev)
            .Where(d => !Path.GetFileName(d).StartsWith('_'))
            .SelectMany(d => Directory.EnumerateFiles(d))
            .Order(StringComparer.Ordinal)];
        var rng = new Random(seed);
        var written = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string source = sources[i % sources.Length];
            string identity = Path.GetFileName(Path.GetDirectoryName(source)!);
            string target = Path.Combine(folder, identity, $"{Path.GetFileNameWithoutExtension(source)}_v{i:D4}.jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using Image image = Image.Load(source);
            float scale = Math.Min(1f, maxSide / (float)Math.Max(image.Width, image.Height)) * (0.75f + (0.25f * (float)rng.NextDouble()));
            int mode = i / sources.Length % 4;
            image.Mutate(x =>
            {
                x.Resize(Math.Max(32, (int)(image.Width * scale)), Math.Max(32, (int)(image.Height * scale)));
                if (mode == 1)
                {
                    x.Flip(FlipMode.Horizontal);
                }

                if (mode == 2)
                {
                    x.Rotate((float)((rng.NextDouble() * 12) - 6));
                }

                if (mode == 3)
                {
                    x.Brightness(0.8f + (0.4f * (float)rng.NextDouble()));
                }
            });
            image.SaveAsJpeg(target, new JpegEncoder { Quality = 60 + rng.Next(35) });
            written.Add(target);
        }

        return written;
    }
}
