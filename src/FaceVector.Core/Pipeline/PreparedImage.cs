using FaceVector.Core.Detection;
using FaceVector.Core.Imaging;
using FaceVector.Core.Recognition;

namespace FaceVector.Core.Pipeline;

/// <summary>A photo detected and aligned, waiting for the recognizer; owns the pooled crops until disposed.</summary>
public sealed class PreparedImage(string source, LoadedImage loaded, IReadOnlyList<FaceDetection> detections, bool retried, AlignedFaces? aligned, float[]? sharpness, StageTimings timings) : IDisposable
{
    public string Source => source;

    /// <summary>The crops to embed; null when there are no faces or no embedding was asked for.</summary>
    public AlignedFaces? Aligned => aligned;

    public IReadOnlyList<FaceDetection> Detections => detections;

    public ImageFaces Complete(float[][]? embeddings, TimeSpan embedTime)
    {
        var faces = new Face[detections.Count];
        for (int i = 0; i < faces.Length; i++)
        {
            FaceDetection d = detections[i];
            faces[i] = new Face(i, d.Box, d.Score, d.Keypoints, embeddings?[i]) { Sharpness = sharpness?[i] };
        }

        return new ImageFaces(source, loaded.Image.Width, loaded.Image.Height, loaded.Format, loaded.Sha256, faces,
            timings with { Embed = embedTime }, retried);
    }

    public void Dispose() => aligned?.Dispose();
}
