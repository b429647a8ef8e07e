using System.Numerics.Tensors;
using FaceVector.Index.Embedded;

namespace FaceVector.Index.Tests.Embedded;

public sealed class NeighbourGraphTests
{
    /// <summary>Groups of 5 faces around random centres (same-group cosine about 0.55, strangers about 0).</summary>
    private static (VectorTable Table, List<Guid> Ids, Dictionary<Guid, int> Group) Groups(int groups, int removeEvery = 0)
    {
        var random = new Random(3);
        float[] Gaussian(float sigma) => [.. Enumerable.Range(0, TestFaces.Dimension).Select(_ => (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];
        float[] Unit(float[] v) { TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v); return v; }
        var table = new VectorTable(TestFaces.Dimension, quantized: false);
        var rows = new List<(Guid, FacePayload, float[])>();
        var group = new Dictionary<Guid, int>();
        for (var g = 0; g < groups; g++)
        {
            var centre = Unit(Gaussian(1));
            for (var i = 0; i < 5; i++)
            {
                var v = Gaussian(0.04f);
                TensorPrimitives.Add(v, centre, v);
                var id = Guid.NewGuid();
                group[id] = g;
                rows.Add((id, TestFaces.Payload($"/p/{g}/{i}.jpg"), Unit(v)));
            }
        }
        table.Apply([], rows);
        var ids = rows.Select(r => r.Item1).ToList();
        if (removeEvery > 0) table.Apply(ids.Where((_, i) => i % removeEvery == 0), []);
        return (table, ids.Where((_, i) => removeEvery == 0 || i % removeEvery != 0).ToList(), group);
    }

    [Fact]
    public void ExactGraphFindsEachFacesGroupAndNeverItselfOrDeletedFaces()
    {
        var (table, ids, group) = Groups(40, removeEvery: 7);
        var graph = table.Neighbours(null, k: 10, minScore: 0.33f);
        Assert.Equal(ids.Count, graph.Count);
        var live = ids.ToHashSet();
        foreach (var node in graph)
        {
            Assert.DoesNotContain(node.Id, node.Ids);
            Assert.All(node.Ids, n => Assert.Contains(n, live));
            Assert.All(node.Scores, s => Assert.True(s >= 0.33f));
            Assert.Equal(ids.Count(i => group[i] == group[node.Id]) - 1, node.Ids.Count);
            Assert.All(node.Ids, n => Assert.Equal(group[node.Id], group[n]));
            Assert.Equal(node.Scores.OrderByDescending(s => s), node.Scores);
        }
    }

    [Fact]
    public void PartitionedGraphAgreesWithTheExactOneOnMostNeighbours()
    {
        var (table, _, _) = Groups(400);
        var exact = table.Neighbours(null, k: 10, minScore: 0.33f).ToDictionary(n => n.Id);
        var approximate = table.Neighbours(null, k: 10, minScore: 0.33f, forceApproximate: true);
        var wanted = exact.Values.Sum(n => n.Ids.Count);
        var found = approximate.Sum(n => n.Ids.Count(exact[n.Id].Ids.Contains));
        Assert.True(found >= 0.9 * wanted, $"recall {found}/{wanted}");
        Assert.All(approximate, n => Assert.DoesNotContain(n.Id, n.Ids));
    }

    [Fact]
    public async Task TheStoreAnswersForChosenFaces()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neighbours-{Guid.NewGuid():N}.db");
        try
        {
            await using var index = new SqliteFaceIndex(path);
            await index.EnsureCollectionAsync(TestFaces.Spec());
            var faces = TestFaces.Many(20);
            var twin = new FacePoint(Guid.NewGuid(), TestFaces.Payload("/twin.jpg"), TestFaces.Near(faces[0].Vector!, 0.01f, 5));
            await index.UpsertAsync([.. faces, twin]);
            var found = await index.NeighboursAsync([faces[0].Id, Guid.NewGuid()], 3, 0.9f);
            var only = Assert.Single(found);
            Assert.Equal(faces[0].Id, only.Id);
            Assert.Equal([twin.Id], only.Ids);
        }
        finally
        {
            foreach (var f in Directory.EnumerateFiles(Path.GetTempPath(), Path.GetFileName(path) + "*")) File.Delete(f);
        }
    }
}
