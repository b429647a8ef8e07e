using FaceVector.Services.Security;
using Grpc.Core;

namespace FaceVector.Services.Interceptors;

/// <summary>
/// When a key is configured, refuses every call but health checks (which orchestrators make without secrets) that
/// does not carry a key as <c>x-api-key</c> or <c>authorization: Bearer KEY</c> (UNAUTHENTICATED), and admin methods
/// (deleting faces) called with the search key (PERMISSION_DENIED).
/// </summary>
public sealed class ApiKeyInterceptor(ApiKeyCheck check) : ServerCallInterceptor
{
    public const string HeaderName = ApiKeyCheck.HeaderName;
    private const string HealthServicePrefix = "/grpc.health.v1.Health/";

    protected override Task<T> HandleAsync<T>(ServerCallContext context, Func<Task<T>> next)
    {
        if (!check.Required || context.Method.StartsWith(HealthServicePrefix, StringComparison.Ordinal))
        {
            return next();
        }

        string? presented = context.RequestHeaders.GetValue(HeaderName) is { Length: > 0 } key
            ? key
            : ApiKeyCheck.FromBearer(context.RequestHeaders.GetValue("authorization"));
        return check.RoleOf(presented) switch
        {
            null => throw new RpcException(new Status(StatusCode.Unauthenticated, ApiKeyCheck.Refusal(presented))),
            ApiRole.Search when ApiKeyCheck.AdminMethods.Contains(context.Method) =>
                throw new RpcException(new Status(StatusCode.PermissionDenied, ApiKeyCheck.AdminRefusal)),
            _ => next(),
        };
    }
}
