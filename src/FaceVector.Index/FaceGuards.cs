using System.Numerics.Tensors;

namespace FaceVector.Index;

/// <summary>Checks shared by every store, so that both refuse the same requests with the same messages.</summary>
internal static class FaceGuards
{
    public static void CheckSpec(string collection, CollectionSpec spec, CollectionInfo existing)
    {
        if (existing.ModelId != spec.ModelId)
            throw new ModelMismatchException(collection, existing.ModelId, spec.ModelId);
        if (existing.VectorSize != spec.VectorSize)
            throw new ArgumentException(
                $"Collection '{collection}' holds vectors of size {existing.VectorSize}, but the spec asks for vector size {spec.VectorSize}.",
                nameof(spec));
    }

    public static void CheckSpecShape(CollectionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.VectorSize, 1, nameof(spec.VectorSize));
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.ModelId, nameof(spec.ModelId));
    }

    /// <summary>Every face must come from the collection's model and have the collection's vector size.</summary>
    public static void CheckFaces(string collection, CollectionInfo info, IReadOnlyList<FacePoint> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        foreach (var face in faces)
        {
            if (face.Payload.ModelId != info.ModelId)
                throw new ModelMismatchException(collection, info.ModelId, face.Payload.ModelId);
            if (face.Vector is null)
                throw new ArgumentException($"Face {face.Id}: Vector is missing; every upserted face needs its embedding.", nameof(faces));
            if (face.Vector.Length != info.VectorSize)
                throw new ArgumentException(
                    $"Face {face.Id}: Vector has length {face.Vector.Length}, but collection '{collection}' expects vector size {info.VectorSize}.",
                    nameof(faces));
            var norm = TensorPrimitives.Norm(face.Vector);
            if (!(norm > 0f) || !float.IsFinite(norm))
                throw new ArgumentException($"Face {face.Id}: Vector is all zeros or not finite, so it has no direction to compare.", nameof(faces));
        }
    }

    public static void CheckQuery(string collection, CollectionInfo info, FaceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.ModelId != info.ModelId)
            throw new ModelMismatchException(collection, info.ModelId, query.ModelId);
        if (query.Vector.Length != info.VectorSize)
            throw new ArgumentException(
                $"Query Vector has length {query.Vector.Length}, but collection '{collection}' expects vector size {info.VectorSize}.",
                nameof(query));
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query.Limit));
    }
}
