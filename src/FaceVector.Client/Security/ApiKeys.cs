using Microsoft.Extensions.Configuration;

namespace FaceVector.Client.Security;

/// <summary>
/// Where FaceVector's keys come from, in order: the setting (<c>FaceVector:Server:ApiKey</c> / <c>AdminKey</c>), the
/// environment variable (<c>FACEVECTOR_API_KEY</c> / <c>FACEVECTOR_ADMIN_KEY</c>), or a file named by
/// <c>FaceVector:Server:ApiKeyFile</c> / <c>FACEVECTOR_API_KEY_FILE</c> (and the admin equivalents), such as a
/// docker secret under <c>/run/secrets</c>. Servers read their keys with it and clients of another FaceVector service
/// the key they send. A key file that is named but cannot be read is an error: running without the key the operator
/// meant to set would be open.
/// </summary>
public static class ApiKeys
{
    public const string SearchKeyVariable = "FACEVECTOR_API_KEY";
    public const string AdminKeyVariable = "FACEVECTOR_ADMIN_KEY";
    private const string Section = "FaceVector:Server";

    /// <summary>The search key from <paramref name="setting"/>, the environment, or a key file.</summary>
    public static string? SearchKey(IConfiguration config, string? setting = null, string? fileSetting = null) =>
        Pick(setting ?? config[$"{Section}:ApiKey"], config[SearchKeyVariable], fileSetting ?? config[$"{Section}:ApiKeyFile"] ?? config[SearchKeyVariable + "_FILE"]);

    /// <summary>The admin key from <paramref name="setting"/>, the environment, or a key file.</summary>
    public static string? AdminKey(IConfiguration config, string? setting = null, string? fileSetting = null) =>
        Pick(setting ?? config[$"{Section}:AdminKey"], config[AdminKeyVariable], fileSetting ?? config[$"{Section}:AdminKeyFile"] ?? config[AdminKeyVariable + "_FILE"]);

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
