using FaceVector.Services.Security;
using Microsoft.AspNetCore.Http;

namespace FaceVector.Services.Web;

/// <summary>
/// The gRPC services' key rule for the web API. Besides <c>x-api-key</c> and <c>authorization: Bearer</c>, the key
/// may come as the <c>key</c> query parameter or the cookie set by <c>POST /api/session</c>, because
/// <c>&lt;img src&gt;</c> requests cannot carry headers.
/// </summary>
/// <summary>Endpoint metadata: only the admin key may call it.</summary>
internal sealed class AdminOnly;

internal sealed class ApiKeyFilter(ApiKeyCheck check) : IEndpointFilter
{
    public const string CookieName = "facevector-key";
    public const string QueryName = "key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!check.Required)
        {
            return next(context);
        }

        string? presented = PresentedKey(context.HttpContext.Request);
        return check.RoleOf(presented) switch
        {
            null => ValueTask.FromResult<object?>(ApiErrorFilter.Problem(StatusCodes.Status401Unauthorized, "UNAUTHENTICATED", ApiKeyCheck.Refusal(presented), null)),
            ApiRole.Search when context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<AdminOnly>() is not null =>
                ValueTask.FromResult<object?>(ApiErrorFilter.Problem(StatusCodes.Status403Forbidden, "PERMISSION_DENIED", ApiKeyCheck.AdminRefusal, null)),
            _ => next(context),
        };
    }

    public static string? PresentedKey(HttpRequest request)
    {
        string? header = request.Headers[ApiKeyCheck.HeaderName];
        return !string.IsNullOrEmpty(header) ? header
            : ApiKeyCheck.FromBearer(request.Headers.Authorization) is { Length: > 0 } bearer ? bearer
            : request.Query[QueryName] is { Count: > 0 } query && !string.IsNullOrEmpty(query[0]) ? query[0]
            : request.Cookies[CookieName];
    }
}
