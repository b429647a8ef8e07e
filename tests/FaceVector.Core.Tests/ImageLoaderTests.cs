using System.Diagnostics;
using FaceVector.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceVector.Core.Tests;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly ImageLoader _loader = new();
    private readonly string _temp = Directory.CreateTempSubdirectory("fv-loader-").FullName;

    [Fact]
    public void Empty_file_is_refused_naming_the_file()
    {
        var ex = Assert.Throws<ImageLoadException>(() => _loader.Load(TestData.AwkwardFile("zero_bytes.jpg")));
        Assert.Equal(ImageLoadFailure.Empty, ex.Failure);
        Assert.Contains("zero_bytes.jpg", ex.Message);
    }

    [Fact]
    public void Text_with_an_image_extension_is_not_an_image()
    {
        var ex = Assert.Throws<ImageLoadException>(() => _loader.Load(TestData.AwkwardFile("text_renamed.jpg")));
        Assert.Equal(ImageLoadFailure.NotAnImage, ex.Failure);
        Assert.Contains("text_renamed.jpg", ex.Message);
    }

    [Fact]
    public void Format_comes_from_the_content_not_the_extension()
    {
        LoadedImage image = _loader.Load(TestData.AwkwardFile("jpeg_named_as.png"));
        Assert.Equal("JPEG", image.Format);
    }

    [Fact]
    public void Oversized_image_is_refused_before_decoding()
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var ex = Assert.Throws<ImageLoadException>(() => _loader.Load(TestData.AwkwardFile("huge_8000x8000.png")));
        Assert.Equal(ImageLoadFailure.TooLarge, ex.Failure);
        Assert.Contains("8000x8000", ex.Message);
        // Decoding 64 Mpx would allocate ~256 MB; the header alone needs a few MB at most (the file is read once).
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 32L << 20, "the image was decoded");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Pixel_limit_is_configurable()
    {
        var strict = new ImageLoader(new ImageLoaderOptions(MaxPixels: 100 * 100));
        var ex = Assert.Throws<ImageLoadException>(() => strict.Load(TestData.FacesDevFile("amy/amy1.png")));
        Assert.Equal(ImageLoadFailure.TooLarge, ex.Failure);
        Assert.NotNull(new ImageLoader(new ImageLoaderOptions(MaxPixels: 150 * 150)).Load(TestData.FacesDevFile("amy/amy1.png")));
    }

    [Fact]
    public void Truncated_jpeg_either_decodes_or_fails_cleanly()
    {
        try
        {
            LoadedImage image = _loader.Load(TestData.AwkwardFile("truncated_half.jpg"));
            Assert.True(image.Image.Width > 0);
        }
        catch (ImageLoadException ex)
        {
            Assert.Equal(ImageLoadFailure.Corrupt, ex.Failure);
        }
    }

    [Fact]
    public void Exif_orientation_is_applied()
    {
        LoadedImage upright = _loader.Load(TestData.FacesDevFile("kit_harington/johnsnow_test1.jpg"));
        LoadedImage rotated90 = _loader.Load(TestData.AwkwardFile("exif_orientation_6.jpg"));
        LoadedImage rotated180 = _loader.Load(TestData.AwkwardFile("exif_orientation_3.jpg"));
        // Both are the upright photo at 50%: same aspect ratio as the original once orientation is applied.
        double aspect = (double)upright.Image.Width / upright.Image.Height;
        Assert.Equal(aspect, (double)rotated90.Image.Width / rotated90.Image.Height, 1);
        Assert.Equal(aspect, (double)rotated180.Image.Width / rotated180.Image.Height, 1);
    }

    [Fact]
    public void Cmyk_is_converted_to_rgb_without_inverting_colours()
    {
        RgbImage cmyk = _loader.Load(TestData.AwkwardFile("cmyk.jpg")).Image;
        RgbImage rgb = _loader.Load(TestData.FacesDevFile("barack_obama/obama2.jpg")).Image;
        (double r1, double g1, double b1) = MeanColour(cmyk);
        (double r2, double g2, double b2) = MeanColour(rgb);
        Assert.True(Math.Abs(r1 - r2) < 25 && Math.Abs(g1 - g2) < 25 && Math.Abs(b1 - b2) < 25, $"CMYK mean ({r1:0},{g1:0},{b1:0}) vs RGB ({r2:0},{g2:0},{b2:0})");
    }

    [Fact]
    public void Grayscale_becomes_three_equal_channels()
    {
        RgbImage gray = _loader.Load(TestData.AwkwardFile("grayscale_1ch.jpg")).Image;
        for (int i = 0; i < gray.Pixels.Length; i += 3 * 97)
        {
            Assert.Equal(gray.Pixels[i], gray.Pixels[i + 1]);
            Assert.Equal(gray.Pixels[i], gray.Pixels[i + 2]);
        }
    }

    [Fact]
    public void Sixteen_bit_palette_and_transparent_pngs_become_8_bit_rgb()
    {
        string png16 = Path.Combine(_temp, "rgb48.png");
        using (var img = new Image<Rgb48>(8, 8, new Rgb48(65535, 0, 32768)))
        {
            img.SaveAsPng(png16, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb });
        }

        RgbImage decoded16 = _loader.Load(png16).Image;
        Assert.Equal([255, 0, 128], decoded16.Pixels[..3]);

        string palette = Path.Combine(_temp, "palette.png");
        using (var img = new Image<Rgba32>(8, 8, new Rgba32(10, 200, 30)))
        {
            img.SaveAsPng(palette, new PngEncoder { ColorType = PngColorType.Palette });
        }

        Assert.Equal([10, 200, 30], _loader.Load(palette).Image.Pixels[..3]);

        string transparent = Path.Combine(_temp, "transparent.png");
        using (var img = new Image<Rgba32>(8, 8, new Rgba32(0, 0, 0, 0)))
        {
            img.SaveAsPng(transparent);
        }

        // Fully transparent becomes white, as viewers show it.
        Assert.Equal([255, 255, 255], _loader.Load(transparent).Image.Pixels[..3]);
    }

    [Fact]
    public void Animated_gif_uses_the_first_frame()
    {
        string gif = Path.Combine(_temp, "anim.gif");
        using (var img = new Image<Rgba32>(16, 16, new Rgba32(255, 0, 0)))
        {
            using var second = new Image<Rgba32>(16, 16, new Rgba32(0, 0, 255));
            img.Frames.AddFrame(second.Frames.RootFrame);
            img.SaveAsGif(gif, new GifEncoder());
        }

        RgbImage decoded = _loader.Load(gif).Image;
        Assert.True(decoded.Pixels[0] > 200 && decoded.Pixels[2] < 50, "expected the red first frame");
    }

    [Theory]
    [InlineData("bmp")]
    [InlineData("tiff")]
    [InlineData("webp")]
    [InlineData("tga")]
    [InlineData("pbm")]
    public void Other_formats_decode_to_the_same_pixels(string extension)
    {
        string path = Path.Combine(_temp, "photo." + extension);
        using (Image<Rgb24> image = Image.Load<Rgb24>(TestData.FacesDevFile("barack_obama/obama-480p.jpg")))
        {
            image.Save(path);
        }

        RgbImage decoded = _loader.Load(path).Image;
        RgbImage original = _loader.Load(TestData.FacesDevFile("barack_obama/obama-480p.jpg")).Image;
        Assert.Equal((original.Width, original.Height), (decoded.Width, decoded.Height));
        if (extension != "pbm" && extension != "webp")
        {
            Assert.Equal(original.Pixels, decoded.Pixels); // lossless formats
        }
    }

    [Fact]
    public void A_png_header_declaring_ten_gigapixels_is_refused_without_decoding()
    {
        static byte[] Chunk(string type, byte[] data)
        {
            byte[] t = System.Text.Encoding.ASCII.GetBytes(type);
            return [.. BigEndian(data.Length), .. t, .. data, .. BigEndian((int)Crc32([.. t, .. data]))];
        }

        // PNG's CRC-32 (polynomial 0xEDB88320), bit by bit: a few bytes need no table.
        static uint Crc32(byte[] bytes)
        {
            uint crc = 0xFFFFFFFF;
            foreach (byte b in bytes)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
                }
            }

            return ~crc;
        }

        static byte[] BigEndian(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
        byte[] header = [.. BigEndian(100_000), .. BigEndian(100_000), 8, 2, 0, 0, 0];
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", header), .. Chunk("IEND", [])];
        var ex = Assert.Throws<ImageLoadException>(() => _loader.Decode(png, "bomb.png"));
        Assert.Equal(ImageLoadFailure.TooLarge, ex.Failure);
        Assert.Contains("100000x100000", ex.Message);
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        var ex = Assert.Throws<ImageLoadException>(() => _loader.Load(Path.Combine(_temp, "nope.jpg")));
        Assert.Equal(ImageLoadFailure.Unreadable, ex.Failure);
        Assert.Contains("nope.jpg", ex.Message);
    }

    [Fact]
    public void Random_bytes_and_cut_headers_fail_cleanly()
    {
        var rng = new Random(7);
        byte[] png = File.ReadAllBytes(TestData.FacesDevFile("amy/amy1.png"));
        for (int i = 0; i < 40; i++)
        {
            byte[] bytes = i % 2 == 0 ? png[..rng.Next(1, 200)] : [.. png.Select(b => rng.Next(50) == 0 ? (byte)rng.Next(256) : b)];
            try
            {
                _loader.Decode(bytes, $"fuzz{i}");
            }
            catch (ImageLoadException ex)
            {
                Assert.Contains($"fuzz{i}", ex.Message);
            }
        }
    }

    private static (double R, double G, double B) MeanColour(RgbImage image)
    {
        double r = 0, g = 0, b = 0;
        int n = image.Pixels.Length / 3;
        for (int i = 0; i < image.Pixels.Length; i += 3)
        {
            r += image.Pixels[i];
            g += image.Pixels[i + 1];
            b += image.Pixels[i + 2];
        }

        return (r / n, g / n, b / n);
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);
}
