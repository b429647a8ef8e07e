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

    /// <summary>The image scaled to fit a <paramref name="size"/>-pixel square, EXIF orientation applied.</summary>
    public async Task<byte[]> JpegAsync(string path, string imageHash, int size, CancellationToken ct)
    {
        int side = Math.Clamp(size, MinSize, MaxSize);
        string key = $"thumb:{imageHash}:{side}";
        if (_cache.TryGetValue(key, out byte[]? cached))
        {
            return cached!;
        }

        // The file may have changed since it was indexed: check its size again (the --max-pixels limit) before decoding it.
        Size upright = UprightSize(path, imageHash);
        long maxPixels = models.Value.MaxPixels;
        if ((long)upright.Width * upright.Height > maxPixels)
        {
            throw new WebApiException(StatusCodes.Status413PayloadTooLarge, $"the image is {upright.Width}x{upright.Height}, over the limit of {maxPixels:N0} pixels");
        }

        using Image image = await Image.LoadAsync(path, ct);
        image.Mutate(x => x.AutoOrient().Resize(new ResizeOptions { Mode = ResizeMode.Max, Size = new Size(side, side) }));
        using var jpeg = new MemoryStream();
        await image.SaveAsJpegAsync(jpeg, new JpegEncoder { Quality = 80 }, ct);
        byte[] bytes = jpeg.ToArray();
        _cache.Set(key, bytes, new MemoryCacheEntryOptions { Size = bytes.Length });
        return bytes;
    }

    /// <summary>Width and height as the image is shown (EXIF orientation applied), read from the header only.</summary>
    public Size UprightSize(string path, string imageHash)
    {
        string key = $"size:{imageHash}";
        if (_cache.TryGetValue(key, out Size cached))
        {
            return cached;
        }

        IImageInfo info = Image.Identify(path) ?? throw new InvalidDataException($"{path}: not an image");
        var size = new Size(info.Width, info.Height);
        // Orientations 5-8 turn the picture by 90 degrees.
        if (info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value is >= 5 and <= 8)
        {
            size = new Size(info.Height, info.Width);
        }

        _cache.Set(key, size, new MemoryCacheEntryOptions { Size = SizeEntryBytes });
        return size;
    }

    public void Dispose() => _cache.Dispose();
}
