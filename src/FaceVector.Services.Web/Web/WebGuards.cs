using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Web;

/// <summary>
/// What every HTTP (non-gRPC) answer of the web port gets: a <c>Host</c> allow-list against DNS rebinding (a page
/// on evil.example whose name was re-pointed to 127.0.0.1 sends <c>Host: evil.example</c> and is refused with 421),
/// and security headers (no sniffing, no framing, no referrer, a CSP that allows nothing on API answers, no-store
/// unless an endpoint chose its own caching).
/// </summary>
public static class WebGuards
{
    /// <summary>Names a browser on this machine uses to reach a loopback server; always allowed.</summary>
    public static readonly IReadOnlyList<string> LoopbackHosts = ["localhost", "127.0.0.1", "::1"];

    // API answers are data, never documents: nothing may run, load or frame them.
    private const string ApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; sandbox";

    public static IApplicationBuilder UseFaceVectorWebGuards(this IApplicationBuilder app)
    {
        IOptions<WebOptions> options = app.ApplicationServices.GetRequiredService<IOptions<WebOptions>>();
        var allowed = new HashSet<string>(LoopbackHosts.Concat(options.Value.AllowedHosts), StringComparer.OrdinalIgnoreCase);
        return app.Use(async (http, next) =>
        {
            if (IsGrpc(http.Request))
            {
                await next(http);
                return;
            }

            AddSecurityHeaders(http.Response);
            if (!IsAllowedHost(http.Request.Host, allowed))
            {
                // No echo of the header: it is the attacker's text.
                await ApiErrorFilter.Problem(StatusCodes.Status421MisdirectedRequest, "MISDIRECTED_REQUEST",
                    "this server answers only to its own host names (loopback, or FaceVector:Web:AllowedHosts)", "Host").ExecuteAsync(http);
                return;
            }

            await next(http);
        });
    }

    public static bool IsAllowedHost(HostString host, IReadOnlySet<string> allowed)
    {
        if (!host.HasValue)
        {
            return false;
        }

        string name = host.Host.Trim('[', ']').TrimEnd('.');
        return allowed.Contains(name) || allowed.Contains("*");
    }

    private static void AddSecurityHeaders(HttpResponse response) => response.OnStarting(() =>
    {
        IHeaderDictionary headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
        {
            headers.ContentSecurityPolicy = ApiContentSecurityPolicy;
        }

        if (string.IsNullOrEmpty(headers.CacheControl))
        {
            headers.CacheControl = "no-store";
        }

        return Task.CompletedTask;
    });

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
}
