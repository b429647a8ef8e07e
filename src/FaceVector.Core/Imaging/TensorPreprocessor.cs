namespace FaceVector.Core.Imaging;

/// <summary>Channel order and normalisation a model expects: value = (pixel - Mean) / Std.</summary>
public readonly record struct PixelNormalization(float Mean, float Std, bool Bgr)
{
    public float Apply(byte value) => (value - Mean) / Std;
}

/// <summary>
/// Writes images into NCHW float tensors. The resize is OpenCV's INTER_LINEAR (half-pixel centres, 2x2 taps,
/// no anti-aliasing), because the detectors were trained and are run by insightface through cv2.resize:
/// other filters shift keypoints and therefore embeddings.
/// </summary>
public static class TensorPreprocessor
{
    /// <summary>
    /// Resizes <paramref name="image"/> to fit inside <paramref name="width"/>x<paramref name="height"/> keeping its
    /// aspect ratio, places it top-left and fills the rest with pixel value 0 (as insightface does), writing a
    /// [3,height,width] plane into <paramref name="chw"/>. Returns the scale (resized / original).
    /// </summary>
    public static float Letterbox(RgbImage image, int width, int height, PixelNormalization norm, Span<float> chw)
    {
        int plane = width * height;
        if (chw.Length < plane * 3)
        {
            throw new ArgumentException("Tensor buffer too small.", nameof(chw));
        }

        // Same arithmetic as insightface's SCRFD.detect: fit by the limiting side, truncate to int.
        float imageRatio = (float)image.Height / image.Width;
        float modelRatio = (float)height / width;
        int newW, newH;
        if (imageRatio > modelRatio)
        {
            newH = height;
            newW = Math.Max(1, (int)(newH / imageRatio));
        }
        else
        {
            newW = width;
            newH = Math.Max(1, (int)(newW * imageRatio));
        }

        float scale = (float)newH / image.Height;
        float padValue = norm.Apply(0);
        chw[..(plane * 3)].Fill(padValue);
        ResizeBilinear(image, newW, newH, width, norm, chw, plane);
        return scale;
    }

    /// <summary>
    /// Resizes <paramref name="image"/> to exactly <paramref name="resizedWidth"/>x<paramref name="resizedHeight"/>
    /// (1:1 when that is its own size), places it top-left in a <paramref name="width"/>x<paramref name="height"/>
    /// plane filled with pixel value 0. Returns the vertical scale (resized / original), as the square letterbox does.
    /// </summary>
    public static float Letterbox(RgbImage image, int resizedWidth, int resizedHeight, int width, int height, PixelNormalization norm, Span<float> chw)
    {
        int plane = width * height;
        if (chw.Length < plane * 3 || resizedWidth > width || resizedHeight > height)
        {
            throw new ArgumentException("Tensor buffer too small.", nameof(chw));
        }

        chw[..(plane * 3)].Fill(norm.Apply(0));
        ResizeBilinear(image, resizedWidth, resizedHeight, width, norm, chw, plane);
        return (float)resizedHeight / image.Height;
    }

    private static void ResizeBilinear(RgbImage image, int newW, int newH, int stride, PixelNormalization norm, Span<float> chw, int plane)
    {
        int srcW = image.Width, srcH = image.Height;
        byte[] src = image.Pixels;
        double scaleX = (double)srcW / newW, scaleY = (double)srcH / newH;

        // Horizontal taps are the same for every row: compute them once.
        var x0 = new int[newW];
        var wx = new float[newW];
        for (int dx = 0; dx < newW; dx++)
        {
            (x0[dx], wx[dx]) = Tap(dx, scaleX, srcW);
        }

        int c0 = norm.Bgr ? 2 : 0, c2 = norm.Bgr ? 0 : 2;
        float inv = 1f / norm.Std;
        float mean = norm.Mean;
        for (int dy = 0; dy < newH; dy++)
        {
            (int sy, float fy) = Tap(dy, scaleY, srcH);
            int sy1 = Math.Min(sy + 1, srcH - 1);
            int row0 = sy * srcW * 3, row1 = sy1 * srcW * 3;
            int outRow = dy * stride;
            for (int dx = 0; dx < newW; dx++)
            {
                int sx = x0[dx];
                int sx1 = Math.Min(sx + 1, srcW - 1);
                float fx = wx[dx];
                int a = row0 + (sx * 3), b = row0 + (sx1 * 3), c = row1 + (sx * 3), d = row1 + (sx1 * 3);
                for (int ch = 0; ch < 3; ch++)
                {
                    float top = src[a + ch] + ((src[b + ch] - src[a + ch]) * fx);
                    float bottom = src[c + ch] + ((src[d + ch] - src[c + ch]) * fx);
                    float v = top + ((bottom - top) * fy);
                    // cv2 produces uint8: round before normalising so values match its output.
                    float rounded = MathF.Round(v, MidpointRounding.AwayFromZero);
                    int outCh = ch == 0 ? c0 : ch == 2 ? c2 : 1;
                    chw[(outCh * plane) + outRow + dx] = (rounded - mean) * inv;
                }
            }
        }
    }

    // OpenCV INTER_LINEAR source coordinate: half-pixel centres, clamped at the borders.
    private static (int Index, float Weight) Tap(int dst, double scale, int srcSize)
    {
        double f = ((dst + 0.5) * scale) - 0.5;
        int i = (int)Math.Floor(f);
        float w = (float)(f - i);
        if (i < 0)
        {
            return (0, 0f);
        }

        if (i >= srcSize - 1)
        {
            return (srcSize - 1, 0f);
        }

        return (i, w);
    }
}
