namespace FaceVector.Services.Configuration;

/// <summary>
/// Settings of a FaceVector gRPC server, bound from configuration section <c>FaceVector:Server</c>
/// (environment: <c>FaceVector__Server__...</c>). docs/services.md lists every setting.
/// </summary>
public sealed class ServerOptions
{
    public const string Section = "FaceVector:Server";

    /// <summary>When set, every call except health must carry it (x-api-key or authorization: Bearer). Also read from FACEVECTOR_API_KEY.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Largest gRPC message accepted, in bytes: bounds a unary image upload.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 16 << 20;

    /// <summary>Largest image assembled from an EmbedStream upload, in bytes.</summary>
    public long MaxStreamedImageBytes { get; set; } = 64L << 20;
}

/// <summary>Telemetry exporters (section <c>FaceVector:Telemetry</c>); OTLP is on when OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "FaceVector:Telemetry";

    /// <summary>Print metrics and traces to standard output (off by default).</summary>
    public bool Console { get; set; }
}
