using System.Globalization;
using FaceVector.Core.Alignment;
using FaceVector.Core.Pipeline;

namespace FaceVector.Ingestion;

/// <summary>
/// Which detected faces are worth indexing. A face that fails a gate is not indexed and is recorded with the
/// reason, so <c>facevector ingest report</c> can say what was left out and why.
/// </summary>
/// <param name="MinFaceSize">Shorter side of the face box in pixels; smaller faces give unreliable embeddings.</param>
/// <param name="MinDetectionScore">Detector confidence below which a face is dropped (null: the detector's own threshold).</param>
/// <param name="MinSharpness">Laplacian variance of the aligned crop below which a face is "blurry" (null: off).</param>
/// <param name="MaxYawRatio">Nose offset from the eyes' midpoint in eye distances above which a face is "profile" (null: off).</param>
public sealed record QualityGates(float MinFaceSize = QualityGates.DefaultMinFaceSize, float? MinDetectionScore = null, float? MinSharpness = null, float? MaxYawRatio = null)
{
    /// <summary>Faces below 20 px give embeddings too unreliable to match on: false matches, not finds.</summary>
    public const float DefaultMinFaceSize = 20;

    /// <summary>Null when the face passes, else the reason it does not.</summary>
    public string? Check(Face face)
    {
        var inv = CultureInfo.InvariantCulture;
        if (face.Box.MinSide < MinFaceSize)
        {
            return string.Format(inv, "face too small: {0:0} px < {1:0} px", face.Box.MinSide, MinFaceSize);
        }

        if (MinDetectionScore is float minScore && face.Score < minScore)
        {
            return string.Format(inv, "low detection score: {0:0.00} < {1:0.00}", face.Score, minScore);
        }

        if (MinSharpness is float minSharp && face.Sharpness is float sharp && sharp < minSharp)
        {
            return string.Format(inv, "blurry: sharpness {0:0.0} < {1:0.0}", sharp, minSharp);
        }

        if (MaxYawRatio is float maxYaw && Math.Abs(FaceQuality.YawRatio(face.Keypoints)) is var yaw && yaw > maxYaw)
        {
            return string.Format(inv, "profile pose: yaw ratio {0:0.00} > {1:0.00}", yaw, maxYaw);
        }

        return null;
    }
}
