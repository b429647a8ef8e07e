using FaceVector.Application.Migration;
using FaceVector.Core.Detection;
using FaceVector.Core.Pipeline;
using FaceVector.Index;

namespace FaceVector.Cli.Commands;

/// <summary>
/// The migration's recognizer in this process: each stored face is aligned from its stored landmarks (the detector is not
/// run); a face stored without five landmarks is detected again and matched to its stored box by IoU.
/// </summary>
internal sealed class AnalyzerReembedder(FaceAnalyzer analyzer) : IFaceReembedder
{
    /// <summary>Least overlap of a new detection with the stored box to count as the same face.</summary>
    public const float MinIoU = 0.5f;

    public string ModelId => analyzer.ModelId;

    public int Dimension => analyzer.EmbeddingDimension;

    public IReadOnlyList<float[]?> Embed(string path, byte[] bytes, IReadOnlyList<FacePayload> faces)
    {
        var loaded = analyzer.Loader.Decode(bytes, path, out IDisposable lease);
        using (lease)
        {
            IReadOnlyList<FaceDetection>? detected = null;
            var places = new FaceDetection?[faces.Count];
            for (int i = 0; i < faces.Count; i++)
            {
                FacePayload face = faces[i];
                var box = new BoundingBox(face.Box.X1, face.Box.Y1, face.Box.X2, face.Box.Y2);
                if (face.Keypoints.Count == 10)
                {
                    places[i] = new FaceDetection(box, face.DetectionScore, face.Keypoints);
                    continue;
                }

                detected ??= analyzer.Detect(loaded.Image).Faces;
                FaceDetection? best = detected.MaxBy(d => IoU(d.Box, box));
                places[i] = best is not null && IoU(best.Box, box) >= MinIoU ? best : null;
            }

            List<FaceDetection> found = [.. places.OfType<FaceDetection>()];
            float[][] vectors = found.Count == 0 ? [] : analyzer.Embed(loaded.Image, found);
            var result = new float[]?[faces.Count];
            for (int i = 0, k = 0; i < faces.Count; i++)
            {
                result[i] = places[i] is null ? null : vectors[k++];
            }

            return result;
        }
    }

    private static float IoU(BoundingBox a, BoundingBox b)
    {
        float w = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1));
        float h = Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        float inter = w * h;
        float union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }
}
