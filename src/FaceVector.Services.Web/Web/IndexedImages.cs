using System.Security.Cryptography;
using FaceVector.Core.Files;
using FaceVector.Core.Imaging;
using FaceVector.Index;
using Microsoft.AspNetCore.Http;

namespace FaceVector.Services.Web;

/// <summary>The bytes of an indexed image, read from its file and found identical to what was indexed.</summary>
public sealed record VerifiedImage(string Path, string Sha256, byte[] Bytes);

/// <summary>
/// Finds the files behind the web API's image URLs and reads them safely. Only images that are in the index can be
/// reached: by point id, or by a path that, once made absolute and normalised, is exactly the path of an indexed
/// image. The file must still be a regular file (not a link put in its place, not a FIFO or device: those are
/// refused without opening or blocking) and its bytes must hash to the sha256 stored at indexing time before any of
/// them is sent. Anything else is 404 with a JSON body, so the API never serves a file the index does not vouch for.
/// </summary>
public sealed class IndexedImages(IFaceIndex index)
{
    /// <summary>Largest indexed file the API reads (the ingest limit).</summary>
    public static readonly long MaxFileBytes = new ImageLoaderOptions().MaxFileBytes;

    public async Task<FacePayload> ByIdAsync(string? id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out Guid guid))
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, "'id' must be the point id (a UUID) of an indexed face");
        }

        FacePoint point = (await index.GetAsync([guid], cancellationToken: ct)).FirstOrDefault()
            ?? throw new WebApiException(StatusCodes.Status404NotFound, $"no face with id {guid} in the index");
        return point.Payload;
    }

    public async Task<FacePayload> ByPathAsync(string path, CancellationToken ct)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, "'path' is not a usable path");
        }

        FacePage page = await index.ListAsync(1, filter: new FaceFilter { ImagePath = full }, cancellationToken: ct);
        return page.Points.Count > 0 ? page.Points[0].Payload : throw NotIndexed();
    }

    /// <summary>
    /// Reads the image file of <paramref name="face"/> if it is still the regular file that was indexed: no link in
    /// its place, no special file, the same content hash. Otherwise 404.
    /// </summary>
    public static VerifiedImage Read(FacePayload face) => Read(face.ImagePath, face.ImageHash);

    /// <summary>Reads <paramref name="path"/> if it is a regular file (not a link) whose sha256 is <paramref name="sha256Hex"/>; otherwise 404.</summary>
    public static VerifiedImage Read(string path, string sha256Hex)
    {
        byte[] bytes;
        try
        {
            bytes = RegularFile.ReadAllBytes(path, MaxFileBytes, followLinks: false);
        }
        catch (FileNotFoundException)
        {
            throw new WebApiException(StatusCodes.Status404NotFound, "the indexed file is no longer on disk");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // NotARegularFileException says which (link, FIFO, device, directory, too large); the path is the client's own.
            throw new WebApiException(StatusCodes.Status404NotFound,
                ex is NotARegularFileException n ? $"the indexed file cannot be served: {n.Reason}" : "the indexed file cannot be read");
        }

        string sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return string.Equals(sha256, sha256Hex, StringComparison.OrdinalIgnoreCase)
            ? new VerifiedImage(path, sha256, bytes)
            : throw new WebApiException(StatusCodes.Status404NotFound, "the indexed file has changed since it was indexed (content hash differs): index it again");
    }

    private static WebApiException NotIndexed() => new(StatusCodes.Status404NotFound, "not an indexed image");
}
