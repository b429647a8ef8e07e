using ImageFacesReply = FaceVector.Grpc.V1.ImageFaces;
using FaceVector.Grpc.V1;
using FaceVector.Application.Search;
using FaceVector.Index;

namespace FaceVector.Client;

/// <summary>Conversions between the domain types and the gRPC messages.</summary>
public static class ProtoMapping
{
    public static ImageFacesReply ToProto(Core.Pipeline.ImageFaces faces, string modelId)
    {
        var reply = new ImageFacesReply
        {
            Name = faces.Path,
            Width = faces.Width,
            Height = faces.Height,
            Sha256 = faces.Sha256,
            ModelId = modelId,
            Retried = faces.Retried,
            Format = faces.Format,
        };
        foreach (Core.Pipeline.Face f in faces.Faces)
        {
            var face = new DetectedFace { Index = f.Index, Box = ToProto(f.Box), Score = f.Score };
            face.Keypoints.AddRange(f.Keypoints);
            if (f.Embedding is { } e)
            {
                face.Embedding.AddRange(e);
            }

            reply.Faces.Add(face);
        }

        return reply;
    }

    /// <summary>The reverse of <see cref="ToProto(Core.Pipeline.ImageFaces, string)"/>: a reply as domain faces, named <paramref name="source"/> (default: the reply's name).</summary>
    public static Core.Pipeline.ImageFaces ToImageFaces(ImageFacesReply reply, string? source = null) => new(
        source ?? reply.Name, reply.Width, reply.Height, reply.Format, reply.Sha256,
        [.. reply.Faces.Select(f => new Core.Pipeline.Face(f.Index, new Core.Detection.BoundingBox(f.Box.X1, f.Box.Y1, f.Box.X2, f.Box.Y2), f.Score, [.. f.Keypoints], f.Embedding.Count > 0 ? [.. f.Embedding] : null))],
        default, reply.Retried);

    public static EmbedderModel ToEmbedderModel(ModelInfo m) => new(m.ModelId, m.Dimension, m.Detector, m.Recognizer, m.ExecutionProvider, m.RecommendedThreshold);

    public static ModelInfo ToProto(EmbedderModel m) => new()
    {
        ModelId = m.ModelId,
        Dimension = m.Dimension,
        Detector = m.Detector,
        Recognizer = m.Recognizer,
        ExecutionProvider = m.ExecutionProvider,
        RecommendedThreshold = m.RecommendedThreshold,
    };

    public static ProbeFaceMatches ToProto(ProbeMatches probe)
    {
        var reply = new ProbeFaceMatches { Box = ToProto(probe.Face.Box), Score = probe.Face.Score, FaceIndex = probe.Face.Index };
        reply.Matches.AddRange(probe.Matches.Select(ToProto));
        return reply;
    }

    public static SearchReply ToProto(SearchResult result)
    {
        var reply = new SearchReply { ModelId = result.ModelId, ScoreThreshold = result.Threshold };
        reply.Faces.AddRange(result.Faces.Select(ToProto));
        return reply;
    }

    public static FaceVector.Grpc.V1.BoundingBox ToProto(Core.Detection.BoundingBox b) => new() { X1 = b.X1, Y1 = b.Y1, X2 = b.X2, Y2 = b.Y2 };

    public static FaceVector.Grpc.V1.BoundingBox ToProto(FaceBox b) => new() { X1 = b.X1, Y1 = b.Y1, X2 = b.X2, Y2 = b.Y2 };

    public static FaceBox ToFaceBox(FaceVector.Grpc.V1.BoundingBox b) => new(b.X1, b.Y1, b.X2, b.Y2);

    public static float Area(FaceVector.Grpc.V1.BoundingBox b) => Math.Max(0, b.X2 - b.X1) * Math.Max(0, b.Y2 - b.Y1);

    /// <summary>Null when nothing is set (no filtering).</summary>
    public static FaceFilter? ToFaceFilter(PayloadFilter? filter)
    {
        if (filter is null)
        {
            return null;
        }

        var result = new FaceFilter
        {
            ImagePath = NullIfEmpty(filter.ImagePath),
            ImagePathPrefix = NullIfEmpty(filter.ImagePathPrefix),
            ImageHash = NullIfEmpty(filter.ImageHash),
            Tags = filter.Tags.ToDictionary(),
        };
        return result.IsEmpty ? null : result;
    }

    public static FaceVector.Grpc.V1.FaceMatch ToProto(Index.FaceMatch match)
    {
        var m = new FaceVector.Grpc.V1.FaceMatch
        {
            PointId = match.Id.ToString(),
            ImagePath = match.Payload.ImagePath,
            Score = match.Score,
            Box = ToProto(match.Payload.Box),
            FaceIndex = match.Payload.FaceIndex,
            ImageHash = match.Payload.ImageHash,
            DetectionScore = match.Payload.DetectionScore,
        };
        foreach ((string key, string value) in match.Payload.Tags)
        {
            m.Tags[key] = value;
        }

        return m;
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
