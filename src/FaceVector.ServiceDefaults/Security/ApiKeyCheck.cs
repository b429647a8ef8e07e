using System.Security.Cryptography;
using System.Text;
using FaceVector.Services.Configuration;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Security;

/// <summary>
/// The server's API key rule, shared by the gRPC interceptor and the web API: off when no key is configured,
/// otherwise the presented key must equal it.
/// </summary>
public sealed class ApiKeyCheck
{
    public const string HeaderName = "x-api-key";

    // Hashes have one length, so the comparison takes the same time whatever the presented key's length.
    private readonly byte[]? _expectedHash;

    public ApiKeyCheck(IOptions<ServerOptions> options)
    {
        string? key = options.Value.ApiKey;
        _expectedHash = string.IsNullOrEmpty(key) ? null : Hash(key);
    }

    public bool Required => _expectedHash is not null;

    public bool Accepts(string? presented) =>
        _expectedHash is null || (presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), _expectedHash));

    /// <summary>The key of an <c>authorization: Bearer KEY</c> header value, else null.</summary>
    public static string? FromBearer(string? authorization)
    {
        const string bearer = "Bearer ";
        return authorization is not null && authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
            ? authorization[bearer.Length..].Trim()
            : null;
    }

    /// <summary>Why a call was refused, for the error message.</summary>
    public static string Refusal(string? presented) =>
        presented is null ? $"API key required: send it in '{HeaderName}' or 'authorization: Bearer'" : "wrong API key";

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
