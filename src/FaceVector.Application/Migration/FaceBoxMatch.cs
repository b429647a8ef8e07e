using FaceVector.Core.Detection;
using FaceVector.Index;

namespace FaceVector.Application.Migration;

/// <summary>The one rule for finding a stored face again among new detections: the best IoU with its stored box, at least <see cref="MinIoU"/>.</summary>
public static class FaceBoxMatch
{
    public const float MinIoU = 0.5f;

    /// <summary>Index of the detection that is the stored face, or -1.</summary>
    public static int Find(FaceBox stored, IReadOnlyList<BoundingBox> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        var box = new BoundingBox(stored.X1, stored.Y1, stored.X2, stored.Y2);
        int best = -1;
        float bestIoU = MinIoU;
        for (int i = 0; i < detections.Count; i++)
        {
            float iou = IoU(box, detections[i]);
            if (iou >= bestIoU)
            {
                best = i;
                bestIoU = iou;
            }
        }

        return best;
    }

    public static float IoU(BoundingBox a, BoundingBox b)
    {
        float w = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1));
        float h = Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        float inter = w * h;
        float union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }
}
