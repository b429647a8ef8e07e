namespace FaceVector.Core.Imaging;

/// <summary>
/// A decoded, upright image as tightly packed 8-bit RGB (row-major, 3 bytes per pixel).
/// Kept as a plain array so resizing and warping run as simple indexed loops.
/// </summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != checked(width * height * 3))
        {
            throw new ArgumentException($"Expected {width * height * 3} bytes for {width}x{height} RGB, got {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>RGB bytes, row-major, stride = 3 * Width.</summary>
    public byte[] Pixels { get; }

    /// <summary>A copy with a black border of the given size on every side.</summary>
    public RgbImage Pad(int border)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(border);
        int w = Width + (2 * border), h = Height + (2 * border);
        var dst = new byte[checked(w * h * 3)];
        int srcStride = Width * 3, dstStride = w * 3;
        for (int y = 0; y < Height; y++)
        {
            Buffer.BlockCopy(Pixels, y * srcStride, dst, ((y + border) * dstStride) + (border * 3), srcStride);
        }

        return new RgbImage(w, h, dst);
    }
}

/// <summary>Writes <see cref="RgbImage"/>s to files (PNG by extension) for inspection and thumbnails.</summary>
public static class RgbImageWriter
{
    public static void Save(RgbImage image, string path)
    {
        using var img = SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.Rgb24>(image.Pixels, image.Width, image.Height);
        SixLabors.ImageSharp.ImageExtensions.Save(img, path);
    }
}
