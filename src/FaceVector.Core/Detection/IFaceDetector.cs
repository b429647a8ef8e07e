using FaceVector.Core.Imaging;

namespace FaceVector.Core.Detection;

/// <summary>Finds faces with five keypoints in an image.</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>Model file name, for reports.</summary>
    string ModelName { get; }

    /// <summary>Faces sorted by descending score, coordinates in the image's pixels.</summary>
    IReadOnlyList<FaceDetection> Detect(RgbImage image);
}
