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

    /// <summary>Square detector input (letterbox side) in pixels.</summary>
    public int DetectionSize { get; init; } = 640;

    /// <summary>Minimum detector score; null keeps the detector family's default (SCRFD 0.5, YuNet 0.7).</summary>
    public float? DetectionThreshold { get; init; }

    /// <summary>Faces whose box's shorter side is below this many pixels are dropped (0 keeps all).</summary>
    public float MinFaceSize { get; init; }

    /// <summary>
    /// Pad the image by half its size on every side and detect again (tight crops) when nothing is found, or when a
    /// small image (both sides within <see cref="DetectionSize"/>) shows only faces smaller than half its shorter side.
    /// </summary>
    public bool PadAndRetry { get; init; } = true;

    public ImageLoaderOptions Loader { get; init; } = new();

    public OnnxRuntimeOptions Runtime { get; init; } = OnnxRuntimeOptions.Default;

    /// <summary>Detector candidates tried in order when <see cref="Detector"/> is null.</summary>
    public static IReadOnlyList<string> DefaultDetectors { get; } = [ModelCatalog.DefaultDetector, "det_500m.onnx", "det_10g.onnx", "det_2.5g.onnx"];

    /// <summary>Recognizer candidates tried in order when <see cref="Recognizer"/> is null.</summary>
    public static IReadOnlyList<string> DefaultRecognizers { get; } = [ModelCatalog.DefaultRecognizer, "w600k_mbf.onnx", "w600k_r50.onnx"];
}
