namespace FaceVector.Index.Embedded;

/// <summary>Where the embedded store lives and which collection an instance works on.</summary>
/// <param name="Path">The database file; created when missing. Several collections may share one file.</param>
/// <param name="Collection">The collection this instance reads and writes.</param>
public sealed record SqliteIndexOptions(string Path, string Collection = FaceIndexOptions.DefaultCollection)
{
    /// <summary>How long a write waits for another process's write to finish before failing with SQLITE_BUSY.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>False for callers that only read or delete: a missing file (or folder) is then an error, never created.</summary>
    public bool CreateIfMissing { get; init; } = true;

    /// <summary>
    /// True (default): <see cref="Collection"/> is looked up in the store's aliases first, as Qdrant does, and an alias
    /// switched by another process is followed. False: the collection of exactly that name (a migration's own access).
    /// </summary>
    public bool ResolveAlias { get; init; } = true;
}
