using System.Numerics.Tensors;

namespace FaceVector.Core.Search;

/// <summary>Scores are cosine similarity of L2-normalised embeddings, i.e. their dot product.</summary>
public static class Similarity
{
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Embedding sizes differ: {a.Length} and {b.Length}.", nameof(b));
        }

        return TensorPrimitives.Dot(a, b);
    }
}
