namespace FaceVector.Services.Configuration;

/// <summary>
/// Settings of a FaceVector gRPC server, bound from configuration section <c>FaceVector:Server</c>
/// (environment: <c>FaceVector__Server__...</c>). docs/services.md lists every setting.
/// </summary>
public sealed class ServerOptions
{
    public const string Section = "FaceVector:Server";

    /// <summary>
    /// The search key: when a key is set, every call except health must carry one (x-api-key or authorization:
    /// Bearer), and this one may only read. Also FACEVECTOR_API_KEY, or a file (ApiKeyFile, FACEVECTOR_API_KEY_FILE).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>File holding the search key (a docker secret, e.g. /run/secrets/facevector_api_key).</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>The admin key: may also delete faces. Also FACEVECTOR_ADMIN_KEY, or a file (AdminKeyFile, FACEVECTOR_ADMIN_KEY_FILE).</summary>
    public string? AdminKey { get; set; }

    /// <summary>File holding the admin key.</summary>
    public string? AdminKeyFile { get; set; }

    /// <summary>
    /// Without any key a server listening beyond loopback refuses to start; true says anonymous access is wanted
    /// there (e.g. behind an authenticating proxy).
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Largest gRPC message accepted, in bytes: bounds a unary image upload.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 16 << 20;

    /// <summary>Largest image assembled from an EmbedStream upload, in bytes.</summary>
    public long MaxStreamedImageBytes { get; set; } = 64L << 20;

    /// <summary>An upload stream with no message for this long is ended (DEADLINE_EXCEEDED).</summary>
    public double UploadIdleTimeoutSeconds { get; set; } = 30;

    /// <summary>An upload stream still open after this long is ended (DEADLINE_EXCEEDED).</summary>
    public double UploadDeadlineSeconds { get; set; } = 120;

    /// <summary>Upload streams open at once; more are refused (RESOURCE_EXHAUSTED).</summary>
    public int MaxConcurrentUploads { get; set; } = 16;

    /// <summary>Bytes all open upload streams may hold together; beyond it uploads are refused (RESOURCE_EXHAUSTED).</summary>
    public long MaxUploadBufferBytes { get; set; } = 256L << 20;
}

/// <summary>Telemetry exporters (section <c>FaceVector:Telemetry</c>); OTLP is on when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "FaceVector:Telemetry";

    /// <summary>Print metrics and traces to standard output (off by default).</summary>
    public bool Console { get; set; }
}
