using FaceVector.Core.Models.Graph.Onnx;

namespace FaceVector.Core.Models.Graph;

/// <summary>
/// An exact rewrite of an ONNX graph: the rewritten graph computes the same function (up to float rounding within
/// <see cref="Tolerance"/>) in a form ONNX Runtime runs faster.
/// </summary>
public interface IGraphRewrite
{
    /// <summary>Short name shown by <c>facevector models list</c>, e.g. "prelu-relu".</summary>
    string Name { get; }

    /// <summary>Largest allowed difference against the original, relative to max(1, largest original output magnitude).</summary>
    float Tolerance { get; }

    /// <summary>Rewrites every site in place; returns how many sites were rewritten (0: the graph is unchanged).</summary>
    int Apply(OnnxGraph graph);
}

/// <summary>
/// PRelu(z) = max(0,z) + s·min(0,z). When every slope s is below 1 this equals s·z + Relu((1−s)·z): for z ≥ 0,
/// s·z + (1−s)·z = z; for z &lt; 0 the Relu term is 0. ONNX Runtime's CPU PRelu kernel is slow and never fused,
/// while Mul, Relu and Add fuse into its NCHWc convolutions. A PRelu with any slope ≥ 1 (or slopes that are not a
/// constant float tensor) is left alone. The slope tensors keep their shape, and Mul broadcasts exactly like
/// PRelu's slope (numpy rules), so [C,1,1] or [C] slopes keep their meaning.
/// </summary>
internal sealed class PReluToReluRewrite : IGraphRewrite
{
    public string Name => "prelu-relu";

    public float Tolerance => 1e-4f;

    public int Apply(OnnxGraph graph)
    {
        int rewritten = 0;
        var nodes = graph.Graph.Node;
        for (int i = 0; i < nodes.Count; i++)
        {
            NodeProto node = nodes[i];
            if (node.OpType != "PRelu" || (node.HasDomain && node.Domain.Length > 0) || node.Input.Count != 2 || node.Output.Count != 1
                || !graph.Initializers.TryGetValue(node.Input[1], out TensorProto? slopeTensor)
                || OnnxGraph.Floats(slopeTensor) is not { } slopes || slopes.Length == 0 || slopes.Any(s => !(s < 1f) || !float.IsFinite(s)))
            {
                continue;
            }

            string x = node.Input[0], y = node.Output[0];
            string stem = node.HasName && node.Name.Length > 0 ? node.Name : y;
            var oneMinus = new float[slopes.Length];
            for (int k = 0; k < slopes.Length; k++)
            {
                oneMinus[k] = 1f - slopes[k];
            }

            string sName = graph.FreshName(stem + "_slope"), cName = graph.FreshName(stem + "_one_minus_slope");
            graph.AddInitializer(OnnxGraph.FloatTensor(sName, slopeTensor.Dims, slopes));
            graph.AddInitializer(OnnxGraph.FloatTensor(cName, slopeTensor.Dims, oneMinus));
            string linear = graph.FreshName(stem + "_sz"), scaled = graph.FreshName(stem + "_cz"), relu = graph.FreshName(stem + "_relu");
            NodeProto[] replacement =
            [
                OnnxGraph.Node("Mul", graph.FreshName(stem + "_mul_s"), [x, sName], [linear]),
                OnnxGraph.Node("Mul", graph.FreshName(stem + "_mul_c"), [x, cName], [scaled]),
                OnnxGraph.Node("Relu", graph.FreshName(stem + "_relu"), [scaled], [relu]),
                OnnxGraph.Node("Add", graph.FreshName(stem + "_add"), [linear, relu], [y]),
            ];
            nodes.RemoveAt(i);
            for (int k = 0; k < replacement.Length; k++)
            {
                nodes.Insert(i + k, replacement[k]);
            }

            i += replacement.Length - 1;
            rewritten++;
        }

        if (rewritten > 0)
        {
            graph.RemoveUnusedInitializers();
        }

        return rewritten;
    }
}

/// <summary>
/// Convolutions that read the same input with the same attributes (kernel, strides, pads, dilations, group 1) are
/// one convolution with their filters stacked, followed by a Split back into the original outputs: each output
/// channel is computed from the same input and filter as before. SCRFD's three heads per stride (2 score, 8 box and
/// 20 keypoint channels) are such convolutions; ONNX Runtime pads each to 16/16/32 channels, the merged 30-channel
/// conv to 32.
/// </summary>
internal sealed class SharedInputConvMergeRewrite : IGraphRewrite
{
    public string Name => "conv-merge";

    public float Tolerance => 1e-6f;

    public int Apply(OnnxGraph graph)
    {
        var nodes = graph.Graph.Node;
        var groups = nodes
            .Select((n, index) => (Node: n, Index: index))
            .Where(e => IsPlainConv(graph, e.Node))
            .GroupBy(e => (Input: e.Node.Input[0], Attributes: OnnxGraph.AttributeKey(e.Node), Kernel: KernelKey(graph, e.Node), HasBias: e.Node.Input.Count == 3))
            .Where(g => g.Count() > 1)
            .ToList();
        if (groups.Count == 0)
        {
            return 0;
        }

        long opset = graph.DefaultOpset;
        var remove = new HashSet<NodeProto>();
        var insertAfter = new List<(int Index, NodeProto[] Nodes)>();
        foreach (var group in groups)
        {
            var members = group.OrderBy(e => e.Index).ToList();
            var weights = members.Select(e => graph.Initializers[e.Node.Input[1]]).ToList();
            float[][] w = [.. weights.Select(t => OnnxGraph.Floats(t)!)];
            long[] outChannels = [.. weights.Select(t => t.Dims[0])];
            long total = outChannels.Sum();
            float[] stackedW = [.. w.SelectMany(x => x)];
            long[] dims = [total, .. weights[0].Dims.Skip(1)];
            string stem = graph.FreshName("merged_conv");
            string wName = graph.FreshName(stem + "_W");
            graph.AddInitializer(OnnxGraph.FloatTensor(wName, dims, stackedW));
            var inputs = new List<string> { members[0].Node.Input[0], wName };
            if (group.Key.HasBias)
            {
                float[] stackedB = [.. members.SelectMany(e => OnnxGraph.Floats(graph.Initializers[e.Node.Input[2]])!)];
                string bName = graph.FreshName(stem + "_B");
                graph.AddInitializer(OnnxGraph.FloatTensor(bName, [total], stackedB));
                inputs.Add(bName);
            }

            string merged = graph.FreshName(stem + "_out");
            NodeProto conv = OnnxGraph.Node("Conv", stem, inputs, [merged]);
            conv.Attribute.AddRange(members[0].Node.Attribute.Select(a => a.Clone()));
            NodeProto split = OnnxGraph.Node("Split", graph.FreshName(stem + "_split"), [merged], members.Select(e => e.Node.Output[0]));
            split.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            if (opset >= 13)
            {
                // Opset 13 moved Split's sizes from an attribute to a second input.
                string sizes = graph.FreshName(stem + "_split_sizes");
                graph.AddInitializer(OnnxGraph.Int64Tensor(sizes, outChannels));
                split.Input.Add(sizes);
            }
            else
            {
                var attr = new AttributeProto { Name = "split", Type = AttributeProto.Types.AttributeType.Ints };
                attr.Ints.AddRange(outChannels);
                split.Attribute.Add(attr);
            }

            // Placed where the first of the convolutions was: its input exists there, and every consumer of the
            // outputs comes after each original conv, so after the first one too once the others are gone.
            insertAfter.Add((members[0].Index, [conv, split]));
            foreach (var e in members)
            {
                remove.Add(e.Node);
            }
        }

        var rebuilt = new List<NodeProto>(nodes.Count);
        var byIndex = insertAfter.ToDictionary(x => x.Index, x => x.Nodes);
        for (int i = 0; i < nodes.Count; i++)
        {
            if (byIndex.TryGetValue(i, out NodeProto[]? added))
            {
                rebuilt.AddRange(added);
            }

            if (!remove.Contains(nodes[i]))
            {
                rebuilt.Add(nodes[i]);
            }
        }

        nodes.Clear();
        nodes.AddRange(rebuilt);
        graph.RemoveUnusedInitializers();
        return groups.Count;
    }

    // A default-domain Conv of group 1 whose weight (and bias) are float initializers of a 4-D kernel.
    private static bool IsPlainConv(OnnxGraph graph, NodeProto node) =>
        node.OpType == "Conv" && (!node.HasDomain || node.Domain.Length == 0) && node.Output.Count == 1
        && node.Input.Count is 2 or 3
        && OnnxGraph.IntAttribute(node, "group", 1) == 1
        && graph.Initializers.TryGetValue(node.Input[1], out TensorProto? w) && w.Dims.Count == 4 && OnnxGraph.Floats(w) is not null
        && (node.Input.Count == 2 || (graph.Initializers.TryGetValue(node.Input[2], out TensorProto? b) && OnnxGraph.Floats(b) is not null));

    // Filters can only be stacked when everything but the output-channel count matches.
    private static string KernelKey(OnnxGraph graph, NodeProto node) =>
        string.Join(',', graph.Initializers[node.Input[1]].Dims.Skip(1));
}

/// <summary>The rewrites FaceVector applies at model load, in order.</summary>
public static class GraphRewrites
{
    public static IReadOnlyList<IGraphRewrite> All { get; } = [new PReluToReluRewrite(), new SharedInputConvMergeRewrite()];
}
