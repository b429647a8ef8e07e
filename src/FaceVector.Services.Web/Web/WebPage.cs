using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FaceVector.Services.Web;

/// <summary>
/// The search page: three files embedded in this assembly (Web/wwwroot), so any host that maps the web API serves
/// the page too, with nothing to deploy beside the binary.
/// </summary>
internal static class WebPage
{
    private const string ResourcePrefix = "FaceVector.Web/";

    // The page loads only its own script and style; photos are blob: URLs or this server's API.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'";

    private static readonly (string Route, string File, string ContentType)[] Assets =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "app.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach ((string route, string file, string contentType) in Assets)
        {
            byte[] bytes = Load(file);
            app.MapGet(route, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "no-cache";
                http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                http.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(bytes, contentType);
            });
        }
    }

    private static byte[] Load(string file)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"web page file {file} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
