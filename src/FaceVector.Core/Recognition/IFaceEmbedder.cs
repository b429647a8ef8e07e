using FaceVector.Core.Detection;
using FaceVector.Core.Imaging;

namespace FaceVector.Core.Recognition;

/// <summary>Turns detected faces into L2-normalised embeddings.</summary>
public interface IFaceEmbedder : IDisposable
{
    /// <summary>Model identity (file name + sha256 prefix): vectors from different identities must never be compared.</summary>
    string ModelId { get; }

    int Dimension { get; }

    /// <summary>One unit-length embedding per face, in the same order.</summary>
    float[][] Embed(RgbImage image, IReadOnlyList<FaceDetection> faces);
}
