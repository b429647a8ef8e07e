using FaceVector.Core.Files;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceVector.Core.Imaging;

/// <summary>An image ready for the models plus what was learned while loading it.</summary>
/// <param name="Image">Upright RGB pixels (EXIF orientation applied, alpha flattened onto white).</param>
/// <param name="Format">Format detected from the content, e.g. "JPEG".</param>
/// <param name="Sha256">Lower-case hex sha256 of the file's bytes.</param>
public sealed record LoadedImage(RgbImage Image, string Format, string Sha256);

/// <summary>
/// Decodes image files with ImageSharp: the format comes from the bytes, not the extension; EXIF orientation is
/// applied; grayscale, palette, 16-bit, CMYK and alpha images become 8-bit RGB; only the first frame of an
/// animation is decoded; oversized images are refused from their header alone. Every failure is an
/// <see cref="ImageLoadException"/> naming the file.
/// </summary>
public sealed class ImageLoader
{
    private readonly ImageLoaderOptions _options;
    private readonly Configuration _configuration;

    public ImageLoader(ImageLoaderOptions? options = null)
    {
        _options = options ?? new ImageLoaderOptions();
        _configuration = Configuration.Default.Clone();
        // Decode only the first frame of animations: the rest would cost memory and time for nothing.
        _configuration.ImageFormatsManager.SetDecoder(SixLabors.ImageSharp.Formats.Gif.GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        _configuration.ImageFormatsManager.SetDecoder(SixLabors.ImageSharp.Formats.Tiff.TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
    }

    public ImageLoaderOptions Options => _options;

    /// <summary>Reads and decodes a file.</summary>
    public LoadedImage Load(string path) => Decode(ReadFile(path), path);

    /// <summary>Reads a file's bytes within the size limit; every failure is an <see cref="ImageLoadException"/>.</summary>
    public byte[] ReadFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ImageLoadException(path, ImageLoadFailure.Unreadable, "file not found");
            }

            if (info.Length > _options.MaxFileBytes)
            {
                throw new ImageLoadException(path, ImageLoadFailure.TooLarge, $"file is {info.Length:N0} bytes, over the limit of {_options.MaxFileBytes:N0}");
            }

            // A FIFO or device named like a photo is refused without blocking the reader.
            return RegularFile.ReadAllBytes(path, _options.MaxFileBytes);
        }
        catch (FileNotFoundException ex)
        {
            throw new ImageLoadException(path, ImageLoadFailure.Unreadable, "file not found", ex);
        }
        catch (NotARegularFileException ex)
        {
            throw new ImageLoadException(path, ImageLoadFailure.Unreadable, ex.Reason, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImageLoadException(path, ImageLoadFailure.Unreadable, ex.Message, ex);
        }
    }

    /// <summary>Decodes image bytes; <paramref name="source"/> names them in errors.</summary>
    public LoadedImage Decode(byte[] bytes, string source)
    {
        LoadedImage loaded = Decode(bytes, source, out IDisposable lease);
        lease.Dispose();
        return loaded;
    }

    /// <summary>
    /// Decodes image bytes holding their share of the process decode budget, which the caller gives back by
    /// disposing <paramref name="lease"/> once it is done with the pixels (an analysis keeps them for detection).
    /// </summary>
    public LoadedImage Decode(byte[] bytes, string source, out IDisposable lease)
    {
        if (bytes.Length == 0)
        {
            throw new ImageLoadException(source, ImageLoadFailure.Empty, "0 bytes");
        }

        string sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        IImageFormat? format = Image.DetectFormat(_configuration, bytes);
        if (format is null)
        {
            throw new ImageLoadException(source, ImageLoadFailure.NotAnImage, $"content is not a supported image format (starts with {Preview(bytes)})");
        }

        IImageInfo? header;
        try
        {
            header = Image.Identify(_configuration, bytes, out _);
        }
        catch (Exception ex) when (IsDecodeFailure(ex))
        {
            throw new ImageLoadException(source, ImageLoadFailure.Corrupt, $"{format.Name} header unreadable: {ex.Message}", ex);
        }

        if (header is null || header.Width <= 0 || header.Height <= 0)
        {
            throw new ImageLoadException(source, ImageLoadFailure.Corrupt, $"{format.Name} header has no usable size");
        }

        long pixels = (long)header.Width * header.Height;
        if (pixels > _options.MaxPixels)
        {
            throw new ImageLoadException(source, ImageLoadFailure.TooLarge,
                $"{header.Width}x{header.Height} = {pixels / 1e6:0.#} megapixels, over the limit of {_options.MaxPixels / 1e6:0.#} (raise it with --max-pixels)");
        }

        lease = _options.EffectiveBudget.Acquire(pixels, source);
        try
        {
            if (HasNoAlpha(format, header))
            {
                // No alpha to flatten: decode straight to RGB bytes (JPEG, the common case), one copy, no per-pixel pass.
                using Image<Rgb24> rgb = Image.Load<Rgb24>(_configuration, bytes);
                rgb.Mutate(x => x.AutoOrient());
                var rgbBytes = new byte[checked(rgb.Width * rgb.Height * 3)];
                rgb.CopyPixelDataTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Rgb24>(rgbBytes.AsSpan()));
                return new LoadedImage(new RgbImage(rgb.Width, rgb.Height, rgbBytes), format.Name, sha256);
            }

            // Rgba32 keeps alpha so it can be flattened onto white; every other layout (gray, palette, 16-bit,
            // CMYK/YCCK) is converted by the decoder.
            using Image<Rgba32> image = Image.Load<Rgba32>(_configuration, bytes);
            image.Mutate(x => x.AutoOrient());
            return new LoadedImage(ToRgb(image), format.Name, sha256);
        }
        catch (Exception ex)
        {
            lease.Dispose();
            throw IsDecodeFailure(ex) ? new ImageLoadException(source, ImageLoadFailure.Corrupt, $"{format.Name} data cannot be decoded: {ex.Message}", ex) : ex;
        }
    }

    // JPEG has no alpha channel; other formats say so in their header when they know.
    private static bool HasNoAlpha(IImageFormat format, IImageInfo header) =>
        format is SixLabors.ImageSharp.Formats.Jpeg.JpegFormat
        || header.PixelType?.AlphaRepresentation == PixelAlphaRepresentation.None;

    private static RgbImage ToRgb(Image<Rgba32> image)
    {
        int width = image.Width, height = image.Height;
        var rgb = new byte[checked(width * height * 3)];
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < height; y++)
            {
                Span<Rgba32> row = accessor.GetRowSpan(y);
                int o = y * width * 3;
                for (int x = 0; x < row.Length; x++, o += 3)
                {
                    Rgba32 p = row[x];
                    if (p.A == 255)
                    {
                        rgb[o] = p.R;
                        rgb[o + 1] = p.G;
                        rgb[o + 2] = p.B;
                    }
                    else
                    {
                        // Transparent areas become white, as most viewers show them, not undefined colour.
                        int a = p.A, inv = 255 - a;
                        rgb[o] = (byte)(((p.R * a) + (255 * inv) + 127) / 255);
                        rgb[o + 1] = (byte)(((p.G * a) + (255 * inv) + 127) / 255);
                        rgb[o + 2] = (byte)(((p.B * a) + (255 * inv) + 127) / 255);
                    }
                }
            }
        });
        return new RgbImage(width, height, rgb);
    }

    /// <summary>
    /// What a decoder may throw on bad bytes. Not only its documented exceptions: fuzzing found ImageSharp 2.1.13's
    /// JPEG Identify throwing NullReferenceException on a mutated header, so anything but running out of memory or
    /// being cancelled counts as a corrupt image rather than a crash of the caller.
    /// </summary>
    private static bool IsDecodeFailure(Exception ex) =>
        ex is not (OutOfMemoryException or OperationCanceledException or ImageLoadException or InsufficientExecutionStackException);

    private static string Preview(byte[] bytes)
    {
        ReadOnlySpan<byte> head = bytes.AsSpan(0, Math.Min(8, bytes.Length));
        return Convert.ToHexString(head);
    }
}
