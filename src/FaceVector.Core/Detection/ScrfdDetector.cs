using System.Diagnostics;
using System.Buffers;
using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace FaceVector.Core.Detection;

/// <param name="InputSize">Square letterbox side; a multiple of 32 (insightface uses 640).</param>
/// <param name="ScoreThreshold">Minimum detector score.</param>
/// <param name="NmsThreshold">IoU above which the weaker of two boxes is dropped.</param>
/// <param name="FitToPhoto">
/// Size the input per photo instead of a fixed square: the photo is shrunk only when its longer side is above
/// <paramref name="InputSize"/> (never enlarged), and padded at the bottom and right to multiples of 32. A 250 px photo
/// then costs a 256×256 run instead of 640×640, and is not upscaled 2.5× (which loses frame-filling faces). Needs a
/// model with dynamic height and width; a fixed-size model is always fed its own size.
/// </param>
public sealed record ScrfdOptions(int InputSize = 640, float ScoreThreshold = 0.5f, float NmsThreshold = 0.4f, bool FitToPhoto = false);

/// <summary>
/// SCRFD face detector (insightface det_500m / det_2.5g / det_10g): three strides (8, 16, 32) with two anchors per
/// cell, each giving a score, box distances and five keypoints. Outputs are found by shape, not name, because
/// names differ between exports.
/// </summary>
public sealed class ScrfdDetector : IFaceDetector
{
    private static readonly int[] Strides = [8, 16, 32];
    private static readonly PixelNormalization Normalization = new(127.5f, 128f, Bgr: false);
    private const int AnchorsPerCell = 2;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private long _modelTicks;
    private long _modelCpuNanoseconds;
    private readonly ScrfdOptions _options;
    private readonly string _inputName;
    private readonly int _inputSize;
    private readonly bool _dynamicSize;

    public ScrfdDetector(string modelPath, ScrfdOptions? options = null, OnnxRuntimeOptions? runtime = null, SessionOptions? sessionOptions = null)
    {
        _options = options ?? new ScrfdOptions();
        OpenedSession opened = OnnxSessionFactory.Open(modelPath, runtime ?? OnnxRuntimeOptions.Default, sessionOptions);
        (_session, ExecutionProvider, Rewrites) = (opened.Session, opened.Provider, opened.Rewrites);
        ModelName = Path.GetFileName(modelPath);
        KeyValuePair<string, NodeMetadata> input = _session.InputMetadata.First();
        _inputName = input.Key;
        int[] dims = input.Value.Dimensions;
        // A model exported with a fixed input size must be fed exactly that size.
        _inputSize = dims.Length == 4 && dims[2] > 0 ? dims[2] : _options.InputSize;
        _dynamicSize = dims.Length == 4 && dims[2] <= 0 && dims[3] <= 0;
        if (_inputSize % 32 != 0)
        {
            throw new ArgumentException($"SCRFD input size must be a multiple of 32, got {_inputSize}.", nameof(options));
        }

        if (_session.OutputMetadata.Count != 9)
        {
            throw new InvalidDataException($"{modelPath}: expected an SCRFD model with 9 outputs (scores, boxes, keypoints for 3 strides), found {_session.OutputMetadata.Count}.");
        }
    }

    public string ModelName { get; }

    public string ExecutionProvider { get; }

    /// <summary>Time spent inside the model's runs since load (all threads), for the benchmarks' compute bound.</summary>
    public TimeSpan ModelTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _modelTicks));

    /// <summary>CPU time of the model's runs since load (zero where the thread CPU clock is unavailable).</summary>
    public TimeSpan ModelCpuTime => TimeSpan.FromTicks(Interlocked.Read(ref _modelCpuNanoseconds) / 100);

    /// <summary>The load-time graph rewrites tried on this model (see <see cref="Models.Graph.ModelRewriter"/>).</summary>
    public IReadOnlyList<Models.Graph.GraphRewriteResult> Rewrites { get; }

    public int InputSize => _inputSize;

    public IReadOnlyList<FaceDetection> Detect(RgbImage image)
    {
        (int width, int height, int resizedWidth, int resizedHeight) = InputShape(image.Width, image.Height);
        int length = 3 * width * height;
        float[] buffer = ArrayPool<float>.Shared.Rent(length);
        try
        {
            float scaleX, scaleY;
            if (resizedWidth > 0)
            {
                scaleY = TensorPreprocessor.Letterbox(image, resizedWidth, resizedHeight, width, height, Normalization, buffer.AsSpan(0, length));
                scaleX = (float)resizedWidth / image.Width;
            }
            else
            {
                scaleX = scaleY = TensorPreprocessor.Letterbox(image, width, height, Normalization, buffer.AsSpan(0, length));
            }

            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), [1, 3, height, width]);
            long modelStart = Stopwatch.GetTimestamp(), cpuStart = FaceVector.Core.Diagnostics.ThreadCpuClock.Nanoseconds();
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [_inputName], [input], _session.OutputNames);
            Interlocked.Add(ref _modelTicks, Stopwatch.GetTimestamp() - modelStart);
            Interlocked.Add(ref _modelCpuNanoseconds, FaceVector.Core.Diagnostics.ThreadCpuClock.Nanoseconds() - cpuStart);
            List<FaceDetection> candidates = Decode(outputs, width, height, scaleX, scaleY);
            return NonMaxSuppression.Apply(candidates, _options.NmsThreshold, pixelInclusive: true);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The model input (width, height) for a photo, and the size the photo is resized to inside it (0, 0: the fixed
    /// square letterbox, fitted by insightface's arithmetic).
    /// </summary>
    public (int Width, int Height, int ResizedWidth, int ResizedHeight) InputShape(int imageWidth, int imageHeight)
    {
        if (!_options.FitToPhoto || !_dynamicSize)
        {
            return (_inputSize, _inputSize, 0, 0);
        }

        int longer = Math.Max(imageWidth, imageHeight);
        double scale = longer > _inputSize ? (double)_inputSize / longer : 1.0;
        int w = Math.Clamp((int)Math.Round(imageWidth * scale), 1, _inputSize);
        int h = Math.Clamp((int)Math.Round(imageHeight * scale), 1, _inputSize);
        return (RoundUp32(w), RoundUp32(h), w, h);
    }

    private static int RoundUp32(int v) => Math.Max(32, (v + 31) / 32 * 32);

    private List<FaceDetection> Decode(IReadOnlyList<OrtValue> outputs, int width, int height, float scaleX, float scaleY)
    {
        var candidates = new List<FaceDetection>();
        foreach (int stride in Strides)
        {
            int cellsX = width / stride, cellsY = height / stride;
            int anchors = cellsX * cellsY * AnchorsPerCell;
            ReadOnlySpan<float> scores = FindOutput(outputs, anchors, 1);
            ReadOnlySpan<float> boxes = FindOutput(outputs, anchors, 4);
            ReadOnlySpan<float> kps = FindOutput(outputs, anchors, 10);
            for (int i = 0; i < anchors; i++)
            {
                float score = scores[i];
                if (score < _options.ScoreThreshold)
                {
                    continue;
                }

                int cell = i / AnchorsPerCell;
                float cx = cell % cellsX * stride, cy = cell / cellsX * stride;
                ReadOnlySpan<float> d = boxes.Slice(i * 4, 4);
                var box = new BoundingBox(
                    (cx - (d[0] * stride)) / scaleX,
                    (cy - (d[1] * stride)) / scaleY,
                    (cx + (d[2] * stride)) / scaleX,
                    (cy + (d[3] * stride)) / scaleY);
                var points = new float[10];
                for (int k = 0; k < 5; k++)
                {
                    points[2 * k] = (cx + (kps[(i * 10) + (2 * k)] * stride)) / scaleX;
                    points[(2 * k) + 1] = (cy + (kps[(i * 10) + (2 * k) + 1] * stride)) / scaleY;
                }

                candidates.Add(new FaceDetection(box, score, points));
            }
        }

        return candidates;
    }

    // Outputs are [N,C] or [1,N,C]; pick the one with N rows of C values.
    private static ReadOnlySpan<float> FindOutput(IReadOnlyList<OrtValue> outputs, int rows, int columns)
    {
        foreach (OrtValue output in outputs)
        {
            long[] shape = output.GetTensorTypeAndShape().Shape;
            if (shape.Length >= 2 && shape[^1] == columns && shape[^2] == rows)
            {
                return output.GetTensorDataAsSpan<float>();
            }
        }

        throw new InvalidDataException($"SCRFD output with shape [{rows},{columns}] not found; is this an SCRFD model with 2 anchors per cell?");
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
