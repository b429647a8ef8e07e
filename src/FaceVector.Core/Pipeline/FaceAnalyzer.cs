using System.Diagnostics;
using FaceVector.Core.Alignment;
using FaceVector.Core.Detection;
using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using FaceVector.Core.Recognition;

namespace FaceVector.Core.Pipeline;

/// <summary>
/// The whole path from an image to embedded faces: decode, detect (with pad-and-retry for tight crops), align and
/// embed. Sessions are created once; <see cref="Analyze(string, bool)"/> is safe to call from many threads at once,
/// which is how throughput is gained (one image per core).
/// </summary>
public sealed class FaceAnalyzer : IDisposable
{
    private readonly IFaceDetector _detector;
    private readonly ArcFaceEmbedder _embedder;

    public FaceAnalyzer(FaceAnalyzerOptions? options = null)
    {
        Options = options ?? new FaceAnalyzerOptions();
        Loader = new ImageLoader(Options.Loader);
        DetectorPath = Options.Detector is null ? Options.Models.LocateFirst(FaceAnalyzerOptions.DefaultDetectors) : Options.Models.Locate(Options.Detector);
        RecognizerPath = Options.Recognizer is null ? Options.Models.LocateFirst(FaceAnalyzerOptions.DefaultRecognizers) : Options.Models.Locate(Options.Recognizer);
        _detector = ModelCatalog.DetectorFamilyOf(DetectorPath) switch
        {
            DetectorFamily.YuNet => new YuNetDetector(DetectorPath, new YuNetOptions(ScoreThreshold: Options.DetectionThreshold ?? 0.7f), Options.Runtime),
            _ => new ScrfdDetector(DetectorPath, new ScrfdOptions(Options.DetectionSize, Options.DetectionThreshold ?? 0.5f), Options.Runtime),
        };
        try
        {
            _embedder = new ArcFaceEmbedder(RecognizerPath, runtime: Options.Runtime);
        }
        catch
        {
            _detector.Dispose();
            throw;
        }

        ExecutionProvider = _embedder.ExecutionProvider;
    }

    public FaceAnalyzerOptions Options { get; }

    public ImageLoader Loader { get; }

    public string DetectorPath { get; }

    public string RecognizerPath { get; }

    /// <summary>Identity of the recognizer: stored with every vector.</summary>
    public string ModelId => _embedder.ModelId;

    public int EmbeddingDimension => _embedder.Dimension;

    public string ExecutionProvider { get; }

    /// <summary>The recognizer's recommended match threshold (cosine similarity).</summary>
    public float RecommendedThreshold => ModelCatalog.RecommendedThreshold(RecognizerPath);

    /// <summary>Decodes and analyses a file. Throws <see cref="ImageLoadException"/> for unusable files.</summary>
    public ImageFaces Analyze(string path, bool embed = true)
    {
        long t0 = Stopwatch.GetTimestamp();
        byte[] bytes = Loader.ReadFile(path);
        LoadedImage loaded = Loader.Decode(bytes, path, out IDisposable lease);
        using (lease)
        {
            return Analyze(loaded, path, embed, Stopwatch.GetElapsedTime(t0));
        }
    }

    /// <summary>Decodes and analyses image bytes; <paramref name="source"/> names them in errors and results.</summary>
    public ImageFaces Analyze(byte[] bytes, string source, bool embed = true)
    {
        long t0 = Stopwatch.GetTimestamp();
        // The decode budget is held until detection and alignment are done with the pixels.
        LoadedImage loaded = Loader.Decode(bytes, source, out IDisposable lease);
        using (lease)
        {
            return Analyze(loaded, source, embed, Stopwatch.GetElapsedTime(t0));
        }
    }

    public ImageFaces Analyze(LoadedImage loaded, string source, bool embed = true, TimeSpan decodeTime = default)
    {
        long t1 = Stopwatch.GetTimestamp();
        (IReadOnlyList<FaceDetection> detections, bool retried) = Detect(loaded.Image);
        TimeSpan detect = Stopwatch.GetElapsedTime(t1);

        TimeSpan align = TimeSpan.Zero, embedTime = TimeSpan.Zero;
        float[][]? embeddings = null;
        float[]? sharpness = null;
        if (embed && detections.Count > 0)
        {
            long t2 = Stopwatch.GetTimestamp();
            AlignedFaces aligned = _embedder.Align(loaded.Image, detections);
            sharpness = new float[detections.Count];
            for (int i = 0; i < sharpness.Length; i++)
            {
                sharpness[i] = FaceQuality.Sharpness(aligned.Face(i), _embedder.Options.InputMean, _embedder.Options.InputStd);
            }

            align = Stopwatch.GetElapsedTime(t2);
            long t3 = Stopwatch.GetTimestamp();
            embeddings = _embedder.Embed(aligned);
            embedTime = Stopwatch.GetElapsedTime(t3);
        }

        var faces = new Face[detections.Count];
        for (int i = 0; i < faces.Length; i++)
        {
            FaceDetection d = detections[i];
            faces[i] = new Face(i, d.Box, d.Score, d.Keypoints, embeddings?[i]) { Sharpness = sharpness?[i] };
        }

        return new ImageFaces(source, loaded.Image.Width, loaded.Image.Height, loaded.Format, loaded.Sha256, faces,
            new StageTimings(decodeTime, detect, align, embedTime), retried);
    }

    /// <summary>Detected faces above the minimum size, sorted by descending score.</summary>
    public (IReadOnlyList<FaceDetection> Faces, bool Retried) Detect(RgbImage image)
    {
        List<FaceDetection> found = Filter(_detector.Detect(image));
        if (!Options.PadAndRetry || !MayHideFrameFillingFace(image, found))
        {
            return (found, false);
        }

        // A face that fills the frame (a tight crop, a profile picture) is often missed, while a small background face
        // in the same photo is found. Give the detector context and look again; keep what the first pass found too.
        int pad = Math.Max(image.Width, image.Height) / 2;
        if ((long)(image.Width + (2 * pad)) * (image.Height + (2 * pad)) > Options.Loader.MaxPixels * 4)
        {
            return (found, false);
        }

        List<FaceDetection> padded = Filter([.. _detector.Detect(image.Pad(pad)).Select(f => f.Offset(-pad, -pad))]);
        var added = padded.Where(p => found.All(f => Overlap(f.Box, p.Box) < 0.4f)).ToList();
        if (added.Count == 0)
        {
            return (found, false);
        }

        found.AddRange(added);
        found.Sort((a, b) => b.Score.CompareTo(a.Score));
        return (found, true);
    }

    /// <summary>
    /// Worth a padded second look: nothing was found, or the image is small enough to be upscaled by the letterbox
    /// (where frame-filling faces get lost) and every face found is small against the frame.
    /// </summary>
    private bool MayHideFrameFillingFace(RgbImage image, List<FaceDetection> found)
    {
        if (found.Count == 0)
        {
            return true;
        }

        int shorter = Math.Min(image.Width, image.Height);
        return Math.Max(image.Width, image.Height) <= Options.DetectionSize && found.Max(f => f.Box.MinSide) < shorter / 2f;
    }

    private static float Overlap(BoundingBox a, BoundingBox b)
    {
        float w = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1));
        float h = Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        float inter = w * h;
        return inter / (a.Area + b.Area - inter);
    }

    private List<FaceDetection> Filter(IReadOnlyList<FaceDetection> faces) =>
        [.. faces.Where(f => f.Box.MinSide >= Options.MinFaceSize)];

    /// <summary>Embeds already-detected faces of a decoded image (used when a caller picks faces itself).</summary>
    public float[][] Embed(RgbImage image, IReadOnlyList<FaceDetection> faces) => _embedder.Embed(image, faces);

    public void Dispose()
    {
        _detector.Dispose();
        _embedder.Dispose();
    }
}
