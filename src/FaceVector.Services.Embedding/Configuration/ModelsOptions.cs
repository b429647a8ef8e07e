using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;

namespace FaceVector.Services.Configuration;

/// <summary>Which models the embedding service loads and how (section <c>FaceVector:Models</c>).</summary>
public sealed class ModelsOptions
{
    public const string Section = "FaceVector:Models";

    /// <summary>Model directory; unset: FACEVECTOR_MODELS, else the per-user cache.</summary>
    public string? Directory { get; set; }

    public string? Detector { get; set; }

    public string? Recognizer { get; set; }

    public float MinFaceSize { get; set; }

    /// <summary>Images with more pixels are refused before decoding.</summary>
    public long MaxPixels { get; set; } = 50_000_000;

    public int IntraOpThreads { get; set; } = 1;

    /// <summary>ONNX Runtime execution provider: cpu or cuda.</summary>
    public string Provider { get; set; } = "cpu";

    public FaceAnalyzerOptions ToAnalyzerOptions(long maxFileBytes) => new()
    {
        Models = ModelDirectory.Resolve(Directory),
        Detector = Detector,
        Recognizer = Recognizer,
        MinFaceSize = MinFaceSize,
        Loader = new ImageLoaderOptions(MaxPixels, maxFileBytes),
        Runtime = new OnnxRuntimeOptions(IntraOpThreads, Provider),
    };
}

/// <summary>Bounds on model runs (section <c>FaceVector:Inference</c>).</summary>
public sealed class InferenceOptions
{
    public const string Section = "FaceVector:Inference";

    /// <summary>Images analysed at once; 0: one per core.</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>Calls allowed to wait for a slot; beyond that RESOURCE_EXHAUSTED at once. Unset: twice the concurrency.</summary>
    public int? MaxQueue { get; set; }

    public int EffectiveConcurrency => MaxConcurrency > 0 ? MaxConcurrency : Environment.ProcessorCount;

    public int EffectiveQueue => Math.Max(0, MaxQueue ?? (2 * EffectiveConcurrency));
}
