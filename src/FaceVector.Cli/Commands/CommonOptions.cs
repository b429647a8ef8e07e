using System.CommandLine;
using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;

namespace FaceVector.Cli.Commands;

/// <summary>Options shared by every command that runs the models, and how they become <see cref="FaceAnalyzerOptions"/>.</summary>
internal sealed class ModelOptions
{
    public Option<string?> Models { get; } = new("--models") { Description = $"Model directory (default: ${ModelDirectory.EnvironmentVariable}, else {ModelDirectory.DefaultCache()})" };
    public Option<string?> Detector { get; } = new("--detector") { Description = $"Detector file name or path (default {ModelCatalog.DefaultDetector}; also scrfd_det_2.5g.onnx, face_detection_yunet_2023mar.onnx)" };
    public Option<string?> Recognizer { get; } = new("--recognizer") { Description = $"Recognizer file name or path (default {ModelCatalog.DefaultRecognizer}); any insightface ArcFace ONNX" };
    public Option<float?> MinFace { get; } = new("--min-face") { Description = "Ignore faces whose box is smaller than this many pixels (shorter side); default 20 for search and index (index reports them as skipped), 0 elsewhere" };
    public Option<long> MaxPixels { get; } = new("--max-pixels") { Description = "Refuse images above this many pixels before decoding", DefaultValueFactory = _ => 50_000_000L };
    public Option<int> Threads { get; } = new("--threads") { Description = "Images processed at once (default: number of cores)", DefaultValueFactory = _ => 0 };
    public Option<int> IntraOpThreads { get; } = new("--intra-op-threads") { Description = "Threads inside one model run (default 1: parallelism comes from images)", DefaultValueFactory = _ => 1 };
    public Option<string> Provider { get; } = new("--provider") { Description = "ONNX Runtime execution provider: cpu or cuda", DefaultValueFactory = _ => "cpu" };
    public Option<int> DetectionSize { get; } = new("--detection-size") { Description = "Detector input side in pixels: the most a photo is fed at (a multiple of 32)", DefaultValueFactory = _ => 640 };
    public Option<DetectionSizing> DetectionSizing { get; } = new("--detection-sizing") { Description = "PerPhoto (default: a photo's own size, never enlarged, at most --detection-size) or Fixed (every photo letterboxed into the --detection-size square)", DefaultValueFactory = _ => Core.Pipeline.DetectionSizing.PerPhoto };
    public Option<bool> Flip { get; } = new("--flip") { Description = "Test-time flip: embed each face and its mirror image and sum (twice the recognizer work; vectors are a different model to collections)" };
    public Option<bool> NoGraphRewrites { get; } = new("--no-graph-rewrites") { Description = "Run the model files' graphs as they are (no load-time PRelu and head-merge rewrites)" };

    public void AddTo(Command command)
    {
        command.Add(Models);
        command.Add(Detector);
        command.Add(Recognizer);
        command.Add(MinFace);
        command.Add(MaxPixels);
        command.Add(Threads);
        command.Add(IntraOpThreads);
        command.Add(Provider);
        command.Add(DetectionSize);
        command.Add(DetectionSizing);
        command.Add(Flip);
        command.Add(NoGraphRewrites);
    }

    public FaceAnalyzerOptions ToAnalyzerOptions(ParseResult parse) => new()
    {
        Models = ModelDirectory.Resolve(parse.GetValue(Models)),
        Detector = parse.GetValue(Detector),
        Recognizer = parse.GetValue(Recognizer),
        MinFaceSize = parse.GetValue(MinFace) ?? 0,
        Loader = new ImageLoaderOptions(MaxPixels: parse.GetValue(MaxPixels)),
        Runtime = new OnnxRuntimeOptions(parse.GetValue(IntraOpThreads), parse.GetValue(Provider) ?? "cpu", GraphRewrites: !parse.GetValue(NoGraphRewrites)),
        DetectionSize = ValidDetectionSize(parse.GetValue(DetectionSize)),
        DetectionSizing = parse.GetValue(DetectionSizing),
        Flip = parse.GetValue(Flip),
    };

    private static int ValidDetectionSize(int size) =>
        size >= 32 && size % 32 == 0 ? size : throw new CliException($"--detection-size: {size} is not a positive multiple of 32");
}
