namespace FaceVector.Application.Migration;

/// <summary>How a migration runs.</summary>
public sealed record MigrationOptions
{
    /// <summary>Faces re-embedded and written per batch (one write each: a killed run loses at most one batch of work).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Photos re-embedded at once; 0: the number of cores.</summary>
    public int Parallelism { get; init; }

    /// <summary>Drop the old collection right after the switch (else it is kept until <c>migrate --finish</c>).</summary>
    public bool DropOld { get; init; }

    /// <summary>Largest photo read, in bytes (as for ingest).</summary>
    public long MaxFileBytes { get; init; } = 256L << 20;
}

/// <summary>Where a running migration is: photos done of the photos to do in this run, and faces written.</summary>
public sealed record MigrationProgress(int Photos, int PhotosDone, long FacesWritten, int PhotosFailed);

/// <summary>What a migration did; the numbers of this run (a resumed run counts what it found done as <see cref="AlreadyDone"/>).</summary>
public sealed record MigrationReport
{
    public required string Alias { get; init; }
    public required string Source { get; init; }
    public required string Target { get; init; }
    public required string FromModel { get; init; }
    public required string ToModel { get; init; }
    /// <summary>Where the store is (file or Qdrant address).</summary>
    public required string Store { get; init; }
    /// <summary>Faces in the source when the run started.</summary>
    public long SourceFaces { get; init; }
    /// <summary>Faces in the new collection at the end.</summary>
    public long TargetFaces { get; init; }
    /// <summary>Faces re-embedded and written by this run.</summary>
    public long Reembedded { get; init; }
    /// <summary>Faces found already in the new collection (a resumed run).</summary>
    public long AlreadyDone { get; init; }
    /// <summary>Faces deleted from the new collection because they left the source during the run.</summary>
    public long Removed { get; init; }
    public IReadOnlyList<string> MissingPhotos { get; init; } = [];
    public IReadOnlyList<string> ChangedPhotos { get; init; } = [];
    /// <summary>Photos that could not be decoded, with why.</summary>
    public IReadOnlyList<string> UnreadablePhotos { get; init; } = [];
    /// <summary>Faces left out: their photo is missing, changed or unreadable, or the face was not found again.</summary>
    public long FacesLeftOut { get; init; }
    public long FacesNotFoundAgain { get; init; }
    /// <summary>True when the alias now stands for the new collection.</summary>
    public bool Switched { get; init; }
    /// <summary>True when the switch had been made by an earlier run.</summary>
    public bool AlreadySwitched { get; init; }
    /// <summary>Where the old faces are kept (null once dropped).</summary>
    public string? OldKeptAs { get; init; }
    public bool OldDropped { get; init; }
    public TimeSpan Elapsed { get; init; }
    /// <summary>Time spent reading, hashing, decoding and re-embedding (the rate's denominator).</summary>
    public TimeSpan EmbedTime { get; init; }
    public double FacesPerSecond => EmbedTime > TimeSpan.Zero ? Reembedded / EmbedTime.TotalSeconds : 0;
}
