using FaceVector.Core.Imaging;
using FaceVector.Core.Models;

namespace FaceVector.Core.Pipeline;

/// <summary>Everything that decides which faces come out of an image and how they are embedded.</summary>
public sealed record FaceAnalyzerOptions
{
    /// <summary>Model directory (see <see cref="ModelDirectory.Resolve"/>).</summary>
    public ModelDirectory Models { get; init; } = ModelDirectory.Resolve();

    /// <summary>Detector file name (looked up in <see cref="Models"/>) or path. Null: the default, or its pack equivalent.</summary>
    public string? Detector { get; init; }

    /// <summary>Recognizer file name or path. Null: the default, or its pack equivalent.</summary>
    public string? Recognizer { get; init; }

    /// <summary>Detector input side in pixels: the fixed square letterbox, or the most a photo is fed at (<see cref="DetectionSizing"/>).</summary>
    public int DetectionSize { get; init; } = 640;

    /// <summary>How the detector input is sized (SCRFD with dynamic input; YuNet is always fed 640×640).</summary>
    public DetectionSizing DetectionSizing { get; init; } = DetectionSizing.PerPhoto;

    /// <summary>Test-time flip: embed each face and its mirror image and sum (twice the recognizer work; a different model identity).</summary>
    public bool Flip { get; init; }

    /// <summary>Minimum detector score; null keeps the detector family's default (SCRFD 0.5, YuNet 0.7).</summary>
    public float? DetectionThreshold { get; init; }

    /// <summary>Faces whose box's shorter side is below this many pixels are dropped (0 keeps all).</summary>
    public float MinFaceSize { get; init; }

    /// <summary>
    /// Pad the image by half its size on every side and detect again (tight crops) when nothing is found, or, with the
    /// fixed letterbox, when a small image (both sides within <see cref="DetectionSize"/>, so upscaled) shows only faces
    /// smaller than half its shorter side.
    /// </summary>
    public bool PadAndRetry { get; init; } = true;

    public ImageLoaderOptions Loader { get; init; } = new();

    public OnnxRuntimeOptions Runtime { get; init; } = OnnxRuntimeOptions.Default;

    /// <summary>Detector candidates tried in order when <see cref="Detector"/> is null.</summary>
    public static IReadOnlyList<string> DefaultDetectors { get; } = [ModelCatalog.DefaultDetector, "det_500m.onnx", "det_10g.onnx", "det_2.5g.onnx"];

    /// <summary>Recognizer candidates tried in order when <see cref="Recognizer"/> is null.</summary>
    public static IReadOnlyList<string> DefaultRecognizers { get; } = [ModelCatalog.DefaultRecognizer, "w600k_mbf.onnx", "w600k_mbf_int8.onnx", "w600k_r50.onnx"];

    /// <summary>
    /// The pipeline before per-photo detection sizing, batching and graph rewrites (int8 recognizer, fixed 640 square):
    /// the baseline the pipeline benchmark measures against, and the configuration the insightface golden numbers pin.
    /// </summary>
    public FaceAnalyzerOptions AsBefore() => this with
    {
        Recognizer = Recognizer ?? "w600k_mbf_int8.onnx",
        DetectionSizing = DetectionSizing.Fixed,
        Runtime = Runtime with { GraphRewrites = false },
    };
}

/// <summary>How the detector's input size is chosen.</summary>
public enum DetectionSizing
{
    /// <summary>Every photo letterboxed into a <see cref="FaceAnalyzerOptions.DetectionSize"/> square (insightface's way).</summary>
    Fixed,

    /// <summary>A photo's own size (never enlarged, at most <see cref="FaceAnalyzerOptions.DetectionSize"/>), padded to multiples of 32.</summary>
    PerPhoto,
}
