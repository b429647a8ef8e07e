using FaceVector.Core.Detection;
using FaceVector.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceVector.Cli.Eval;

/// <summary>
/// Small JPEG <c>data:</c> URIs for the HTML report, so it stays one self-contained file. Images are decoded with the
/// analyzer's loader (EXIF-rotated like the detector saw them), so the face boxes line up.
/// </summary>
internal sealed class Thumbnails(ImageLoader loader, IReadOnlyDictionary<string, BoundingBox> faceBoxes, int size = 96)
{
    /// <summary>The face (with some context) when its box is known, else the whole image; null when unreadable.</summary>
    public string? DataUri(string path)
    {
        try
        {
            RgbImage image = loader.Load(path).Image;
            using var picture = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
            if (faceBoxes.TryGetValue(path, out BoundingBox box))
            {
                picture.Mutate(p => p.Crop(Around(box, image.Width, image.Height)));
            }

            picture.Mutate(p => p.Resize(new ResizeOptions { Size = new Size(size, size), Mode = ResizeMode.Max }));
            using var bytes = new MemoryStream();
            picture.SaveAsJpeg(bytes, new JpegEncoder { Quality = 75 });
            return "data:image/jpeg;base64," + Convert.ToBase64String(bytes.ToArray());
        }
        catch (Exception ex) when (ex is ImageLoadException or IOException or ImageProcessingException)
        {
            return null;
        }
    }

    // The box grown by a quarter on each side (hair, chin), clipped to the image.
    private static Rectangle Around(BoundingBox box, int width, int height)
    {
        float mx = (box.X2 - box.X1) / 4, my = (box.Y2 - box.Y1) / 4;
        int x1 = Math.Clamp((int)(box.X1 - mx), 0, width - 1), y1 = Math.Clamp((int)(box.Y1 - my), 0, height - 1);
        int x2 = Math.Clamp((int)MathF.Ceiling(box.X2 + mx), x1 + 1, width), y2 = Math.Clamp((int)MathF.Ceiling(box.Y2 + my), y1 + 1, height);
        return Rectangle.FromLTRB(x1, y1, x2, y2);
    }
}
