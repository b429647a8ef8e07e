using FaceVector.Ingestion;

namespace FaceVector.Ingest.Configuration;

/// <summary>
/// What the worker ingests and how (section <c>FaceVector:Ingest</c>, environment <c>FaceVector__Ingest__...</c>).
/// The index comes from <c>FaceVector:Index</c> and the embedding services from <c>FaceVector:Embedding</c>.
/// </summary>
public sealed class IngestWorkerOptions
{
    public const string Section = "FaceVector:Ingest";

    /// <summary>Photo folders, walked recursively.</summary>
    public List<string> Folders { get; set; } = [];

    /// <summary>Globs relative to each folder; empty: every file.</summary>
    public List<string> Include { get; set; } = [];

    public List<string> Exclude { get; set; } = [];

    /// <summary>Optional file listing photo paths, one per line.</summary>
    public string? ListFile { get; set; }

    /// <summary><c>once</c>: one pass, then the process exits; <c>watch</c> (default): pass again on file changes and every <see cref="RescanSeconds"/>.</summary>
    public string Mode { get; set; } = "watch";

    /// <summary>Remove the faces of files that disappeared from the folders (default on for the worker).</summary>
    public bool Sync { get; set; } = true;

    public double RescanSeconds { get; set; } = 300;

    /// <summary>Quiet time after the last file change before a pass starts, so a copy in progress is taken whole.</summary>
    public double DebounceSeconds { get; set; } = 5;

    /// <summary>Journal file; unset: the one the CLI uses for the same store (beside the SQLite file, or in the data folder for Qdrant).</summary>
    public string? JournalPath { get; set; }

    /// <summary>Embedding calls in flight; 0: 4 per configured embedding address.</summary>
    public int Parallelism { get; set; }

    public int BatchFiles { get; set; } = 32;

    public Dictionary<string, string> Tags { get; set; } = [];

    public float MinFaceSize { get; set; } = QualityGates.DefaultMinFaceSize;

    public float? MinDetectionScore { get; set; }

    public float? MinSharpness { get; set; }

    public float? MaxYawRatio { get; set; }

    public bool RunOnce => string.Equals(Mode, "once", StringComparison.OrdinalIgnoreCase);

    public IngestSource ToSource() => new() { Folders = Folders, Include = Include, Exclude = Exclude, ListFile = ListFile };

    public QualityGates ToGates() => new(MinFaceSize, MinDetectionScore, MinSharpness, MaxYawRatio);
}
