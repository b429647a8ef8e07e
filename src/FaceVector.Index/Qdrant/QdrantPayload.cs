using System.Globalization;
using Google.Protobuf.Collections;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace FaceVector.Index.Qdrant;

/// <summary>How a face payload and a <see cref="FaceFilter"/> look in Qdrant.</summary>
internal static class QdrantPayload
{
    public const string ImagePath = "image_path";
    public const string ImageHash = "image_hash";
    /// <summary>Every parent folder of the image, so that a folder prefix filter is an indexed keyword match.</summary>
    public const string ImageDirs = "image_dirs";
    /// <summary>Tags as "key=value" keywords (one keyword index serves every tag key).</summary>
    public const string Tags = "tags";
    public const string ModelIdKey = "facevector_model_id";
    public const string VectorSizeKey = "facevector_vector_size";

    /// <summary>The keyword-indexed fields every FaceFilter condition uses.</summary>
    public static readonly string[] IndexedKeywords = [ImagePath, ImageHash, ImageDirs, Tags];

    public static PointStruct ToPoint(FacePoint face) => new()
    {
        Id = face.Id,
        Vectors = face.Vector!,
        Payload =
        {
            [ImagePath] = face.Payload.ImagePath,
            [ImageHash] = face.Payload.ImageHash,
            [ImageDirs] = FaceFilterMatcher.ParentFolders(face.Payload.ImagePath).ToArray(),
            ["face_index"] = face.Payload.FaceIndex,
            ["box"] = Numbers([face.Payload.Box.X1, face.Payload.Box.Y1, face.Payload.Box.X2, face.Payload.Box.Y2]),
            ["det_score"] = (double)face.Payload.DetectionScore,
            ["keypoints"] = Numbers(face.Payload.Keypoints),
            ["model_id"] = face.Payload.ModelId,
            ["ingested_at"] = face.Payload.IngestedAt.ToString("O", CultureInfo.InvariantCulture),
            [Tags] = face.Payload.Tags.Select(t => $"{t.Key}={t.Value}").ToArray(),
        },
    };

    public static FacePayload ToPayload(MapField<string, Value> payload)
    {
        var box = Floats(payload["box"]);
        return new FacePayload
        {
            ImagePath = payload[ImagePath].StringValue,
            ImageHash = payload[ImageHash].StringValue,
            FaceIndex = (int)Number(payload["face_index"]),
            Box = new FaceBox(box[0], box[1], box[2], box[3]),
            DetectionScore = (float)Number(payload["det_score"]),
            Keypoints = Floats(payload["keypoints"]),
            ModelId = payload["model_id"].StringValue,
            IngestedAt = DateTimeOffset.Parse(payload["ingested_at"].StringValue, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            Tags = payload.TryGetValue(Tags, out var tags)
                ? tags.ListValue.Values.Select(v => v.StringValue.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "")
                : [],
        };
    }

    /// <summary>All conditions must hold; null when the filter filters nothing.</summary>
    public static Filter? ToFilter(FaceFilter? filter)
    {
        if (filter is null || filter.IsEmpty) return null;
        var result = new Filter();
        if (filter.ImagePath is not null) result.Must.Add(MatchKeyword(ImagePath, filter.ImagePath));
        if (filter.ImageHash is not null) result.Must.Add(MatchKeyword(ImageHash, filter.ImageHash));
        if (filter.ImagePathPrefix is not null) result.Must.Add(MatchKeyword(ImageDirs, FaceFilterMatcher.NormalizeFolder(filter.ImagePathPrefix)));
        foreach (var (key, value) in filter.Tags) result.Must.Add(MatchKeyword(Tags, $"{key}={value}"));
        return result;
    }

    /// <summary>Faces of any of these images except the given ids (the faces a replace keeps).</summary>
    public static Filter OtherFacesOf(IReadOnlyList<string> imagePaths, IReadOnlyList<Guid> kept)
    {
        var filter = new Filter { Must = { Match(ImagePath, imagePaths) } };
        if (kept.Count > 0) filter.MustNot.Add(HasId(kept));
        return filter;
    }

    private static Value Numbers(IEnumerable<float> values) => values.Select(v => (Value)(double)v).ToArray();

    private static float[] Floats(Value list) => [.. list.ListValue.Values.Select(v => (float)Number(v))];

    /// <summary>Qdrant keeps payloads as JSON, so a whole-number double may come back as an integer.</summary>
    private static double Number(Value value) =>
        value.KindCase == Value.KindOneofCase.IntegerValue ? value.IntegerValue : value.DoubleValue;
}
