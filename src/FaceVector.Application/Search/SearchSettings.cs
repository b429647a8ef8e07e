using FaceVector.Ingestion;

namespace FaceVector.Application.Search;

/// <summary>Search defaults and bounds (section <c>FaceVector:Search</c>); the CLI uses the same defaults.</summary>
public sealed class SearchSettings
{
    public const string Section = "FaceVector:Search";

    /// <summary>Matches per probe face when the request gives none.</summary>
    public int DefaultTopK { get; set; } = 10;

    /// <summary>Upper bound on top_k: larger requests are clamped to it.</summary>
    public int MaxTopK { get; set; } = 1000;

    /// <summary>Probe faces with a shorter side below this are never used: the same 20 px as indexing's quality gate.</summary>
    public float MinProbeFaceSize { get; set; } = QualityGates.DefaultMinFaceSize;
}

/// <summary>Which faces of a probe photo are searched for.</summary>
public enum ProbeFaceSelection
{
    /// <summary>The face with the largest box (default).</summary>
    Largest,
    /// <summary>Every face of the probe.</summary>
    All,
}

/// <summary>What a search asks for, beside the probe itself. Null members take the defaults.</summary>
/// <param name="TopK">Matches per probe face: null or 0 is the default; negative is refused; above the maximum is clamped.</param>
/// <param name="Threshold">Keep scores &gt;= this (inclusive); null: the recognizer's recommended threshold.</param>
/// <param name="FaceIndex">Use this face of the probe (as the detector numbers them), overriding <paramref name="Selection"/>.</param>
public sealed record SearchParameters(
    int? TopK = null,
    float? Threshold = null,
    ProbeFaceSelection Selection = ProbeFaceSelection.Largest,
    int? FaceIndex = null,
    Index.FaceFilter? Filter = null);
