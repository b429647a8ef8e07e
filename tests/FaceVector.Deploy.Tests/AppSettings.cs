using FaceVector.Index;
using FaceVector.Application.Search;
using FaceVector.Application.Store;
using FaceVector.Client;
using System.Reflection;
using FaceVector.Ingest.Configuration;
using FaceVector.Services.Configuration;

namespace FaceVector.Deploy.Tests;

/// <summary>
/// Says whether an environment variable is one the FaceVector apps read. <c>FaceVector__Section__Setting</c> must name
/// a public settable property of the options class bound to that section (configuration keys are case-insensitive),
/// followed by an index for a list setting or a key for a dictionary setting; other names must be of a known family.
/// </summary>
internal static class AppSettings
{
    private const string Prefix = "FaceVector";

    private static readonly Dictionary<string, Type> OptionsBySection = new[]
    {
        (ServerOptions.Section, typeof(ServerOptions)),
        (ModelsOptions.Section, typeof(ModelsOptions)),
        (InferenceOptions.Section, typeof(InferenceOptions)),
        (EmbeddingClientOptions.Section, typeof(EmbeddingClientOptions)),
        (FaceIndexOptions.Section, typeof(FaceIndexOptions)),
        (SearchSettings.Section, typeof(SearchSettings)),
        (TelemetryOptions.Section, typeof(TelemetryOptions)),
        (IngestWorkerOptions.Section, typeof(IngestWorkerOptions)),
    }.ToDictionary(s => s.Item1.Split(':')[1], s => s.Item2, StringComparer.OrdinalIgnoreCase);

    /// <summary>Read directly by the apps (API key, model folder), by ASP.NET Core (Kestrel: TLS certificates), by the OpenTelemetry SDK or by Qdrant.</summary>
    private static readonly string[] KnownNames = ["FACEVECTOR_API_KEY", "FACEVECTOR_API_KEY_FILE", "FACEVECTOR_ADMIN_KEY", "FACEVECTOR_ADMIN_KEY_FILE", "FACEVECTOR_MODELS", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS"];

    private static readonly string[] KnownPrefixes = ["OTEL_", "QDRANT__", "Logging__", "Kestrel__"];

    /// <returns>Null when an app reads the variable, else why it is not a setting.</returns>
    public static string? Problem(string name)
    {
        string[] parts = name.Split("__");
        if (!string.Equals(parts[0], Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return KnownNames.Contains(name, StringComparer.Ordinal) || KnownPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
                ? null
                : $"{name}: not a FaceVector__ setting and not a known variable ({string.Join(", ", KnownNames)}, {string.Join("*, ", KnownPrefixes)}*)";
        }

        if (parts.Length < 3 || !OptionsBySection.TryGetValue(parts[1], out Type? options))
        {
            return $"{name}: no section '{(parts.Length > 1 ? parts[1] : string.Empty)}'; sections: {string.Join(", ", OptionsBySection.Keys)}";
        }

        return ProblemBelow(name, options, parts.AsSpan(2));
    }

    private static string? ProblemBelow(string name, Type type, ReadOnlySpan<string> path)
    {
        PropertyInfo? property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property?.SetMethod is not { IsPublic: true })
        {
            string known = string.Join(", ", type.GetProperties().Where(p => p.SetMethod?.IsPublic == true).Select(p => p.Name));
            return $"{name}: {type.Name} has no settable '{path[0]}'; settings: {known}";
        }

        return ProblemInValue(name, property.PropertyType, path[1..]);
    }

    private static string? ProblemInValue(string name, Type type, ReadOnlySpan<string> path)
    {
        if (IsScalar(type))
        {
            return path.IsEmpty ? null : $"{name}: '{path[0]}' follows a plain setting";
        }

        if (GenericArgument(type, typeof(IDictionary<,>), 1) is { } valueType)
        {
            return path.IsEmpty ? $"{name}: a dictionary setting needs a key" : ProblemInValue(name, valueType, path[1..]);
        }

        if (GenericArgument(type, typeof(IList<>), 0) is { } itemType)
        {
            return path.IsEmpty || !int.TryParse(path[0], out int index) || index < 0
                ? $"{name}: a list setting needs an index (__0, __1, ...)"
                : ProblemInValue(name, itemType, path[1..]);
        }

        return path.IsEmpty ? $"{name}: names a group of settings, not one" : ProblemBelow(name, type, path);
    }

    private static bool IsScalar(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(Uri);
    }

    private static Type? GenericArgument(Type type, Type genericInterface, int position) =>
        type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == genericInterface)
            ?.GetGenericArguments()[position];
}
