namespace FaceVector.Core.Detection;

/// <summary>Greedy non-maximum suppression, highest score first.</summary>
internal static class NonMaxSuppression
{
    /// <param name="pixelInclusive">
    /// Count box sides as inclusive pixels (+1), as insightface's SCRFD code does; YuNet's reference does not.
    /// </param>
    public static List<FaceDetection> Apply(List<FaceDetection> candidates, float iouThreshold, bool pixelInclusive)
    {
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        float one = pixelInclusive ? 1f : 0f;
        var kept = new List<FaceDetection>();
        var suppressed = new bool[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
        {
            if (suppressed[i])
            {
                continue;
            }

            BoundingBox a = candidates[i].Box;
            kept.Add(candidates[i]);
            float areaA = (a.X2 - a.X1 + one) * (a.Y2 - a.Y1 + one);
            for (int j = i + 1; j < candidates.Count; j++)
            {
                if (suppressed[j])
                {
                    continue;
                }

                BoundingBox b = candidates[j].Box;
                float w = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1) + one);
                float h = Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1) + one);
                float inter = w * h;
                float areaB = (b.X2 - b.X1 + one) * (b.Y2 - b.Y1 + one);
                if (inter / (areaA + areaB - inter) > iouThreshold)
                {
                    suppressed[j] = true;
                }
            }
        }

        return kept;
    }
}
