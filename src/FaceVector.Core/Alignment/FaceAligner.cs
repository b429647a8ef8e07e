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
    public const int Size = FaceQuality.AlignedSize;

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
    /// Bit-exact with cv2.warpAffine(INTER_LINEAR, BORDER_CONSTANT 0) on 8-bit images: sample positions in 1/32 pixel
    /// fixed point, integer bilinear weights, rounded 8-bit result. The int8 recognizer is sensitive enough that
    /// float interpolation alone (off by one level on a few pixels) moves embeddings by ~0.003 cosine.
    /// </summary>
    public static void WarpToTensor(RgbImage image, AffineTransform transform, PixelNormalization norm, Span<float> chw)
    {
        const int plane = Size * Size;
        if (chw.Length < plane * 3)
        {
            throw new ArgumentException("Tensor buffer too small.", nameof(chw));
        }

        Span<byte> crop = stackalloc byte[plane * 3];
        Warp(image, transform, crop);
        int c0 = norm.Bgr ? 2 : 0, c2 = norm.Bgr ? 0 : 2;
        for (int o = 0; o < plane; o++)
        {
            chw[(c0 * plane) + o] = norm.Apply(crop[o * 3]);
            chw[plane + o] = norm.Apply(crop[(o * 3) + 1]);
            chw[(c2 * plane) + o] = norm.Apply(crop[(o * 3) + 2]);
        }
    }

    /// <summary>The aligned 112x112 crop as an image, for inspection and thumbnails.</summary>
    public static RgbImage WarpToImage(RgbImage image, AffineTransform transform)
    {
        var pixels = new byte[Size * Size * 3];
        Warp(image, transform, pixels);
        return new RgbImage(Size, Size, pixels);
    }

    private static void Warp(RgbImage image, AffineTransform transform, Span<byte> rgb)
    {
        const int abBits = 10, abScale = 1 << abBits, interBits = 5, tab = 1 << interBits;
        const int roundDelta = abScale / tab / 2;
        AffineTransform m = transform.Invert();
        int w = image.Width, h = image.Height;
        byte[] src = image.Pixels;
        Span<int> adeltaX = stackalloc int[Size];
        Span<int> adeltaY = stackalloc int[Size];
        for (int x = 0; x < Size; x++)
        {
            adeltaX[x] = RoundToInt(m.A * x * abScale);
            adeltaY[x] = RoundToInt(m.D * x * abScale);
        }

        for (int y = 0; y < Size; y++)
        {
            int x0 = RoundToInt(((m.B * y) + m.C) * abScale) + roundDelta;
            int y0 = RoundToInt(((m.E * y) + m.F) * abScale) + roundDelta;
            for (int x = 0; x < Size; x++)
            {
                int qx = (x0 + adeltaX[x]) >> (abBits - interBits);
                int qy = (y0 + adeltaY[x]) >> (abBits - interBits);
                int sx = qx >> interBits, sy = qy >> interBits;
                int fx = qx & (tab - 1), fy = qy & (tab - 1);
                int w00 = (tab - fx) * (tab - fy), w01 = fx * (tab - fy), w10 = (tab - fx) * fy, w11 = fx * fy;
                int o = ((y * Size) + x) * 3;
                for (int ch = 0; ch < 3; ch++)
                {
                    int sum = (Pixel(src, w, h, sx, sy, ch) * w00) + (Pixel(src, w, h, sx + 1, sy, ch) * w01)
                            + (Pixel(src, w, h, sx, sy + 1, ch) * w10) + (Pixel(src, w, h, sx + 1, sy + 1, ch) * w11);
                    // Weights sum to 1024: round half up, as cv2's fixed-point remap does.
                    rgb[o + ch] = (byte)Math.Clamp((sum + 512) >> 10, 0, 255);
                }
            }
        }
    }

    // cv2's saturate_cast<int>(double): round half to even.
    private static int RoundToInt(double v) => (int)Math.Clamp(Math.Round(v), int.MinValue, int.MaxValue);

    private static int Pixel(byte[] src, int w, int h, int x, int y, int ch) =>
        x < 0 || y < 0 || x >= w || y >= h ? 0 : src[(((y * w) + x) * 3) + ch];
}
