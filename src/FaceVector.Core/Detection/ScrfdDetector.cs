using System.Buffers;
using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace FaceVector.Core.Detection;

/// <param name="InputSize">Square letterbox side; a multiple of 32 (insightface uses 640).</param>
/// <param name="ScoreThreshold">Minimum detector score.</param>
/// <param name="NmsThreshold">IoU above which the weaker of two boxes is dropped.</param>
public sealed record ScrfdOptions(int InputSize = 640, float ScoreThreshold = 0.5f, float NmsThreshold = 0.4f);

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
    private readonly ScrfdOptions _options;
    private readonly string _inputName;
    private readonly int _inputSize;

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

    /// <summary>The load-time graph rewrites tried on this model (see <see cref="Models.Graph.ModelRewriter"/>).</summary>
    public IReadOnlyList<Models.Graph.GraphRewriteResult> Rewrites { get; }

    public int InputSize => _inputSize;

    public IReadOnlyList<FaceDetection> Detect(RgbImage image)
    {
        int size = _inputSize;
        int length = 3 * size * size;
        float[] buffer = ArrayPool<float>.Shared.Rent(length);
        try
        {
            float scale = TensorPreprocessor.Letterbox(image, size, size, Normalization, buffer.AsSpan(0, length));
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), [1, 3, size, size]);
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [_inputName], [input], _session.OutputNames);
            List<FaceDetection> candidates = Decode(outputs, size, scale);
            return NonMaxSuppression.Apply(candidates, _options.NmsThreshold, pixelInclusive: true);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private List<FaceDetection> Decode(IReadOnlyList<OrtValue> outputs, int size, float scale)
    {
        var candidates = new List<FaceDetection>();
        foreach (int stride in Strides)
        {
            int cells = size / stride;
            int anchors = cells * cells * AnchorsPerCell;
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
                float cx = cell % cells * stride, cy = cell / cells * stride;
                ReadOnlySpan<float> d = boxes.Slice(i * 4, 4);
                var box = new BoundingBox(
                    (cx - (d[0] * stride)) / scale,
                    (cy - (d[1] * stride)) / scale,
                    (cx + (d[2] * stride)) / scale,
                    (cy + (d[3] * stride)) / scale);
                var points = new float[10];
                for (int k = 0; k < 5; k++)
                {
                    points[2 * k] = (cx + (kps[(i * 10) + (2 * k)] * stride)) / scale;
                    points[(2 * k) + 1] = (cy + (kps[(i * 10) + (2 * k) + 1] * stride)) / scale;
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
