using System.Buffers;
using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace FaceVector.Core.Detection;

public sealed record YuNetOptions(float ScoreThreshold = 0.7f, float NmsThreshold = 0.3f);

/// <summary>
/// YuNet face detector (OpenCV model zoo, MIT licence): fixed 640x640 BGR input with raw 0..255 values; per stride
/// (8, 16, 32) outputs cls, obj, bbox and kps with one anchor per cell.
/// </summary>
public sealed class YuNetDetector : IFaceDetector
{
    private static readonly int[] Strides = [8, 16, 32];
    private static readonly PixelNormalization Normalization = new(0f, 1f, Bgr: true);

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly YuNetOptions _options;
    private readonly string _inputName;
    private readonly int _width;
    private readonly int _height;

    public YuNetDetector(string modelPath, YuNetOptions? options = null, OnnxRuntimeOptions? runtime = null, SessionOptions? sessionOptions = null)
    {
        _options = options ?? new YuNetOptions();
        OpenedSession opened = OnnxSessionFactory.Open(modelPath, runtime ?? OnnxRuntimeOptions.Default, sessionOptions);
        (_session, ExecutionProvider, Rewrites) = (opened.Session, opened.Provider, opened.Rewrites);
        ModelName = Path.GetFileName(modelPath);
        KeyValuePair<string, NodeMetadata> input = _session.InputMetadata.First();
        _inputName = input.Key;
        int[] dims = input.Value.Dimensions;
        _height = dims.Length == 4 && dims[2] > 0 ? dims[2] : 640;
        _width = dims.Length == 4 && dims[3] > 0 ? dims[3] : 640;
        foreach (int s in Strides)
        {
            foreach (string name in new[] { $"cls_{s}", $"obj_{s}", $"bbox_{s}", $"kps_{s}" })
            {
                if (!_session.OutputMetadata.ContainsKey(name))
                {
                    throw new InvalidDataException($"{modelPath}: not a YuNet model (output '{name}' missing).");
                }
            }
        }
    }

    public string ModelName { get; }

    public string ExecutionProvider { get; }

    /// <summary>The load-time graph rewrites tried on this model (see <see cref="Models.Graph.ModelRewriter"/>).</summary>
    public IReadOnlyList<Models.Graph.GraphRewriteResult> Rewrites { get; }

    public IReadOnlyList<FaceDetection> Detect(RgbImage image)
    {
        int length = 3 * _width * _height;
        float[] buffer = ArrayPool<float>.Shared.Rent(length);
        try
        {
            float scale = TensorPreprocessor.Letterbox(image, _width, _height, Normalization, buffer.AsSpan(0, length));
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), [1, 3, _height, _width]);
            string[] names = [.. _session.OutputNames];
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [_inputName], [input], names);
            var byName = new Dictionary<string, OrtValue>();
            for (int i = 0; i < names.Length; i++)
            {
                byName[names[i]] = outputs[i];
            }

            var candidates = new List<FaceDetection>();
            foreach (int s in Strides)
            {
                Decode(byName, s, scale, candidates);
            }

            return NonMaxSuppression.Apply(candidates, _options.NmsThreshold, pixelInclusive: false);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private void Decode(Dictionary<string, OrtValue> outputs, int stride, float scale, List<FaceDetection> candidates)
    {
        ReadOnlySpan<float> cls = outputs[$"cls_{stride}"].GetTensorDataAsSpan<float>();
        ReadOnlySpan<float> obj = outputs[$"obj_{stride}"].GetTensorDataAsSpan<float>();
        ReadOnlySpan<float> bbox = outputs[$"bbox_{stride}"].GetTensorDataAsSpan<float>();
        ReadOnlySpan<float> kps = outputs[$"kps_{stride}"].GetTensorDataAsSpan<float>();
        int cols = _width / stride, rows = _height / stride;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                int i = (r * cols) + c;
                float score = MathF.Sqrt(Math.Clamp(cls[i], 0, 1) * Math.Clamp(obj[i], 0, 1));
                if (score < _options.ScoreThreshold)
                {
                    continue;
                }

                float cx = (c + bbox[i * 4]) * stride, cy = (r + bbox[(i * 4) + 1]) * stride;
                float w = MathF.Exp(bbox[(i * 4) + 2]) * stride, h = MathF.Exp(bbox[(i * 4) + 3]) * stride;
                var box = new BoundingBox((cx - (w / 2)) / scale, (cy - (h / 2)) / scale, (cx + (w / 2)) / scale, (cy + (h / 2)) / scale);
                var points = new float[10];
                for (int k = 0; k < 5; k++)
                {
                    points[2 * k] = (c + kps[(i * 10) + (2 * k)]) * stride / scale;
                    points[(2 * k) + 1] = (r + kps[(i * 10) + (2 * k) + 1]) * stride / scale;
                }

                candidates.Add(new FaceDetection(box, score, points));
            }
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
