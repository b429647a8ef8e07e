using FaceVector.People.Clustering;

namespace FaceVector.People;

/// <summary>How faces are grouped into persons. The defaults are measured on lfw-dev (docs/people.md).</summary>
public sealed record PeopleOptions
{
    /// <summary>
    /// Two groups of faces are one person when their faces match on average at this cosine similarity or more, and a
    /// new face joins a person on the same rule. It is the recognizer's recommended match threshold (the verification
    /// rule that search uses), so it follows the model instead of being a number tuned to one data set.
    /// </summary>
    public required float LinkThreshold { get; init; }

    /// <summary>Neighbours per face in the kNN graph.</summary>
    public int Neighbours { get; init; } = DefaultNeighbours;

    /// <summary>Faces a group needs to become a person; smaller groups stay unassigned (no one-face people, no noise groups).</summary>
    public int MinFaces { get; init; } = 2;

    /// <summary>Faces whose box's shorter side is below this many pixels stay out of people (their embeddings are unreliable).</summary>
    public required float MinFaceSize { get; init; }

    /// <summary>Faces the detector scored below this stay out of people (null: every indexed face is eligible).</summary>
    public float? MinDetectionScore { get; init; }

    public ClusteringMethod Method { get; init; } = ClusteringMethod.AverageLinkage;

    public const int DefaultNeighbours = 10;

    /// <summary>Null when the face may be clustered, else why not (the quality gates' rule for size and detector score).</summary>
    public string? Exclusion(FaceVector.Index.FacePayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var box = payload.Box;
        var minSide = Math.Min(box.X2 - box.X1, box.Y2 - box.Y1);
        if (minSide < MinFaceSize) return FormattableString.Invariant($"face too small: {minSide:0} px < {MinFaceSize:0} px");
        if (MinDetectionScore is float minScore && payload.DetectionScore < minScore) return FormattableString.Invariant($"low detection score: {payload.DetectionScore:0.00} < {minScore:0.00}");
        return null;
    }
}
