using System.Security.Cryptography;
using System.Text;
using FaceVector.Services.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Interceptors;

/// <summary>
/// When an API key is configured, refuses every call but health checks (which orchestrators make without secrets)
/// that does not carry it as <c>x-api-key</c> or <c>authorization: Bearer KEY</c>.
/// </summary>
public sealed class ApiKeyInterceptor : ServerCallInterceptor
{
    public const string HeaderName = "x-api-key";
    private const string HealthServicePrefix = "/grpc.health.v1.Health/";

    // Hashes have one length, so the comparison takes the same time whatever the presented key's length.
    private readonly byte[]? _expectedHash;

    public ApiKeyInterceptor(IOptions<ServerOptions> options)
    {
        string? key = options.Value.ApiKey;
        _expectedHash = string.IsNullOrEmpty(key) ? null : Hash(key);
    }

    protected override Task<T> HandleAsync<T>(ServerCallContext context, Func<Task<T>> next)
    {
        if (_expectedHash is null || context.Method.StartsWith(HealthServicePrefix, StringComparison.Ordinal))
        {
            return next();
        }

        string? presented = PresentedKey(context.RequestHeaders);
        if (presented is null || !CryptographicOperations.FixedTimeEquals(Hash(presented), _expectedHash))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                presented is null ? $"API key required: send it in metadata '{HeaderName}' or 'authorization: Bearer'" : "wrong API key"));
        }

        return next();
    }

    private static string? PresentedKey(Metadata headers)
    {
        if (headers.GetValue(HeaderName) is { Length: > 0 } key)
        {
            return key;
        }

        const string bearer = "Bearer ";
        string? authorization = headers.GetValue("authorization");
        return authorization is not null && authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
            ? authorization[bearer.Length..].Trim()
            : null;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
