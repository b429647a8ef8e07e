using FaceVector.Core.Detection;
using FaceVector.Core.Imaging;
using FaceVector.Core.Models;
using FaceVector.Core.Models.Graph;
using FaceVector.Core.Models.Graph.Onnx;
using FaceVector.Core.Recognition;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace FaceVector.Core.Tests;

/// <summary>The load-time graph rewrites: exact on real faces and photos, and refused where they would not be.</summary>
public sealed class GraphRewriteTests(ITestOutputHelper output)
{
    private static readonly OnnxRuntimeOptions Rewritten = new();
    private static readonly OnnxRuntimeOptions Original = new(GraphRewrites: false);

    private static readonly string[] Photos =
    [
        "_groups/bbt1.jpg", "_groups/solvay1927.jpg", "_groups/obama_and_biden.jpg", "barack_obama/obama.jpg",
        "sheldon/sheldon1.png", "penny/penny1.png", "kit_harington/john1.jpeg",
    ];

    private static string Model(string name) => Path.Combine(TestData.ModelsPath, name);

    [Fact]
    public void A_parsed_and_reserialised_model_is_the_same_model()
    {
        byte[] bytes = File.ReadAllBytes(Model("w600k_mbf_dq.onnx"));
        byte[] again = OnnxGraph.Parse(bytes).ToByteArray();
        using var a = new InferenceSession(bytes);
        using var b = new InferenceSession(again);
        Assert.Equal(0, ModelRewriter.MaxDifference(a, b));
    }

    [Theory]
    [InlineData("w600k_mbf_dq.onnx", "prelu-relu")]
    [InlineData("scrfd_det_500m.onnx", "conv-merge")]
    [InlineData("scrfd_det_2.5g.onnx", "conv-merge")]
    public void Inspect_names_the_rewrites_that_apply(string model, string rewrite)
    {
        var found = ModelRewriter.Inspect(Model(model));
        output.WriteLine(string.Join(", ", found));
        Assert.Contains(found, f => f.Name == rewrite && f.Sites > 0);
    }

    [Fact]
    public void The_int8_model_keeps_its_graph_because_its_dynamic_quantisation_is_not_exact_under_the_PRelu_rewrite()
    {
        // Dynamic quantisation picks its int8 scales from the tensors it sees, so rewriting the PRelu upstream of a
        // quantised conv moves outputs past the tolerance: the check must catch it and keep the original graph.
        using var rewritten = new ArcFaceEmbedder(Model("w600k_mbf_int8.onnx"), runtime: Rewritten);
        using var original = new ArcFaceEmbedder(Model("w600k_mbf_int8.onnx"), runtime: Original);
        output.WriteLine(string.Join("; ", rewritten.Rewrites));
        GraphRewriteResult prelu = Assert.Single(rewritten.Rewrites, r => r.Name == "prelu-relu");
        Assert.False(prelu.Applied);
        var loader = new ImageLoader();
        RgbImage image = loader.Load(TestData.FacesDevFile("_groups/bbt1.jpg")).Image;
        using var detector = new ScrfdDetector(Model("scrfd_det_500m.onnx"), runtime: Original);
        AlignedFaces aligned = original.Align(image, detector.Detect(image));
        float[][] a = original.Embed(aligned), b = rewritten.Embed(aligned);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i]);
        }
    }

    [Fact]
    public void PRelu_rewrite_gives_the_same_embeddings_on_real_faces()
    {
        using var original = new ArcFaceEmbedder(Model("w600k_mbf_dq.onnx"), runtime: Original);
        using var rewritten = new ArcFaceEmbedder(Model("w600k_mbf_dq.onnx"), runtime: Rewritten);
        GraphRewriteResult prelu = Assert.Single(rewritten.Rewrites, r => r.Name == "prelu-relu");
        Assert.True(prelu.Applied, prelu.ToString());
        Assert.Empty(original.Rewrites);
        using var detector = new ScrfdDetector(Model("scrfd_det_500m.onnx"), runtime: Original);
        var loader = new ImageLoader();
        int faces = 0;
        float worst = 1;
        foreach (string photo in Photos)
        {
            RgbImage image = loader.Load(TestData.FacesDevFile(photo)).Image;
            IReadOnlyList<FaceDetection> found = detector.Detect(image);
            AlignedFaces aligned = original.Align(image, found);
            float[][] a = original.Embed(aligned), b = rewritten.Embed(aligned);
            for (int i = 0; i < a.Length; i++)
            {
                float cos = Search.Similarity.Cosine(a[i], b[i]);
                float diff = a[i].Zip(b[i], (x, y) => Math.Abs(x - y)).Max();
                worst = Math.Min(worst, cos);
                Assert.True(diff <= 1e-4f, $"{photo} face {i}: max element difference {diff}");
                faces++;
            }
        }

        output.WriteLine($"{faces} faces, lowest cosine original/rewritten {worst:0.0000000}");
        Assert.True(faces >= 30);
        Assert.True(worst > 0.99999f);
    }

    [Theory]
    [InlineData("scrfd_det_500m.onnx")]
    [InlineData("scrfd_det_2.5g.onnx")]
    public void Head_merge_gives_bit_identical_detections_on_real_photos(string model)
    {
        using var original = new ScrfdDetector(Model(model), runtime: Original);
        using var rewritten = new ScrfdDetector(Model(model), runtime: Rewritten);
        GraphRewriteResult merge = Assert.Single(rewritten.Rewrites, r => r.Name == "conv-merge");
        Assert.True(merge.Applied, merge.ToString());
        output.WriteLine(merge.ToString());
        var loader = new ImageLoader();
        foreach (string photo in Photos)
        {
            RgbImage image = loader.Load(TestData.FacesDevFile(photo)).Image;
            IReadOnlyList<FaceDetection> a = original.Detect(image), b = rewritten.Detect(image);
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++)
            {
                Assert.Equal(a[i].Score, b[i].Score, 1e-6f);
                Assert.Equal(a[i].Box.ToArray(), b[i].Box.ToArray(), new ToleranceComparer(1e-3f));
                Assert.Equal(a[i].Keypoints, b[i].Keypoints, new ToleranceComparer(1e-3f));
            }
        }
    }

    [Fact]
    public void A_PRelu_with_a_slope_of_1_or_more_is_left_alone()
    {
        ModelProto model = OnnxGraph.Parse(File.ReadAllBytes(Model("w600k_mbf_dq.onnx")));
        var graph = new OnnxGraph(model);
        int total = graph.Graph.Node.Count(n => n.OpType == "PRelu");
        NodeProto first = graph.Graph.Node.First(n => n.OpType == "PRelu");
        TensorProto slopes = graph.Initializers[first.Input[1]];
        float[] values = OnnxGraph.Floats(slopes)!;
        values[0] = 1.5f;
        TensorProto edited = OnnxGraph.FloatTensor(slopes.Name, slopes.Dims, values);
        slopes.RawData = edited.RawData;
        slopes.FloatData.Clear();
        // Shared slope tensors would make more than one node keep its PRelu; count the nodes that read it.
        int readers = graph.Graph.Node.Count(n => n.OpType == "PRelu" && n.Input[1] == slopes.Name);
        string path = Path.Combine(Directory.CreateTempSubdirectory("facevector-rewrite-").FullName, "slope_1.5.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        try
        {
            var found = ModelRewriter.Inspect(path);
            Assert.Contains(found, f => f.Name == "prelu-relu" && f.Sites == total - readers);
            ModelProto rewritten = OnnxGraph.Parse(File.ReadAllBytes(path));
            new PReluToReluRewrite().Apply(new OnnxGraph(rewritten));
            Assert.Equal(readers, rewritten.Graph.Node.Count(n => n.OpType == "PRelu"));
            Assert.Contains(rewritten.Graph.Node, n => n.OpType == "PRelu" && n.Input[1] == slopes.Name);

            // And the model still computes the edited function: the remaining rewrites keep it exact.
            using var a = new ArcFaceEmbedder(path, runtime: Original);
            using var b = new ArcFaceEmbedder(path, runtime: Rewritten);
            Assert.True(Assert.Single(b.Rewrites, r => r.Name == "prelu-relu").Applied);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void A_rewrite_whose_outputs_differ_is_refused_and_the_original_graph_used()
    {
        var broken = new WrongSlopeRewrite();
        string path = Model("w600k_mbf_dq.onnx");
        (InferenceSession session, IReadOnlyList<GraphRewriteResult> results) = ModelRewriter.Open(path, bytes => new InferenceSession(bytes), [broken]);
        using (session)
        {
            GraphRewriteResult r = Assert.Single(results);
            output.WriteLine(r.ToString());
            Assert.False(r.Applied);
            Assert.Contains("differ", r.Rejection, StringComparison.Ordinal);
            using var plain = new InferenceSession(path);
            Assert.Equal(0, ModelRewriter.MaxDifference(plain, session));
        }
    }

    /// <summary>The PRelu rewrite with every slope nudged: a wrong graph the check must catch.</summary>
    private sealed class WrongSlopeRewrite : IGraphRewrite
    {
        public string Name => "wrong-slope";

        public float Tolerance => 1e-4f;

        public int Apply(OnnxGraph graph)
        {
            foreach (NodeProto n in graph.Graph.Node.Where(n => n.OpType == "PRelu"))
            {
                TensorProto t = graph.Initializers[n.Input[1]];
                float[] v = [.. OnnxGraph.Floats(t)!.Select(s => s + 0.05f)];
                t.RawData = OnnxGraph.FloatTensor(t.Name, t.Dims, v).RawData;
                t.FloatData.Clear();
            }

            return 1;
        }
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
