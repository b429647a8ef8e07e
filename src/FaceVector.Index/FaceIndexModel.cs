using System.Security.Cryptography;
using System.Text;

namespace FaceVector.Index;

/// <summary>What a collection holds: vectors of one size from one model.</summary>
/// <param name="VectorSize">Embedding dimension, 512 for ArcFace.</param>
/// <param name="ModelId">Identity of the recognizer that made the vectors, e.g. <c>w600k_mbf_int8@7caa7fb0ad6c</c>.</param>
/// <param name="Quantization">Optional int8 quantised scan (embedded: rescored exactly; Qdrant: scalar quantisation).</param>
public sealed record CollectionSpec(int VectorSize, string ModelId, bool Quantization = false)
{
    /// <summary>
    /// The index id a NEW collection gets (null: a random one). A model migration passes the source's id: the new
    /// collection holds the same faces under the same ids, so ingest journals written for the source stay true.
    /// </summary>
    public string? IndexId { get; init; }
}

/// <summary>A collection as found in the store. <see cref="Faces"/> is an exact count.</summary>
public sealed record CollectionInfo(string Name, int VectorSize, string ModelId, long Faces)
{
    /// <summary>
    /// Random id the store gave the collection when it made it (Qdrant: collection metadata; embedded: the collection's
    /// row). A recreated collection gets a new one, so an ingest journal that remembers it notices it describes another index.
    /// </summary>
    public string? IndexId { get; init; }
}

/// <summary>Axis-aligned face box in original image pixels.</summary>
public readonly record struct FaceBox(float X1, float Y1, float X2, float Y2);

/// <summary>Everything kept beside a face vector.</summary>
public sealed record FacePayload
{
    public required string ImagePath { get; init; }
    /// <summary>Lower-case hex sha256 of the image file's bytes.</summary>
    public required string ImageHash { get; init; }
    public required int FaceIndex { get; init; }
    public required FaceBox Box { get; init; }
    public required float DetectionScore { get; init; }
    /// <summary>Five keypoints as x0,y0,...,x4,y4 (eyes, nose, mouth corners).</summary>
    public required IReadOnlyList<float> Keypoints { get; init; }
    public required string ModelId { get; init; }
    public required DateTimeOffset IngestedAt { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>A stored face: id, payload and (when asked for) its L2-normalised vector.</summary>
public sealed record FacePoint(Guid Id, FacePayload Payload, float[]? Vector = null);

/// <summary>One search hit. Score is the cosine similarity of the L2-normalised vectors.</summary>
public sealed record FaceMatch(Guid Id, float Score, FacePayload Payload);

/// <summary>Conditions that must all hold (AND). Null members do not filter.</summary>
public sealed record FaceFilter
{
    public string? ImagePath { get; init; }
    /// <summary>Matches every face whose image path starts with this prefix (a folder).</summary>
    public string? ImagePathPrefix { get; init; }
    public string? ImageHash { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public bool IsEmpty => ImagePath is null && ImagePathPrefix is null && ImageHash is null && Tags.Count == 0;
}

/// <summary>The faces one image holds after <see cref="IFaceIndex.ReplaceImagesAsync"/>: none when <paramref name="Faces"/> is empty.</summary>
/// <param name="ImagePath">The image; every face's <see cref="FacePayload.ImagePath"/> must equal it.</param>
public sealed record ImageReplacement(string ImagePath, IReadOnlyList<FacePoint> Faces)
{
    /// <summary>
    /// The caller knows the store has never held this image (e.g. the ingest journal has never seen the file): its faces
    /// are only upserted and nothing is looked up or deleted for it.
    /// </summary>
    public bool NewImage { get; init; }
}

/// <summary>A vector search request. Scores greater than or equal to <see cref="ScoreThreshold"/> are returned (inclusive, see <see cref="Core.Search.ScoreThreshold"/>).</summary>
public sealed record FaceQuery(float[] Vector, string ModelId, int Limit = 10, float? ScoreThreshold = null, FaceFilter? Filter = null);

public sealed record FacePage(IReadOnlyList<FacePoint> Points, string? NextOffset);

/// <summary>Vectors or queries from a model other than the collection's.</summary>
public sealed class ModelMismatchException(string collection, string expected, string actual)
    : InvalidOperationException($"Collection '{collection}' holds vectors of model '{expected}', but this request comes from model '{actual}'. Use a collection made with '{actual}' or re-index with '{expected}'.")
{
    public string Collection { get; } = collection;
    public string ExpectedModelId { get; } = expected;
    public string ActualModelId { get; } = actual;
}

/// <summary>Deterministic point ids, so that re-ingesting the same face overwrites instead of duplicating.</summary>
public static class FacePointId
{
    /// <summary>A name-based UUID (version 5 layout, SHA-256 truncated) of image hash, face index and model.</summary>
    public static Guid For(string imageHash, int faceIndex, string modelId) => FromName($"{imageHash}\n{faceIndex}\n{modelId}");

    /// <summary>
    /// As <see cref="For(string, int, string)"/>, with the image path too: two copies of one photo at different
    /// paths stay two sets of faces (each is found by its own path), and re-ingesting either overwrites only itself.
    /// </summary>
    public static Guid For(string imagePath, string imageHash, int faceIndex, string modelId) =>
        FromName($"{imageHash}\n{faceIndex}\n{modelId}\n{imagePath}");

    private static Guid FromName(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        Span<byte> b = hash[..16];
        b[6] = (byte)((b[6] & 0x0F) | 0x50); // version 5
        b[8] = (byte)((b[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(b, bigEndian: true);
    }
}
