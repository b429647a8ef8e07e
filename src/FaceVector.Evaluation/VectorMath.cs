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

        var sum = Vector<float>.Zero;
        var width = Vector<float>.Count;
        var i = 0;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (var v = 0; v < va.Length; v++)
        {
            sum += va[v] * vb[v];
        }

        i = va.Length * width;
        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }
}
