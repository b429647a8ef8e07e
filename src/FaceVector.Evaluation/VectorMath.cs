using System.Numerics;
using System.Runtime.InteropServices;

namespace FaceVector.Evaluation;

/// <summary>SIMD dot product; with L2-normalised embeddings it is the cosine similarity.</summary>
public static class VectorMath
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Embeddings differ in length ({a.Length} and {b.Length}).", nameof(b));
        }

        // Whole SIMD blocks first, then the scalar tail (512 is a multiple of every Vector<float> width, so usually none).
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var sum = Vector<float>.Zero;
        for (var v = 0; v < va.Length; v++)
        {
            sum += va[v] * vb[v];
        }

        var total = Vector.Sum(sum);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }
}
