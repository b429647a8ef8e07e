using System.Diagnostics;
using System.Buffers;
using System.Numerics.Tensors;
using FaceVector.Core.Alignment;
using FaceVector.Core.Detection;
using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using Microsoft.ML.OnnxRuntime;

namespace FaceVector.Core.Recognition;

/// <param name="MaxBatch">
/// Faces per model run; a model with a fixed batch of 1 is run face by face. 4: on one CPU thread the rewritten dq
/// recognizer costs 9.1 ms of CPU per face alone, 7.8 in pairs, 8.2 in fours and 9.6 in batches of 32 (larger batches
/// spill the caches).
/// </param>
/// <param name="InputMean">Subtracted from each pixel (insightface ArcFace: 127.5).</param>
/// <param name="InputStd">Divides each pixel (insightface ArcFace: 127.5).</param>
/// <param name="Flip">
/// Test-time flip: a face's embedding is the sum of the embeddings of the aligned crop and of its mirror image,
/// normalised. Twice the recognizer work; vectors differ from plain ones, so the model identity gets a "+flip" suffix.
/// </param>
public sealed record ArcFaceOptions(int MaxBatch = 4, float InputMean = 127.5f, float InputStd = 127.5f, bool Flip = false);

/// <summary>
/// Any insightface ArcFace ONNX recognizer with input [N,3,112,112] RGB and output [N,D]: aligns each face to the
/// template, runs the faces of an image as one batch and L2-normalises the result.
/// </summary>
public sealed class ArcFaceEmbedder : IFaceEmbedder
{
    private const int Plane = 3 * FaceAligner.Size * FaceAligner.Size;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private long _modelTicks;
    private long _modelCpuNanoseconds;
    private readonly ArcFaceOptions _options;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly bool _fixedBatchOfOne;
    private readonly PixelNormalization _normalization;

    public ArcFaceEmbedder(string modelPath, ArcFaceOptions? options = null, OnnxRuntimeOptions? runtime = null, SessionOptions? sessionOptions = null)
    {
        _options = options ?? new ArcFaceOptions();
        _normalization = new PixelNormalization(_options.InputMean, _options.InputStd, Bgr: false);
        OpenedSession opened = OnnxSessionFactory.Open(modelPath, runtime ?? OnnxRuntimeOptions.Default, sessionOptions);
        (_session, ExecutionProvider, Rewrites) = (opened.Session, opened.Provider, opened.Rewrites);
        ModelName = Path.GetFileName(modelPath);
        ModelId = ModelIdentity.Of(modelPath) + (_options.Flip ? "+flip" : string.Empty);
        KeyValuePair<string, NodeMetadata> input = _session.InputMetadata.First();
        _inputName = input.Key;
        int[] dims = input.Value.Dimensions;
        if (dims.Length != 4 || (dims[1] > 0 && dims[1] != 3) || (dims[2] > 0 && dims[2] != FaceAligner.Size) || (dims[3] > 0 && dims[3] != FaceAligner.Size))
        {
            throw new InvalidDataException($"{modelPath}: expected an ArcFace recognizer with input [N,3,112,112], found [{string.Join(",", dims)}].");
        }

        _fixedBatchOfOne = dims[0] == 1;
        KeyValuePair<string, NodeMetadata> output = _session.OutputMetadata.First();
        _outputName = output.Key;
        int[] outDims = output.Value.Dimensions;
        Dimension = outDims.Length == 2 && outDims[1] > 0 ? outDims[1] : 512;
        BatchSize = _fixedBatchOfOne ? 1 : !IsBatchInvariant() ? 1 : Math.Max(1, _options.MaxBatch);
    }

    /// <summary>
    /// Faces per model run. 1 when the model's output for a face depends on the other faces in the batch: dynamically
    /// quantised models (such as w600k_mbf_int8) pick their int8 scale from the whole input tensor, so a face's
    /// embedding would change with its neighbours. Embeddings must not depend on what else is in the photo.
    /// </summary>
    public int BatchSize { get; }

    public ArcFaceOptions Options => _options;

    public string ModelName { get; }

    public string ModelId { get; }

    public string ExecutionProvider { get; }

    /// <summary>Time spent inside the model's runs since load (all threads), for the benchmarks' compute bound.</summary>
    public TimeSpan ModelTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _modelTicks));

    /// <summary>CPU time of the model's runs since load (zero where the thread CPU clock is unavailable).</summary>
    public TimeSpan ModelCpuTime => TimeSpan.FromTicks(Interlocked.Read(ref _modelCpuNanoseconds) / 100);

    /// <summary>The load-time graph rewrites tried on this model (see <see cref="Models.Graph.ModelRewriter"/>).</summary>
    public IReadOnlyList<Models.Graph.GraphRewriteResult> Rewrites { get; }

    public int Dimension { get; }

    public float[][] Embed(RgbImage image, IReadOnlyList<FaceDetection> faces)
    {
        using AlignedFaces aligned = Align(image, faces);
        return Embed(aligned);
    }

    /// <summary>
    /// Aligns every face into one input tensor (NCHW, normalised); the first half of
    /// <see cref="Embed(RgbImage, IReadOnlyList{FaceDetection})"/>. The tensor comes from a pool: dispose the result.
    /// </summary>
    public AlignedFaces Align(RgbImage image, IReadOnlyList<FaceDetection> faces)
    {
        var aligned = AlignedFaces.Rent(faces.Count);
        for (int i = 0; i < faces.Count; i++)
        {
            AffineTransform m = FaceAligner.Estimate(faces[i].Keypoints);
            FaceAligner.WarpToTensor(image, m, _normalization, aligned.Tensor.AsSpan(i * Plane, Plane));
        }

        return aligned;
    }

    /// <summary>Runs the recognizer over aligned faces in batches; returns unit-length embeddings.</summary>
    public float[][] Embed(AlignedFaces aligned)
    {
        if (!_options.Flip)
        {
            return Run(aligned.Tensor, aligned.Count, normalize: true);
        }

        // Each face followed by its mirror image, so one batch holds both.
        float[] both = ArrayPool<float>.Shared.Rent(2 * aligned.Count * Plane);
        try
        {
            for (int i = 0; i < aligned.Count; i++)
            {
                ReadOnlySpan<float> face = aligned.Face(i);
                face.CopyTo(both.AsSpan(2 * i * Plane, Plane));
                Mirror(face, both.AsSpan(((2 * i) + 1) * Plane, Plane));
            }

            float[][] raw = Run(both, 2 * aligned.Count, normalize: false);
            var result = new float[aligned.Count][];
            for (int i = 0; i < aligned.Count; i++)
            {
                TensorPrimitives.Add(raw[2 * i], raw[(2 * i) + 1], raw[2 * i]);
                result[i] = Normalize(raw[2 * i]);
            }

            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(both);
        }
    }

    /// <summary>The faces of several photos in shared batches; one array of embeddings per input, in order.</summary>
    public float[][][] Embed(IReadOnlyList<AlignedFaces> photos)
    {
        if (photos.Count == 1)
        {
            return [Embed(photos[0])];
        }

        int total = photos.Sum(p => p.Count);
        using AlignedFaces all = AlignedFaces.Rent(total);
        int offset = 0;
        foreach (AlignedFaces p in photos)
        {
            p.Tensor.AsSpan(0, p.Count * Plane).CopyTo(all.Tensor.AsSpan(offset * Plane));
            offset += p.Count;
        }

        float[][] flat = Embed(all);
        var result = new float[photos.Count][][];
        offset = 0;
        for (int i = 0; i < photos.Count; i++)
        {
            result[i] = flat[offset..(offset + photos[i].Count)];
            offset += photos[i].Count;
        }

        return result;
    }

    private float[][] Run(float[] tensor, int count, bool normalize)
    {
        var result = new float[count][];
        int batch = BatchSize;
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, tensor.AsMemory(start * Plane, n * Plane), [n, 3, FaceAligner.Size, FaceAligner.Size]);
            long modelStart = Stopwatch.GetTimestamp(), cpuStart = FaceVector.Core.Diagnostics.ThreadCpuClock.Nanoseconds();
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [_inputName], [input], [_outputName]);
            Interlocked.Add(ref _modelTicks, Stopwatch.GetTimestamp() - modelStart);
            Interlocked.Add(ref _modelCpuNanoseconds, FaceVector.Core.Diagnostics.ThreadCpuClock.Nanoseconds() - cpuStart);
            ReadOnlySpan<float> data = outputs[0].GetTensorDataAsSpan<float>();
            int dim = data.Length / n;
            for (int i = 0; i < n; i++)
            {
                result[start + i] = normalize ? Normalize(data.Slice(i * dim, dim)) : data.Slice(i * dim, dim).ToArray();
            }
        }

        return result;
    }

    // Left-right mirror of a [3,112,112] crop.
    private static void Mirror(ReadOnlySpan<float> face, Span<float> mirrored)
    {
        const int size = FaceAligner.Size;
        for (int row = 0; row < 3 * size; row++)
        {
            ReadOnlySpan<float> src = face.Slice(row * size, size);
            Span<float> dst = mirrored.Slice(row * size, size);
            for (int x = 0; x < size; x++)
            {
                dst[x] = src[size - 1 - x];
            }
        }
    }

    // Runs two different synthetic faces alone and as a batch of two and compares the outputs.
    private bool IsBatchInvariant()
    {
        var rng = new Random(20261127);
        var tensor = new float[2 * Plane];
        for (int i = 0; i < tensor.Length; i++)
        {
            // Second sample twice the contrast of the first, so a shared quantisation scale would show.
            tensor[i] = (float)((rng.NextDouble() * 2) - 1) * (i < Plane ? 0.4f : 1f);
        }

        float[] RunRows(int start, int n)
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, tensor.AsMemory(start * Plane, n * Plane), [n, 3, FaceAligner.Size, FaceAligner.Size]);
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [_inputName], [input], [_outputName]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        float[] both = RunRows(0, 2);
        float[] first = RunRows(0, 1), second = RunRows(1, 1);
        int dim = first.Length;
        float[] a = Normalize(both.AsSpan(0, dim)), b = Normalize(both.AsSpan(dim, dim));
        return TensorPrimitives.Dot(a, Normalize(first)) > 0.99999f && TensorPrimitives.Dot(b, Normalize(second)) > 0.99999f;
    }

    /// <summary>Unit-length copy; scores everywhere are dot products of such vectors (cosine similarity).</summary>
    public static float[] Normalize(ReadOnlySpan<float> v)
    {
        var copy = v.ToArray();
        float norm = TensorPrimitives.Norm(copy);
        if (norm > 0)
        {
            TensorPrimitives.Divide(copy, norm, copy);
        }

        return copy;
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>
/// Faces aligned to 112x112 and normalised, ready for the recognizer: Count x [3,112,112] floats in a pooled buffer
/// (a photo's crops are over the large-object threshold; renting them avoids a gen-2 collection per photo).
/// </summary>
public sealed class AlignedFaces : IDisposable
{
    private const int Plane = 3 * FaceAligner.Size * FaceAligner.Size;
    private float[]? _tensor;

    private AlignedFaces(float[] tensor, int count)
    {
        _tensor = tensor;
        Count = count;
    }

    public static AlignedFaces Rent(int count) => new(ArrayPool<float>.Shared.Rent(Math.Max(1, count * Plane)), count);

    /// <summary>The buffer; may be longer than Count faces.</summary>
    public float[] Tensor => _tensor ?? throw new ObjectDisposedException(nameof(AlignedFaces));

    public int Count { get; }

    /// <summary>The [3,112,112] slice of face <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Face(int index) => Tensor.AsSpan(index * Plane, Plane);

    public void Dispose()
    {
        float[]? tensor = Interlocked.Exchange(ref _tensor, null);
        if (tensor is not null)
        {
            ArrayPool<float>.Shared.Return(tensor);
        }
    }
}
