namespace FaceVector.Services.Search.Migration;

/// <summary>
/// Section <c>FaceVector:Migration</c>: the embedding service that runs the NEW recognizer, used only by the
/// FaceMigration RPC (the search's own embedder keeps the old one, so searches go on during the migration).
/// </summary>
public sealed class MigrationSettings
{
    public const string Section = "FaceVector:Migration";

    /// <summary>gRPC address of an embedding service running the new recognizer, e.g. <c>http://embedding-next:50051</c>.</summary>
    public string? EmbeddingAddress { get; set; }

    /// <summary>Its API key (default: the search key, as for the main embedding client).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Deadline of each embedding call.</summary>
    public double TimeoutSeconds { get; set; } = 60;
}
