using FaceVector.Index;
using Microsoft.AspNetCore.Http;

namespace FaceVector.Services.Web;

/// <summary>
/// Finds the files behind the web API's image URLs. Only images that are in the index can be reached: by point id,
/// or by a path that, once made absolute and normalised, is exactly the path of an indexed image. Anything else
/// (other files, <c>..</c> tricks, unknown ids) is 404, so the API never reads a file the index does not name.
/// </summary>
public sealed class IndexedImages(IFaceIndex index)
{
    public async Task<FacePayload> ByIdAsync(string? id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out Guid guid))
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, $"'id' must be the point id (a UUID) of an indexed face, not '{id}'");
        }

        FacePoint point = (await index.GetAsync([guid], cancellationToken: ct)).FirstOrDefault()
            ?? throw new WebApiException(StatusCodes.Status404NotFound, $"no face with id {guid} in the index");
        return point.Payload;
    }

    public async Task<string> ByPathAsync(string path, CancellationToken ct)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, $"'path' is not a usable path: {ex.Message}");
        }

        long faces = await index.CountAsync(new FaceFilter { ImagePath = full }, ct);
        return faces > 0 ? full : throw NotIndexed();
    }

    /// <summary>The file of an indexed image, which must still be on disk.</summary>
    public static string ExistingFile(string path) =>
        File.Exists(path) ? path : throw new WebApiException(StatusCodes.Status404NotFound, "the indexed file is no longer on disk");

    private static WebApiException NotIndexed() => new(StatusCodes.Status404NotFound, "not an indexed image");
}
