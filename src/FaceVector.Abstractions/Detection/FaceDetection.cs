namespace FaceVector.Core.Detection;

/// <summary>Axis-aligned box in original image pixels (x1,y1 top-left; x2,y2 bottom-right).</summary>
public readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);
    public float CenterX => (X1 + X2) / 2;
    public float CenterY => (Y1 + Y2) / 2;

    /// <summary>The shorter side: what a minimum face size is compared with.</summary>
    public float MinSide => Math.Min(Width, Height);

    public BoundingBox Offset(float dx, float dy) => new(X1 + dx, Y1 + dy, X2 + dx, Y2 + dy);

    public float[] ToArray() => [X1, Y1, X2, Y2];
}

/// <summary>One face found by a detector.</summary>
/// <param name="Box">Face box in original image pixels.</param>
/// <param name="Score">Detector confidence, 0..1.</param>
/// <param name="Keypoints">Five points as x0,y0..x4,y4: eye on the image's left, other eye, nose tip, left and right mouth corner.</param>
public sealed record FaceDetection(BoundingBox Box, float Score, IReadOnlyList<float> Keypoints)
{
    public FaceDetection Offset(float dx, float dy)
    {
        var kps = new float[Keypoints.Count];
        for (int i = 0; i < kps.Length; i++)
        {
            kps[i] = Keypoints[i] + (i % 2 == 0 ? dx : dy);
        }

        return new FaceDetection(Box.Offset(dx, dy), Score, kps);
    }
}
