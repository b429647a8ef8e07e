using FaceVector.Core.Imaging;
using FaceVector.Index;
using FaceVector.Services.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Processing;

namespace FaceVector.Services.Web;

/// <summary>
/// Upright JPEG thumbnails of indexed images and their upright sizes, kept in a memory cache bounded in bytes and
/// keyed by image hash, so that copies of one photo share an entry and a changed file gets a new one.
/// </summary>
public sealed class Thumbnailer(IOptions<WebOptions> options, IOptions<ModelsOptions> models) : IDisposable
{
    public const int MinSize = 32;
    public const int MaxSize = 1024;
    private const int SizeEntryBytes = 64;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.ThumbnailCacheBytes });

    /// <summary>
    /// The indexed image of <paramref name="face"/> scaled to fit a <paramref name="size"/>-pixel square, EXIF
    /// orientation applied, without any metadata (EXIF with GPS, ICC, IPTC, XMP stay in the original).
    /// </summary>
    public async Task<byte[]> JpegAsync(FacePayload face, int size, CancellationToken ct)
    {
        int side = Math.Clamp(size, MinSize, MaxSize);
        string key = $"thumb:{face.ImageHash}:{side}";
        if (_cache.TryGetValue(key, out byte[]? cached))
        {
            return cached!;
        }

        byte[] bytes = await RenderAsync(face, side, crop: null, ct);
        _cache.Set(key, bytes, new MemoryCacheEntryOptions { Size = bytes.Length });
        return bytes;
    }

    /// <summary>
    /// The face of <paramref name="face"/> cut out of its indexed image (its box widened by a quarter on each side,
    /// squared, within the image), scaled to fit a <paramref name="size"/>-pixel square: a person's cover. The same
    /// safe read, limits and metadata stripping as <see cref="JpegAsync"/>.
    /// </summary>
    public async Task<byte[]> FaceJpegAsync(FacePayload face, int size, CancellationToken ct)
    {
        int side = Math.Clamp(size, MinSize, MaxSize);
        FaceBox b = face.Box;
        string key = FormattableString.Invariant($"face:{face.ImageHash}:{b.X1}:{b.Y1}:{b.X2}:{b.Y2}:{side}");
        if (_cache.TryGetValue(key, out byte[]? cached))
        {
            return cached!;
        }

        byte[] bytes = await RenderAsync(face, side, b, ct);
        _cache.Set(key, bytes, new MemoryCacheEntryOptions { Size = bytes.Length });
        return bytes;
    }

    /// <summary>The verified file decoded upright (boxes are in upright pixels), optionally cropped, scaled, stripped, as JPEG.</summary>
    private async Task<byte[]> RenderAsync(FacePayload face, int side, FaceBox? crop, CancellationToken ct)
    {
        VerifiedImage file = IndexedImages.Read(face);
        // The pixel limit and the process decode budget hold for thumbnails as for analysis.
        IImageInfo info = Identify(file);
        long pixels = (long)info.Width * info.Height;
        long maxPixels = models.Value.MaxPixels;
        if (pixels > maxPixels)
        {
            throw new WebApiException(StatusCodes.Status413PayloadTooLarge, $"the image is {info.Width}x{info.Height}, over the limit of {maxPixels:N0} pixels");
        }

        using (DecodeBudget.Process.Acquire(pixels, "thumbnail", ct))
        {
            using Image image = Image.Load(file.Bytes);
            image.Mutate(x => x.AutoOrient());
            if (crop is FaceBox box && FaceSquare(box, image.Width, image.Height) is Rectangle area)
            {
                image.Mutate(x => x.Crop(area));
            }

            image.Mutate(x => x.Resize(new ResizeOptions { Mode = ResizeMode.Max, Size = new Size(side, side) }));
            StripMetadata(image);
            using var jpeg = new MemoryStream();
            await image.SaveAsJpegAsync(jpeg, new JpegEncoder { Quality = 80 }, ct);
            return jpeg.ToArray();
        }
    }

    /// <summary>A square around the face box with a quarter of margin, clipped to the image; null when nothing of it is inside.</summary>
    internal static Rectangle? FaceSquare(FaceBox box, int width, int height)
    {
        float cx = (box.X1 + box.X2) / 2, cy = (box.Y1 + box.Y2) / 2;
        float half = Math.Max(box.X2 - box.X1, box.Y2 - box.Y1) * 0.75f;
        int x1 = Math.Clamp((int)MathF.Floor(cx - half), 0, width), y1 = Math.Clamp((int)MathF.Floor(cy - half), 0, height);
        int x2 = Math.Clamp((int)MathF.Ceiling(cx + half), 0, width), y2 = Math.Clamp((int)MathF.Ceiling(cy + half), 0, height);
        return x2 - x1 >= 1 && y2 - y1 >= 1 && float.IsFinite(half) ? new Rectangle(x1, y1, x2 - x1, y2 - y1) : null;
    }

    /// <summary>Width and height as the image is shown (EXIF orientation applied), from the verified file's header.</summary>
    public Size UprightSize(string path, string imageHash)
    {
        string key = $"size:{imageHash}";
        if (_cache.TryGetValue(key, out Size cached))
        {
            return cached;
        }

        IImageInfo info = Identify(IndexedImages.Read(path, imageHash));
        var size = new Size(info.Width, info.Height);
        // Orientations 5-8 turn the picture by 90 degrees.
        if (info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value is >= 5 and <= 8)
        {
            size = new Size(info.Height, info.Width);
        }

        _cache.Set(key, size, new MemoryCacheEntryOptions { Size = SizeEntryBytes });
        return size;
    }

    /// <summary>Drops every metadata block, so a thumbnail carries pixels only (no GPS position, camera, author).</summary>
    internal static void StripMetadata(Image image)
    {
        image.Metadata.ExifProfile = null;
        image.Metadata.IccProfile = null;
        image.Metadata.IptcProfile = null;
        image.Metadata.XmpProfile = null;
        foreach (ImageFrame frame in image.Frames)
        {
            frame.Metadata.ExifProfile = null;
            frame.Metadata.IccProfile = null;
            frame.Metadata.IptcProfile = null;
            frame.Metadata.XmpProfile = null;
        }
    }

    private static IImageInfo Identify(VerifiedImage file) =>
        Image.Identify(file.Bytes) ?? throw new WebApiException(StatusCodes.Status404NotFound, "the indexed file is not an image");

    public void Dispose() => _cache.Dispose();
}
