namespace FaceVector.Core.Alignment;

/// <summary>Cheap quality measures of a face, for ingest gates.</summary>
public static class FaceQuality
{
    /// <summary>Side of the aligned crop the recognizers take (FaceAligner.Size).</summary>
    public const int AlignedSize = 112;

    /// <summary>
    /// Variance of the Laplacian of the aligned 112x112 crop in grey levels (0..255): low means blurry.
    /// Sharp photos usually score in the hundreds; heavy blur or tiny upscaled faces score below ~30.
    /// </summary>
    /// <param name="alignedChw">One aligned face, [3,112,112], normalised as (pixel - mean) / std.</param>
    public static float Sharpness(ReadOnlySpan<float> alignedChw, float mean, float std)
    {
        const int n = AlignedSize, plane = n * n;
        Span<float> gray = stackalloc float[plane];
        for (int i = 0; i < plane; i++)
        {
            gray[i] = (((alignedChw[i] + alignedChw[plane + i] + alignedChw[(2 * plane) + i]) / 3f) * std) + mean;
        }

        double sum = 0, sumSq = 0;
        int count = 0;
        for (int y = 1; y < n - 1; y++)
        {
            for (int x = 1; x < n - 1; x++)
            {
                int o = (y * n) + x;
                float lap = gray[o - 1] + gray[o + 1] + gray[o - n] + gray[o + n] - (4 * gray[o]);
                sum += lap;
                sumSq += lap * lap;
                count++;
            }
        }

        double meanLap = sum / count;
        return (float)((sumSq / count) - (meanLap * meanLap));
    }

    /// <summary>
    /// Horizontal offset of the nose tip from the eyes' midpoint, in inter-eye distances: about 0 for a frontal face,
    /// beyond ~0.5 for a strong profile. Works from the five keypoints alone.
    /// </summary>
    public static float YawRatio(IReadOnlyList<float> keypoints)
    {
        float eyeMidX = (keypoints[0] + keypoints[2]) / 2, eyeMidY = (keypoints[1] + keypoints[3]) / 2;
        float eyeDist = MathF.Sqrt(((keypoints[2] - keypoints[0]) * (keypoints[2] - keypoints[0])) + ((keypoints[3] - keypoints[1]) * (keypoints[3] - keypoints[1])));
        if (eyeDist < 1e-3f)
        {
            return float.PositiveInfinity;
        }

        // Project the nose offset on the eye axis so in-plane rotation (a tilted head) does not count as yaw.
        float ux = (keypoints[2] - keypoints[0]) / eyeDist, uy = (keypoints[3] - keypoints[1]) / eyeDist;
        float along = ((keypoints[4] - eyeMidX) * ux) + ((keypoints[5] - eyeMidY) * uy);
        return along / eyeDist;
    }
}
