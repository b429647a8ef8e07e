using FaceVector.Core.Detection;

namespace FaceVector.Core.Pipeline;

/// <summary>A face with its embedding.</summary>
/// <param name="Index">Position in the image's face list (by descending detector score).</param>
/// <param name="Embedding">Unit-length embedding, or null when only detection was asked for.</param>
public sealed record Face(int Index, BoundingBox Box, float Score, IReadOnlyList<float> Keypoints, float[]? Embedding)
{
    /// <summary>Variance of the Laplacian of the aligned crop (see <see cref="Alignment.FaceQuality.Sharpness"/>); null when not embedded.</summary>
    public float? Sharpness { get; init; }
}

/// <summary>Time spent in each stage for one image.</summary>
public readonly record struct StageTimings(TimeSpan Decode, TimeSpan Detect, TimeSpan Align, TimeSpan Embed)
{
    public TimeSpan Total => Decode + Detect + Align + Embed;

    public static StageTimings operator +(StageTimings a, StageTimings b) =>
        new(a.Decode + b.Decode, a.Detect + b.Detect, a.Align + b.Align, a.Embed + b.Embed);
}

/// <summary>The faces of one image.</summary>
/// <param name="Sha256">Hex sha256 of the image bytes.</param>
/// <param name="Retried">True when faces were only found after padding the image (a tight crop).</param>
public sealed record ImageFaces(string Path, int Width, int Height, string Format, string Sha256, IReadOnlyList<Face> Faces, StageTimings Timings, bool Retried = false)
{
    /// <summary>The face with the largest box, or null.</summary>
    public Face? Largest => Faces.Count == 0 ? null : Faces.MaxBy(f => f.Box.Area);

    /// <summary>The face whose box centre is nearest the image centre (the subject of a centred portrait), or null.</summary>
    public Face? Centermost => Faces.Count == 0 ? null : Faces.MinBy(f =>
        ((f.Box.CenterX - (Width / 2f)) * (f.Box.CenterX - (Width / 2f))) + ((f.Box.CenterY - (Height / 2f)) * (f.Box.CenterY - (Height / 2f))));
}

/// <summary>The outcome of one file in a batch: faces, or the reason there are none.</summary>
public sealed record ImageResult(string Path, ImageFaces? Faces, string? Error, bool Skipped = false)
{
    public bool Succeeded => Faces is not null;
}
