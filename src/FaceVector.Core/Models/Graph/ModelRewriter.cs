using FaceVector.Core.Models.Graph.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceVector.Core.Models.Graph;

/// <summary>What one rewrite did to one model at load.</summary>
/// <param name="Name">The rewrite, e.g. "prelu-relu".</param>
/// <param name="Sites">Places in the graph it rewrote.</param>
/// <param name="Applied">True when the rewritten graph passed the check and is the one in use.</param>
/// <param name="MaxDifference">Largest output difference against the original graph on the check input (relative to max(1, |output|)).</param>
/// <param name="Rejection">Why it is not in use, when <paramref name="Applied"/> is false.</param>
public sealed record GraphRewriteResult(string Name, int Sites, bool Applied, double MaxDifference, string? Rejection = null)
{
    public override string ToString() =>
        Applied ? $"{Name} ({Sites} site(s), max diff {MaxDifference:0.0e+0})" : $"{Name} not applied: {Rejection}";
}

/// <summary>
/// Exact graph rewrites at model load: the file is parsed, rewritten in memory and handed to ONNX Runtime as bytes;
/// the file on disk is never changed and nothing is cached. Each rewrite is checked on a fixed deterministic input
/// against the original graph; one whose outputs differ by more than its tolerance is dropped (the graph without it
/// is used) and reported.
/// </summary>
public static class ModelRewriter
{
    private const int CheckSeed = 20261202;

    /// <summary>The rewrites with at least one site in the model, without building sessions: name and site count.</summary>
    public static IReadOnlyList<(string Name, int Sites)> Inspect(string modelPath)
    {
        ModelProto model = OnnxGraph.Parse(File.ReadAllBytes(modelPath));
        var graph = new OnnxGraph(model);
        if (graph.HasExternalData)
        {
            return [];
        }

        var found = new List<(string, int)>();
        foreach (IGraphRewrite rewrite in GraphRewrites.All)
        {
            int sites = rewrite.Apply(graph);
            if (sites > 0)
            {
                found.Add((rewrite.Name, sites));
            }
        }

        return found;
    }

    /// <summary>
    /// Opens a session on the rewritten graph when every kept rewrite passes its check, else on the original file.
    /// <paramref name="open"/> creates a session from model bytes with the caller's options.
    /// </summary>
    internal static (InferenceSession Session, IReadOnlyList<GraphRewriteResult> Results) Open(string modelPath, Func<byte[], InferenceSession> open) =>
        Open(modelPath, open, GraphRewrites.All);

    internal static (InferenceSession Session, IReadOnlyList<GraphRewriteResult> Results) Open(string modelPath, Func<byte[], InferenceSession> open, IReadOnlyList<IGraphRewrite> rewrites)
    {
        byte[] original = File.ReadAllBytes(modelPath);
        ModelProto parsed;
        try
        {
            parsed = OnnxGraph.Parse(original);
        }
        catch (InvalidProtocolBufferException)
        {
            // Not ours to judge: ONNX Runtime reports what is wrong with the file.
            return (open(original), []);
        }

        if (parsed.Graph is null || new OnnxGraph(parsed).HasExternalData)
        {
            return (open(original), []);
        }

        var results = new List<GraphRewriteResult>();
        InferenceSession? reference = null;
        InferenceSession? current = null;
        byte[] currentBytes = original;
        try
        {
            foreach (IGraphRewrite rewrite in rewrites)
            {
                ModelProto candidate = OnnxGraph.Parse(currentBytes);
                int sites = rewrite.Apply(new OnnxGraph(candidate));
                if (sites == 0)
                {
                    continue;
                }

                reference ??= open(original);
                byte[] bytes = candidate.ToByteArray();
                InferenceSession? session = null;
                try
                {
                    session = open(bytes);
                    double diff = MaxDifference(reference, session);
                    if (diff <= rewrite.Tolerance)
                    {
                        current?.Dispose();
                        current = session;
                        session = null;
                        currentBytes = bytes;
                        results.Add(new GraphRewriteResult(rewrite.Name, sites, true, diff));
                    }
                    else
                    {
                        results.Add(new GraphRewriteResult(rewrite.Name, sites, false, diff, $"outputs differ from the original graph by {diff:0.0e+0} > {rewrite.Tolerance:0.0e+0}"));
                    }
                }
                catch (Exception ex) when (ex is OnnxRuntimeException or InvalidDataException or InvalidProtocolBufferException)
                {
                    results.Add(new GraphRewriteResult(rewrite.Name, sites, false, double.NaN, "rewritten graph rejected: " + ex.Message.Split('\n')[0]));
                }
                finally
                {
                    session?.Dispose();
                }
            }

            if (current is not null)
            {
                InferenceSession kept = current;
                current = null;
                return (kept, results);
            }

            // Nothing applied: the reference session is the original graph itself.
            InferenceSession plain = reference ?? open(original);
            reference = null;
            return (plain, results);
        }
        finally
        {
            current?.Dispose();
            reference?.Dispose();
        }
    }

    /// <summary>
    /// Runs both sessions on the same deterministic input (uniform in [-1,1]; dynamic batch 2, dynamic spatial sizes
    /// 128×96) and returns the largest output difference relative to max(1, largest |output|).
    /// </summary>
    internal static double MaxDifference(InferenceSession a, InferenceSession b)
    {
        var rng = new Random(CheckSeed);
        var inputs = new List<OrtValue>();
        try
        {
            var names = new List<string>();
            foreach ((string name, NodeMetadata meta) in a.InputMetadata)
            {
                if (meta.ElementDataType != TensorElementType.Float)
                {
                    throw new InvalidDataException($"input {name} is not float; the rewrite check feeds float inputs only");
                }

                int[] dims = meta.Dimensions;
                long[] shape = new long[dims.Length];
                for (int i = 0; i < dims.Length; i++)
                {
                    shape[i] = dims[i] > 0 ? dims[i] : i == 0 ? 2 : i == dims.Length - 1 ? 96 : 128;
                }

                var data = new float[shape.Aggregate(1L, (x, y) => x * y)];
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = (float)((rng.NextDouble() * 2) - 1);
                }

                inputs.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
                names.Add(name);
            }

            string[] outputs = [.. a.OutputNames];
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> ra = a.Run(runOptions, names, inputs, outputs);
            using IDisposableReadOnlyCollection<OrtValue> rb = b.Run(runOptions, names, inputs, outputs);
            double worst = 0;
            for (int o = 0; o < outputs.Length; o++)
            {
                ReadOnlySpan<float> x = ra[o].GetTensorDataAsSpan<float>();
                ReadOnlySpan<float> y = rb[o].GetTensorDataAsSpan<float>();
                if (x.Length != y.Length)
                {
                    return double.PositiveInfinity;
                }

                double scale = 1, diff = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    scale = Math.Max(scale, Math.Abs(x[i]));
                    double d = Math.Abs(x[i] - y[i]);
                    diff = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(diff, d);
                }

                worst = Math.Max(worst, diff / scale);
            }

            return worst;
        }
        finally
        {
            foreach (OrtValue v in inputs)
            {
                v.Dispose();
            }
        }
    }
}
