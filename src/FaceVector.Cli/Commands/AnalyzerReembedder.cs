using FaceVector.Application.Migration;
using FaceVector.Core.Detection;
using FaceVector.Core.Pipeline;
using FaceVector.Index;

namespace FaceVector.Cli.Commands;

/// <summary>
/// The migration's recognizer in this process: each stored face is aligned from its stored landmarks (the detector is not
/// run); a face stored without five landmarks is detected again and matched to its stored box (<see cref="FaceBoxMatch"/>).
/// </summary>
internal sealed class AnalyzerReembedder(FaceAnalyzer analyzer) : IFaceReembedder
{
    public string ModelId => analyzer.ModelId;

    public int Dimension => analyzer.EmbeddingDimension;

    public Task<IReadOnlyList<float[]?>> EmbedAsync(string path, byte[] bytes, IReadOnlyList<FacePayload> faces, CancellationToken cancellationToken) =>
        Task.FromResult(Embed(path, bytes, faces));

    private IReadOnlyList<float[]?> Embed(string path, byte[] bytes, IReadOnlyList<FacePayload> faces)
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
                int match = FaceBoxMatch.Find(face.Box, [.. detected.Select(d => d.Box)]);
                places[i] = match >= 0 ? detected[match] : null;
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
}
