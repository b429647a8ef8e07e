using FaceVector.Services.Configuration;
using Microsoft.Extensions.Configuration;

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
/// Where the server's keys come from, in order: the setting (<c>FaceVector:Server:ApiKey</c> / <c>AdminKey</c>), the
/// environment variable (<c>FACEVECTOR_API_KEY</c> / <c>FACEVECTOR_ADMIN_KEY</c>), or a file named by
/// <c>FaceVector:Server:ApiKeyFile</c> / <c>FACEVECTOR_API_KEY_FILE</c> (and the admin equivalents), such as a
/// docker secret under <c>/run/secrets</c>. A key file that is named but cannot be read stops the server: running
/// without the key the operator meant to set would be open.
/// </summary>
public static class ApiKeys
{
    public const string SearchKeyVariable = "FACEVECTOR_API_KEY";
    public const string AdminKeyVariable = "FACEVECTOR_ADMIN_KEY";

    public static void Resolve(ServerOptions options, IConfiguration config)
    {
        options.ApiKey = Pick(options.ApiKey, config[SearchKeyVariable], options.ApiKeyFile ?? config[SearchKeyVariable + "_FILE"]);
        options.AdminKey = Pick(options.AdminKey, config[AdminKeyVariable], options.AdminKeyFile ?? config[AdminKeyVariable + "_FILE"]);
    }

    /// <summary>The search key as configured anywhere (for clients of another FaceVector service that share it).</summary>
    public static string? SearchKey(IConfiguration config)
    {
        var options = config.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        Resolve(options, config);
        return options.ApiKey ?? options.AdminKey;
    }

    private static string? Pick(string? setting, string? environment, string? file) =>
        !string.IsNullOrEmpty(setting) ? setting
        : !string.IsNullOrEmpty(environment) ? environment
        : string.IsNullOrEmpty(file) ? null
        : ReadKeyFile(file);

    private static string ReadKeyFile(string path)
    {
        string key;
        try
        {
            // Secrets files usually end with a newline that is not part of the key.
            key = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"API key file {path} cannot be read: {ex.Message}", ex);
        }

        return key.Length > 0 ? key : throw new InvalidOperationException($"API key file {path} is empty");
    }
}
