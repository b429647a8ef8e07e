using FaceVector.Core.Pipeline;
using FaceVector.Index;

namespace FaceVector.Ingestion;

/// <summary>Turns an analysed face into the point the index stores.</summary>
public static class FacePoints
{
    /// <summary>The face's point, with a deterministic id (path, content, face, model) so re-ingesting overwrites.</summary>
    public static FacePoint From(string path, string sha256, Face face, string modelId, DateTimeOffset ingestedAt, IReadOnlyDictionary<string, string>? tags = null) =>
        new(FacePointId.For(path, sha256, face.Index, modelId), new FacePayload
        {
            ImagePath = path,
            ImageHash = sha256,
            FaceIndex = face.Index,
            Box = new FaceBox(face.Box.X1, face.Box.Y1, face.Box.X2, face.Box.Y2),
            DetectionScore = face.Score,
            Keypoints = face.Keypoints,
            ModelId = modelId,
            IngestedAt = ingestedAt,
            Tags = tags ?? new Dictionary<string, string>(),
        }, face.Embedding);
}
