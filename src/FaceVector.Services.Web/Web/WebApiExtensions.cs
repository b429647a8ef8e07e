using System.Globalization;
using FaceVector.Application.Errors;
using FaceVector.Application.Search;
using FaceVector.Application.Stats;
using FaceVector.Core.Pipeline;
using FaceVector.Index;
using FaceVector.Services.Configuration;
using FaceVector.Services.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;

namespace FaceVector.Services.Web;

/// <summary>
/// The search page and its HTTP/JSON API (docs/web.md). The endpoints call the same <see cref="FaceSearcher"/> as
/// gRPC FaceSearch, so a search from the page is the same search; they need a host that runs the search role.
/// </summary>
public static class WebApiExtensions
{
    public static IServiceCollection AddFaceVectorWeb(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<WebOptions>(config.GetSection(WebOptions.Section));
        services.AddSingleton<IndexedImages>();
        services.AddSingleton<Thumbnailer>();
        services.AddSingleton<IngestReportReader>();
        return services;
    }

    public static IEndpointRouteBuilder MapFaceVectorWeb(this IEndpointRouteBuilder app)
    {
        WebPage.Map(app);
        RouteGroupBuilder api = app.MapGroup("/api")
            .AddEndpointFilter<ApiErrorFilter>()
            .AddEndpointFilter<ApiKeyFilter>();
        api.MapPost("/session", StartSession);
        api.MapPost("/detect", DetectAsync);
        api.MapPost("/search", SearchAsync);
        api.MapGet("/stats", StatsAsync);
        api.MapGet("/ingest-report", (IngestReportReader reader) => Results.Ok(reader.Read()));
        api.MapGet("/thumbnail", ThumbnailAsync);
        api.MapGet("/image", ImageAsync);
        api.MapDelete("/images", DeleteImagesAsync).WithMetadata(new AdminOnly());
        api.MapPeopleApi();
        return app;
    }

    /// <summary>Sets the key (already checked by <see cref="ApiKeyFilter"/>) as a cookie, for the page's image URLs.</summary>
    private static IResult StartSession(HttpContext http, ApiKeyCheck check)
    {
        if (check.Required && ApiKeyFilter.PresentedKey(http.Request) is { } key)
        {
            // HttpOnly: scripts never see it; Strict: other sites cannot make the browser send it.
            http.Response.Cookies.Append(ApiKeyFilter.CookieName, key,
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/api", IsEssential = true });
        }

        return Results.NoContent();
    }

    private static async Task<IResult> DetectAsync(HttpContext http, FaceSearcher searcher, IOptions<ServerOptions> server)
    {
        PhotoUpload photo = await PhotoUpload.ReadAsync(http.Request, server.Value.MaxReceiveMessageBytes, http.RequestAborted);
        ImageFaces faces = await searcher.DetectAsync(new ImageProbe(photo.Bytes, photo.Name), FormFields, http.RequestAborted);
        // The face a search uses by default: the same rule (largest of at least the minimum size) as the search itself.
        Face largest = searcher.DefaultFace(faces) ?? throw FaceVectorException.NoFace(photo.Name, searcher.Settings.MinProbeFaceSize);
        return Results.Ok(new DetectResponse(photo.Name, faces.Width, faces.Height, largest.Index,
            [.. faces.Faces.Select(f => new FaceJson(f.Index, f.Box.ToArray(), f.Score))]));
    }

    private static async Task<IResult> SearchAsync(HttpContext http, FaceSearcher searcher, Thumbnailer thumbnails, IOptions<ServerOptions> server)
    {
        PhotoUpload photo = await PhotoUpload.ReadAsync(http.Request, server.Value.MaxReceiveMessageBytes, http.RequestAborted);
        var parameters = new SearchParameters(photo.Int("top"), photo.Float("threshold"), FaceIndex: photo.Int("face"));
        if (parameters.TopK is 0)
        {
            throw FaceVectorException.InvalidArgument("top", "must be at least 1, not 0");
        }

        SearchResult result = await searcher.SearchAsync(new ImageProbe(photo.Bytes, photo.Name), parameters, FormFields, http.RequestAborted);
        ProbeMatches probe = result.Faces.Single();
        return Results.Ok(new SearchResponse(photo.Name, new FaceJson(probe.Face.Index, Box(probe.Face.Box), probe.Face.Score),
            result.Threshold, result.ModelId, [.. probe.Matches.Select(m => Match(m, thumbnails))]));
    }

    /// <summary>The form fields' names, for errors that name the field the page sent.</summary>
    private static readonly SearchFieldNames FormFields = new(TopK: "top", Threshold: "threshold", FaceIndex: "face", Image: "image");

    private static float[] Box(FaceBox b) => [b.X1, b.Y1, b.X2, b.Y2];

    private static MatchJson Match(Index.FaceMatch m, Thumbnailer thumbnails)
    {
        Size size;
        try
        {
            size = thumbnails.UprightSize(m.Payload.ImagePath, m.Payload.ImageHash);
        }
        catch (Exception ex) when (ex is WebApiException or InvalidDataException or ImageFormatException)
        {
            size = default; // the page then shows the thumbnail without a box
        }

        string pointId = m.Id.ToString();
        string id = Uri.EscapeDataString(pointId);
        return new MatchJson(pointId, m.Payload.ImagePath, m.Score, Box(m.Payload.Box), m.Payload.FaceIndex, size.Width, size.Height,
            $"/api/thumbnail?id={id}", $"/api/image?id={id}");
    }

    private static async Task<IResult> StatsAsync(HttpContext http, FaceSearcher searcher)
    {
        EmbedderModel model = await searcher.GetModelAsync(http.RequestAborted);
        IndexStats stats = await IndexStatistics.ReadAsync(searcher.Index, http.RequestAborted);
        return Results.Ok(new StatsResponse(stats.Faces, stats.Images, stats.Collection, stats.ModelId ?? string.Empty, ModelJson.From(model)));
    }

    private static async Task<IResult> ThumbnailAsync(HttpContext http, string? id, string? size, IndexedImages images, Thumbnailer thumbnails, IOptions<WebOptions> options)
    {
        FacePayload face = await images.ByIdAsync(id, http.RequestAborted);
        int side = size is null ? options.Value.ThumbnailSize
            : int.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s is >= Thumbnailer.MinSize and <= Thumbnailer.MaxSize ? s
            : throw new WebApiException(StatusCodes.Status400BadRequest, $"'size' must be a whole number of pixels from {Thumbnailer.MinSize} to {Thumbnailer.MaxSize}, not '{size}'");
        string etag = $"\"{face.ImageHash}-{side}\"";
        SetCaching(http, options.Value);
        http.Response.Headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch == etag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        byte[] jpeg = await thumbnails.JpegAsync(face, side, http.RequestAborted);
        return Results.File(jpeg, "image/jpeg");
    }

    private static async Task<IResult> ImageAsync(HttpContext http, string? id, string? path, IndexedImages images, IOptions<WebOptions> options)
    {
        FacePayload face = id is not null ? await images.ByIdAsync(id, http.RequestAborted)
            : path is not null ? await images.ByPathAsync(path, http.RequestAborted)
            : throw new WebApiException(StatusCodes.Status400BadRequest, "give 'id' (the point id of an indexed face) or 'path' (an indexed image)");
        // Read whole and checked against the indexed hash before the first byte goes out.
        VerifiedImage file = IndexedImages.Read(face);
        // The type from the content, not the name: an indexed "x.png" may hold a JPEG.
        string contentType = Image.DetectFormat(file.Bytes)?.DefaultMimeType ?? "application/octet-stream";
        SetCaching(http, options.Value);
        return Results.File(file.Bytes, contentType);
    }

    /// <summary>
    /// <c>DELETE /api/images?path=FILE | folder=DIR | tag=key=value</c> (admin key): the faces of one photo, a folder
    /// or a tag, erased like gRPC DeleteImages and the CLI's <c>delete</c>.
    /// </summary>
    private static async Task<IResult> DeleteImagesAsync(HttpContext http, string? path, string? folder, string? tag, Search.FaceDeletion deletion)
    {
        if ((path is null ? 0 : 1) + (folder is null ? 0 : 1) + (tag is null ? 0 : 1) != 1)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, "give exactly one of 'path', 'folder' or 'tag' (key=value)");
        }

        int eq = tag?.IndexOf('=', StringComparison.Ordinal) ?? -1;
        if (tag is not null && eq <= 0)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, "'tag' must be key=value");
        }

        FaceFilter filter;
        try
        {
            filter = new FaceFilter
            {
                ImagePath = path is null ? null : Path.GetFullPath(path),
                ImagePathPrefix = folder is null ? null : Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar,
                Tags = tag is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [tag[..eq]] = tag[(eq + 1)..] },
            };
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, "'path' or 'folder' is not a usable path");
        }

        Ingestion.Erasure.ErasedFaces erased = await deletion.DeleteAsync(filter, path is not null ? "path" : folder is not null ? "folder" : "tag", http.RequestAborted);
        return Results.Ok(new DeleteResponse(erased.Faces, erased.Images.Count, erased.ForgottenPaths.Count));
    }

    // Private: the answers may need the API key, so shared caches must not keep them.
    private static void SetCaching(HttpContext http, WebOptions options) =>
        http.Response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"private, max-age={options.ImageMaxAgeSeconds}");
}
