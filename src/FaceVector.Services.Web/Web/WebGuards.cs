using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Web;

/// <summary>
/// What every HTTP (non-gRPC) answer of the web port gets: a <c>Host</c> allow-list against DNS rebinding (a page
/// on evil.example whose name was re-pointed to 127.0.0.1 sends <c>Host: evil.example</c> and is refused with 421),
/// and security headers (no sniffing, no framing, no referrer, a CSP that allows nothing on API answers, no-store
/// unless an endpoint chose its own caching).
/// </summary>
public static partial class WebGuards
{
    /// <summary>Names a browser on this machine uses to reach a loopback server; always allowed.</summary>
    public static readonly IReadOnlyList<string> LoopbackHosts = ["localhost", "127.0.0.1", "::1"];

    // API answers are data, never documents: nothing may run, load or frame them.
    private const string ApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; sandbox";

    public static IApplicationBuilder UseFaceVectorWebGuards(this IApplicationBuilder app)
    {
        IOptions<WebOptions> options = app.ApplicationServices.GetRequiredService<IOptions<WebOptions>>();
        var allowed = new HashSet<string>(LoopbackHosts.Concat(options.Value.AllowedHosts), StringComparer.OrdinalIgnoreCase);
        ILogger logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebGuards).FullName!);
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

            await AnswerErrorsAsJsonAsync(http, next, logger);
        });
    }

    /// <summary>
    /// Every error answer has a JSON body: what escaped the endpoints (Kestrel's refusals of a body, a bug) and
    /// bodiless error statuses (unknown route, wrong method, the start-up gate) become problem+json.
    /// </summary>
    private static async Task AnswerErrorsAsJsonAsync(HttpContext http, RequestDelegate next, ILogger logger)
    {
        try
        {
            await next(http);
        }
        catch (Exception ex) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            (int status, string reason, string message) = ex switch
            {
                BadHttpRequestException bad => (bad.StatusCode, "INVALID_REQUEST", $"the request could not be read: {bad.Message}"),
                _ => (StatusCodes.Status500InternalServerError, "INTERNAL", "internal error (see the server log)"),
            };
            if (status >= StatusCodes.Status500InternalServerError)
            {
                LogUnexpected(logger, ex, http.Request.Path);
            }

            http.Response.Clear();
            await ApiErrorFilter.Problem(status, reason, message, null).ExecuteAsync(http);
            return;
        }

        HttpResponse response = http.Response;
        if (!response.HasStarted && response.StatusCode >= StatusCodes.Status400BadRequest && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
        {
            string phrase = ReasonPhrases.GetReasonPhrase(response.StatusCode);
            await ApiErrorFilter.Problem(response.StatusCode, phrase.Length == 0 ? "ERROR" : phrase.Replace(' ', '_').ToUpperInvariant(),
                phrase.Length == 0 ? "request refused" : phrase.ToLowerInvariant(), null).ExecuteAsync(http);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception answering {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string path);

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
