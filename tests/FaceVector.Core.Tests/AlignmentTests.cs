using FaceVector.Core.Alignment;
using FaceVector.Core.Imaging;

namespace FaceVector.Core.Tests;

public sealed class AlignmentTests
{
    [Fact]
    public void Template_maps_onto_itself()
    {
        AffineTransform m = FaceAligner.Estimate(FaceAligner.Template);
        Assert.Equal(1, m.A, 6);
        Assert.Equal(0, m.B, 6);
        Assert.Equal(0, m.C, 4);
        Assert.Equal(0, m.F, 4);
    }

    [Fact]
    public void Recovers_a_known_similarity_transform()
    {
        // Template points rotated by 20 degrees, scaled by 2.5 and moved: the inverse must come back exactly.
        double angle = 20 * Math.PI / 180, s = 2.5;
        float[] src = new float[10];
        for (int i = 0; i < 5; i++)
        {
            double x = FaceAligner.Template[2 * i], y = FaceAligner.Template[(2 * i) + 1];
            src[2 * i] = (float)((s * ((Math.Cos(angle) * x) - (Math.Sin(angle) * y))) + 300);
            src[(2 * i) + 1] = (float)((s * ((Math.Sin(angle) * x) + (Math.Cos(angle) * y))) + 120);
        }

        AffineTransform m = FaceAligner.Estimate(src);
        Assert.Equal(1 / s, m.Scale, 4);
        for (int i = 0; i < 5; i++)
        {
            (double x, double y) = m.Apply(src[2 * i], src[(2 * i) + 1]);
            Assert.Equal(FaceAligner.Template[2 * i], x, 2);
            Assert.Equal(FaceAligner.Template[(2 * i) + 1], y, 2);
        }
    }

    [Fact]
    public void Never_reflects_even_for_mirrored_keypoints()
    {
        // Left and right swapped (a mirrored face): the best similarity is still a rotation, never a reflection.
        float[] mirrored = new float[10];
        for (int i = 0; i < 5; i++)
        {
            mirrored[2 * i] = 112 - FaceAligner.Template[2 * i];
            mirrored[(2 * i) + 1] = FaceAligner.Template[(2 * i) + 1];
        }

        AffineTransform m = FaceAligner.Estimate(mirrored);
        double det = (m.A * m.E) - (m.B * m.D);
        Assert.True(det > 0, $"determinant {det} <= 0 means a reflection");
    }

    [Fact]
    public void Warp_puts_marked_keypoints_on_the_template()
    {
        // A grey 400x300 image with white dots at known keypoints; after alignment each dot must sit on its template point.
        const int w = 400, h = 300;
        var pixels = new byte[w * h * 3];
        Array.Fill(pixels, (byte)40);
        float[] kps = [150, 120, 230, 118, 190, 165, 160, 210, 225, 208];
        for (int k = 0; k < 5; k++)
        {
            for (int dy = -2; dy <= 2; dy++)
            {
                for (int dx = -2; dx <= 2; dx++)
                {
                    int o = ((((int)kps[(2 * k) + 1] + dy) * w) + (int)kps[2 * k] + dx) * 3;
                    pixels[o] = pixels[o + 1] = pixels[o + 2] = 255;
                }
            }
        }

        RgbImage crop = FaceAligner.WarpToImage(new RgbImage(w, h, pixels), FaceAligner.Estimate(kps));
        for (int k = 0; k < 5; k++)
        {
            int x = (int)Math.Round(FaceAligner.Template[2 * k]), y = (int)Math.Round(FaceAligner.Template[(2 * k) + 1]);
            Assert.True(crop.Pixels[((y * 112) + x) * 3] > 200, $"keypoint {k} not at template ({x},{y})");
        }
    }

    [Fact]
    public void Pixels_outside_the_image_are_black()
    {
        var image = new RgbImage(10, 10, Enumerable.Repeat((byte)200, 300).ToArray());
        // Keypoints spread far beyond a tiny image: most of the crop samples outside it.
        RgbImage crop = FaceAligner.WarpToImage(image, FaceAligner.Estimate([1, 1, 3, 1, 2, 2, 1, 3, 3, 3]));
        Assert.Equal(0, crop.Pixels[0]);
    }
}
