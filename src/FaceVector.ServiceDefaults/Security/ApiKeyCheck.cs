using System.Security.Cryptography;
using System.Text;
using FaceVector.Services.Configuration;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Security;

/// <summary>What a presented key may do.</summary>
public enum ApiRole
{
    /// <summary>Search, detect, embed, stats, images: reads only.</summary>
    Search = 1,

    /// <summary>Everything, including deleting faces.</summary>
    Admin = 2,
}

/// <summary>
/// The server's key rule, shared by the gRPC interceptor and the web API: off when no key is configured; otherwise
/// every call needs a key, the search key allows reads and the admin key allows everything (deleting faces too).
/// Keys are compared in constant time.
/// </summary>
public sealed class ApiKeyCheck
{
    public const string HeaderName = "x-api-key";

    /// <summary>gRPC methods that change the index or its people: admin key only.</summary>
    public static readonly IReadOnlySet<string> AdminMethods = new HashSet<string>(StringComparer.Ordinal)
    {
        "/facevector.v1.FaceSearch/DeleteImages",
        // People corrections change what the index says about who is who.
        "/facevector.v1.People/NamePerson",
        "/facevector.v1.People/MergePeople",
        "/facevector.v1.People/SplitPerson",
        "/facevector.v1.People/RejectFaces",
        "/facevector.v1.People/HidePerson",
        "/facevector.v1.People/ClusterPeople",
        "/facevector.v1.FaceMigration/Migrate",
    };

    // Hashes have one length, so the comparison takes the same time whatever the presented key's length.
    private readonly byte[]? _searchHash;
    private readonly byte[]? _adminHash;

    public ApiKeyCheck(IOptions<ServerOptions> options)
    {
        string? search = options.Value.ApiKey, admin = options.Value.AdminKey;
        _searchHash = string.IsNullOrEmpty(search) ? null : Hash(search);
        _adminHash = string.IsNullOrEmpty(admin) ? null : Hash(admin);
    }

    /// <summary>True when any key is configured: then every call must carry one.</summary>
    public bool Required => _searchHash is not null || _adminHash is not null;

    /// <summary>The role of a presented key; every role when no key is configured; null for a wrong or missing key.</summary>
    public ApiRole? RoleOf(string? presented)
    {
        if (!Required)
        {
            return ApiRole.Admin;
        }

        if (presented is null)
        {
            return null;
        }

        byte[] hash = Hash(presented);
        // Both comparisons always run: the time does not tell which key (if any) matched.
        bool admin = _adminHash is not null && CryptographicOperations.FixedTimeEquals(hash, _adminHash);
        bool search = _searchHash is not null && CryptographicOperations.FixedTimeEquals(hash, _searchHash);
        return admin ? ApiRole.Admin : search ? ApiRole.Search : null;
    }

    public bool Accepts(string? presented) => RoleOf(presented) is not null;

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

    /// <summary>Why a search key was refused an admin operation.</summary>
    public const string AdminRefusal = "this operation needs the admin key (FACEVECTOR_ADMIN_KEY); the search key may only read";

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
