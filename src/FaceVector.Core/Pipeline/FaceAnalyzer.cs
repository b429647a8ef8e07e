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
        if (Options.Recognizer is null && !string.Equals(Path.GetFileName(RecognizerPath), ModelCatalog.DefaultRecognizer, StringComparison.OrdinalIgnoreCase))
        {
            // Packs from 'models pull' carry insightface's own recognizer, not the dequantized default.
            OnnxSessionFactory.Warning($"note: the default recognizer {ModelCatalog.DefaultRecognizer} is not in {Options.Models.Path}; using {Path.GetRelativePath(Options.Models.Path, RecognizerPath)} instead (its vectors are a different model: collections made with one refuse the other)");
        }

        _detector = ModelCatalog.DetectorFamilyOf(DetectorPath) switch
        {
            DetectorFamily.YuNet => new YuNetDetector(DetectorPath, new YuNetOptions(ScoreThreshold: Options.DetectionThreshold ?? 0.7f), Options.Runtime),
            _ => new ScrfdDetector(DetectorPath, new ScrfdOptions(Options.DetectionSize, Options.DetectionThreshold ?? 0.5f, FitToPhoto: Options.DetectionSizing == DetectionSizing.PerPhoto), Options.Runtime),
        };
        try
        {
            _embedder = new ArcFaceEmbedder(RecognizerPath, new ArcFaceOptions(Flip: Options.Flip), Options.Runtime);
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

    /// <summary>Faces per recognizer run: 1 when the recognizer's output depends on its batch-mates (see <see cref="ArcFaceEmbedder.BatchSize"/>).</summary>
    public int EmbeddingBatchSize => _embedder.BatchSize;

    /// <summary>Time inside detector and recognizer runs since load (not counting YuNet): the model-only work.</summary>
    public TimeSpan ModelTime => ((_detector as ScrfdDetector)?.ModelTime ?? TimeSpan.Zero) + _embedder.ModelTime;

    /// <summary>CPU time of detector and recognizer runs since load (zero where the thread CPU clock is unavailable).</summary>
    public TimeSpan ModelCpuTime => ((_detector as ScrfdDetector)?.ModelCpuTime ?? TimeSpan.Zero) + _embedder.ModelCpuTime;

    /// <summary>The load-time graph rewrites tried on the detector and the recognizer.</summary>
    public IReadOnlyList<Models.Graph.GraphRewriteResult> Rewrites =>
        [.. (_detector as ScrfdDetector)?.Rewrites ?? (_detector as YuNetDetector)?.Rewrites ?? [], .. _embedder.Rewrites];

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
        using PreparedImage prepared = Prepare(loaded, source, embed, decodeTime);
        if (prepared.Aligned is null)
        {
            return prepared.Complete(null, TimeSpan.Zero);
        }

        long t3 = Stopwatch.GetTimestamp();
        float[][] embeddings = _embedder.Embed(prepared.Aligned);
        return prepared.Complete(embeddings, Stopwatch.GetElapsedTime(t3));
    }

    /// <summary>
    /// Detects and aligns (the part of <see cref="Analyze(LoadedImage, string, bool, TimeSpan)"/> before the recognizer),
    /// so a caller can embed the faces of several photos in one batch (<see cref="EmbedBatch"/>).
    /// </summary>
    public PreparedImage Prepare(LoadedImage loaded, string source, bool embed = true, TimeSpan decodeTime = default)
    {
        long t1 = Stopwatch.GetTimestamp();
        (IReadOnlyList<FaceDetection> detections, bool retried) = Detect(loaded.Image);
        TimeSpan detect = Stopwatch.GetElapsedTime(t1);

        TimeSpan align = TimeSpan.Zero;
        AlignedFaces? aligned = null;
        float[]? sharpness = null;
        if (embed && detections.Count > 0)
        {
            long t2 = Stopwatch.GetTimestamp();
            aligned = _embedder.Align(loaded.Image, detections);
            sharpness = new float[detections.Count];
            for (int i = 0; i < sharpness.Length; i++)
            {
                sharpness[i] = FaceQuality.Sharpness(aligned.Face(i), _embedder.Options.InputMean, _embedder.Options.InputStd);
            }

            align = Stopwatch.GetElapsedTime(t2);
        }

        return new PreparedImage(source, loaded, detections, retried, aligned, sharpness, new StageTimings(decodeTime, detect, align, TimeSpan.Zero));
    }

    /// <summary>
    /// Embeds the faces of several prepared photos in shared recognizer runs (the recognizer is batch-invariant, so a
    /// face's vector does not depend on its batch-mates) and completes each photo; the batch time is shared out per face.
    /// </summary>
    public IReadOnlyList<ImageFaces> EmbedBatch(IReadOnlyList<PreparedImage> photos)
    {
        List<AlignedFaces> aligned = [.. photos.Where(p => p.Aligned is not null).Select(p => p.Aligned!)];
        long t0 = Stopwatch.GetTimestamp();
        float[][][] embeddings = _embedder.Embed(aligned);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(t0);
        int total = Math.Max(1, aligned.Sum(a => a.Count));
        var results = new ImageFaces[photos.Count];
        int k = 0;
        for (int i = 0; i < photos.Count; i++)
        {
            PreparedImage p = photos[i];
            results[i] = p.Aligned is null
                ? p.Complete(null, TimeSpan.Zero)
                : p.Complete(embeddings[k++], elapsed * p.Aligned.Count / total);
        }

        return results;
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

        if (Options.DetectionSizing == DetectionSizing.PerPhoto && _detector is ScrfdDetector)
        {
            // The second reason to look again is the upscaling letterbox, and a photo is never upscaled here.
            return false;
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
