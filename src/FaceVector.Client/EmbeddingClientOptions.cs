namespace FaceVector.Client;

/// <summary>How the search service reaches the embedding service (section <c>FaceVector:Embedding</c>).</summary>
public sealed class EmbeddingClientOptions
{
    public const string Section = "FaceVector:Embedding";

    /// <summary>
    /// Embedding service addresses, balanced round-robin: <c>http://host:port</c> entries, or one <c>dns:///host:port</c>
    /// entry (every address the name resolves to). Unused by <c>facevector serve</c>, which calls its own embedder in-process.
    /// </summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>Key sent to the embedding service; unset: this server's own key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Deadline of each embedding call (shortened to the caller's remaining deadline).</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>Attempts per call when an embedder answers UNAVAILABLE (gRPC retry policy), 1 = no retry.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Longest wait between reconnection attempts to an embedder that went away.</summary>
    public double MaxReconnectBackoffSeconds { get; set; } = 2;

    /// <summary>How often a <c>dns:///</c> address is resolved again, so that added or removed replicas are noticed.</summary>
    public double DnsRefreshSeconds { get; set; } = 30;

    /// <summary>Probe images larger than this go to the embedder as an EmbedStream upload instead of one message.</summary>
    public int StreamAboveBytes { get; set; } = 4 << 20;
}
