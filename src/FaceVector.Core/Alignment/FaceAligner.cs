using FaceVector.Core.Imaging;

namespace FaceVector.Core.Alignment;

/// <summary>A 2x3 affine matrix mapping source (x, y) to destination: [A B C; D E F].</summary>
public readonly record struct AffineTransform(double A, double B, double C, double D, double E, double F)
{
    public (double X, double Y) Apply(double x, double y) => ((A * x) + (B * y) + C, (D * x) + (E * y) + F);

    public AffineTransform Invert()
    {
        double det = (A * E) - (B * D);
        if (Math.Abs(det) < 1e-12)
        {
            throw new InvalidOperationException("Degenerate transform (keypoints collapse to a point).");
        }

        double ia = E / det, ib = -B / det, id = -D / det, ie = A / det;
        return new AffineTransform(ia, ib, -((ia * C) + (ib * F)), id, ie, -((id * C) + (ie * F)));
    }

    /// <summary>Uniform scale of a similarity transform.</summary>
    public double Scale => Math.Sqrt((A * A) + (D * D));
}

/// <summary>
/// Aligns a face to the ArcFace 112x112 template: the least-squares similarity transform (rotation, uniform scale,
/// translation — Umeyama's estimate, which never reflects) from the five detected keypoints to the template points,
/// then a bilinear warp with a black border, as insightface's norm_crop does with cv2.warpAffine.
/// </summary>
public static class FaceAligner
{
    public const int Size = 112;

    /// <summary>The ArcFace template for 112x112 crops (insightface's arcface_dst).</summary>
    public static IReadOnlyList<float> Template { get; } =
    [
        38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f, 71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f,
    ];

    /// <summary>Similarity transform taking <paramref name="keypoints"/> (x0,y0..x4,y4) onto the template.</summary>
    public static AffineTransform Estimate(IReadOnlyList<float> keypoints) => EstimateSimilarity(keypoints, Template);

    /// <summary>
    /// Least-squares similarity [a -b tx; b a ty] from <paramref name="src"/> to <paramref name="dst"/>. In 2-D this is
    /// exactly Umeyama's solution with scaling, and it has no reflection by construction.
    /// </summary>
    public static AffineTransform EstimateSimilarity(IReadOnlyList<float> src, IReadOnlyList<float> dst)
    {
        if (src.Count != dst.Count || src.Count < 4 || src.Count % 2 != 0)
        {
            throw new ArgumentException("Need matching lists of at least two (x, y) points.", nameof(src));
        }

        int n = src.Count / 2;
        double sx = 0, sy = 0, dx = 0, dy = 0;
        for (int i = 0; i < n; i++)
        {
            sx += src[2 * i];
            sy += src[(2 * i) + 1];
            dx += dst[2 * i];
            dy += dst[(2 * i) + 1];
        }

        sx /= n;
        sy /= n;
        dx /= n;
        dy /= n;
        double num1 = 0, num2 = 0, den = 0;
        for (int i = 0; i < n; i++)
        {
            double px = src[2 * i] - sx, py = src[(2 * i) + 1] - sy;
            double qx = dst[2 * i] - dx, qy = dst[(2 * i) + 1] - dy;
            num1 += (px * qx) + (py * qy);
            num2 += (px * qy) - (py * qx);
            den += (px * px) + (py * py);
        }

        if (den < 1e-12)
        {
            throw new ArgumentException("Keypoints coincide; no transform exists.", nameof(src));
        }

        double a = num1 / den, b = num2 / den;
        return new AffineTransform(a, -b, dx - ((a * sx) - (b * sy)), b, a, dy - ((b * sx) + (a * sy)));
    }

    /// <summary>
    /// Warps the face into a [3,112,112] plane of <paramref name="chw"/> with the given normalisation.
    /// Matches cv2.warpAffine(INTER_LINEAR, BORDER_CONSTANT 0): sample positions are rounded to 1/32 pixel and
    /// the result to whole 8-bit values before normalising.
    /// </summary>
    public static void WarpToTensor(RgbImage image, AffineTransform transform, PixelNormalization norm, Span<float> chw)
    {
        const int plane = Size * Size;
        if (chw.Length < plane * 3)
        {
            throw new ArgumentException("Tensor buffer too small.", nameof(chw));
        }

        Span<byte> rgb = stackalloc byte[3];
        AffineTransform inverse = transform.Invert();
        int c0 = norm.Bgr ? 2 : 0, c2 = norm.Bgr ? 0 : 2;
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                Sample(image, inverse, x, y, rgb);
                int o = (y * Size) + x;
                chw[(c0 * plane) + o] = norm.Apply(rgb[0]);
                chw[plane + o] = norm.Apply(rgb[1]);
                chw[(c2 * plane) + o] = norm.Apply(rgb[2]);
            }
        }
    }

    /// <summary>The aligned 112x112 crop as an image, for inspection and thumbnails.</summary>
    public static RgbImage WarpToImage(RgbImage image, AffineTransform transform)
    {
        var pixels = new byte[Size * Size * 3];
        AffineTransform inverse = transform.Invert();
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                Sample(image, inverse, x, y, pixels.AsSpan(((y * Size) + x) * 3, 3));
            }
        }

        return new RgbImage(Size, Size, pixels);
    }

    private static void Sample(RgbImage image, AffineTransform inverse, int x, int y, Span<byte> rgb)
    {
        const int tab = 32;
        (double fxs, double fys) = inverse.Apply(x, y);
        long qx = (long)Math.Round(fxs * tab), qy = (long)Math.Round(fys * tab);
        long x0 = qx >> 5, y0 = qy >> 5; // arithmetic shift == floor for the quantised coordinate
        float fx = (qx & (tab - 1)) / (float)tab, fy = (qy & (tab - 1)) / (float)tab;
        int w = image.Width, h = image.Height;
        byte[] src = image.Pixels;
        for (int ch = 0; ch < 3; ch++)
        {
            float p00 = Pixel(src, w, h, x0, y0, ch), p01 = Pixel(src, w, h, x0 + 1, y0, ch);
            float p10 = Pixel(src, w, h, x0, y0 + 1, ch), p11 = Pixel(src, w, h, x0 + 1, y0 + 1, ch);
            float top = p00 + ((p01 - p00) * fx), bottom = p10 + ((p11 - p10) * fx);
            float v = top + ((bottom - top) * fy);
            rgb[ch] = (byte)Math.Clamp(MathF.Round(v, MidpointRounding.AwayFromZero), 0, 255);
        }
    }

    private static float Pixel(byte[] src, int w, int h, long x, long y, int ch) =>
        x < 0 || y < 0 || x >= w || y >= h ? 0f : src[(((y * w) + x) * 3) + ch];
}
