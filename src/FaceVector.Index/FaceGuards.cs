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

    /// <summary>
    /// The shape of a replace batch (each image once, each face under its own image's path), checked before any store
    /// is touched; returns every face of the batch in order.
    /// </summary>
    public static List<FacePoint> CheckReplacements(IReadOnlyList<ImageReplacement> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var faces = new List<FacePoint>();
        foreach (var image in images)
        {
            ArgumentNullException.ThrowIfNull(image, nameof(images));
            if (string.IsNullOrEmpty(image.ImagePath))
                throw new ArgumentException("ImagePath is empty: every replaced image needs its path.", nameof(images));
            if (!paths.Add(image.ImagePath))
                throw new ArgumentException($"Image '{image.ImagePath}' appears twice in one replace batch; give each image once with all its faces.", nameof(images));
            ArgumentNullException.ThrowIfNull(image.Faces, nameof(images));
            foreach (var face in image.Faces)
            {
                if (face.Payload.ImagePath != image.ImagePath)
                    throw new ArgumentException($"Face {face.Id}: ImagePath is '{face.Payload.ImagePath}', but it is given as a face of '{image.ImagePath}'.", nameof(images));
                faces.Add(face);
            }
        }
        return faces;
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
