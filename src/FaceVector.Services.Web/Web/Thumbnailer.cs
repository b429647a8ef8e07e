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

        VerifiedImage file = IndexedImages.Read(face);
        // The pixel limit and the process decode budget hold for thumbnails as for analysis.
        IImageInfo info = Identify(file);
        long pixels = (long)info.Width * info.Height;
        long maxPixels = models.Value.MaxPixels;
        if (pixels > maxPixels)
        {
            throw new WebApiException(StatusCodes.Status413PayloadTooLarge, $"the image is {info.Width}x{info.Height}, over the limit of {maxPixels:N0} pixels");
        }

        byte[] bytes;
        using (DecodeBudget.Process.Acquire(pixels, "thumbnail", ct))
        {
            using Image image = Image.Load(file.Bytes);
            image.Mutate(x => x.AutoOrient().Resize(new ResizeOptions { Mode = ResizeMode.Max, Size = new Size(side, side) }));
            StripMetadata(image);
            using var jpeg = new MemoryStream();
            await image.SaveAsJpegAsync(jpeg, new JpegEncoder { Quality = 80 }, ct);
            bytes = jpeg.ToArray();
        }

        _cache.Set(key, bytes, new MemoryCacheEntryOptions { Size = bytes.Length });
        return bytes;
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
