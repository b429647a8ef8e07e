using System.Runtime.InteropServices;
using FaceVector.Core.Models.Graph.Onnx;
using Google.Protobuf;

namespace FaceVector.Core.Models.Graph;

/// <summary>Helpers over a parsed ONNX model: initializers by name, float data, attributes, fresh names.</summary>
public sealed class OnnxGraph
{
    private readonly HashSet<string> _names;
    private int _counter;

    public OnnxGraph(ModelProto model)
    {
        Model = model;
        Graph = model.Graph ?? throw new InvalidDataException("ONNX model has no graph.");
        Initializers = Graph.Initializer.Where(t => t.HasName).GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _names = [.. Graph.Node.SelectMany(n => n.Input.Concat(n.Output).Append(n.Name)), .. Initializers.Keys, .. Graph.Input.Select(i => i.Name), .. Graph.Output.Select(o => o.Name)];
    }

    public ModelProto Model { get; }

    public GraphProto Graph { get; }

    public Dictionary<string, TensorProto> Initializers { get; }

    public static ModelProto Parse(byte[] bytes) => ModelProto.Parser.ParseFrom(bytes);

    /// <summary>Opset of the default ONNX domain (Split's signature depends on it).</summary>
    public long DefaultOpset =>
        Model.OpsetImport.FirstOrDefault(o => !o.HasDomain || o.Domain.Length == 0 || o.Domain == "ai.onnx")?.Version ?? 1;

    /// <summary>True when some tensor keeps its bytes in a file beside the model.</summary>
    public bool HasExternalData =>
        Graph.Initializer.Any(t => t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0);

    /// <summary>A name not used anywhere in the graph yet.</summary>
    public string FreshName(string stem)
    {
        string name;
        do
        {
            name = $"{stem}__fv{_counter++}";
        }
        while (!_names.Add(name));

        return name;
    }

    /// <summary>The values of a float tensor (raw_data or float_data), or null for any other type.</summary>
    public static float[]? Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            return null;
        }

        if (tensor.HasRawData)
        {
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        }

        return [.. tensor.FloatData];
    }

    public static TensorProto FloatTensor(string name, IEnumerable<long> dims, ReadOnlySpan<float> values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        t.Dims.AddRange(dims);
        return t;
    }

    public static TensorProto Int64Tensor(string name, ReadOnlySpan<long> values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        t.Dims.Add(values.Length);
        return t;
    }

    public void AddInitializer(TensorProto tensor)
    {
        Graph.Initializer.Add(tensor);
        Initializers[tensor.Name] = tensor;
    }

    /// <summary>Drops initializers no node and no graph output uses any more (the tensors the rewrites replaced).</summary>
    public void RemoveUnusedInitializers()
    {
        var used = new HashSet<string>(Graph.Node.SelectMany(n => n.Input).Concat(Graph.Output.Select(o => o.Name)), StringComparer.Ordinal);
        foreach (TensorProto t in Graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
        {
            Graph.Initializer.Remove(t);
            Initializers.Remove(t.Name);
            // Some exporters also list initializers as graph inputs; an input nothing reads can go with them.
            ValueInfoProto? input = Graph.Input.FirstOrDefault(i => i.Name == t.Name);
            if (input is not null)
            {
                Graph.Input.Remove(input);
            }
        }
    }

    public static NodeProto Node(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs)
    {
        var n = new NodeProto { OpType = opType, Name = name };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    /// <summary>The node's attributes rendered as comparable text, e.g. "kernel_shape=[3,3];pads=[1,1,1,1]".</summary>
    public static string AttributeKey(NodeProto node, params string[] ignore) =>
        string.Join(';', node.Attribute
            .Where(a => !ignore.Contains(a.Name))
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => $"{a.Name}={a.Type}:{a.I}:{a.F}:{a.S.ToBase64()}:[{string.Join(',', a.Ints)}]:[{string.Join(',', a.Floats)}]"));

    public static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
}
