using System.Numerics.Tensors;
using FaceVector.Index.Embedded;

namespace FaceVector.Index.Tests.Embedded;

public sealed class VectorTableTests
{
    [Theory]
    [InlineData(512, 13)]
    [InlineData(16, 9)]
    [InlineData(8, 5)]
    [InlineData(7, 6)]
    public void Row_dot_products_match_a_dot_per_row_for_any_dimension(int dimension, int rows)
    {
        var query = TestFaces.Vector(1, dimension);
        var block = Enumerable.Range(0, rows).SelectMany(r => TestFaces.Vector(100 + r, dimension)).ToArray();
        var scores = new float[rows];
        VectorMath.DotRows(query, block, scores);
        for (var r = 0; r < rows; r++)
            Assert.Equal(TensorPrimitives.Dot(query, block.AsSpan(r * dimension, dimension)), scores[r], 1e-4f);
    }

    [Fact]
    public void Int8_codes_approximate_the_vector_and_their_dot_product_is_exact_integer_arithmetic()
    {
        var a = VectorMath.Normalized(TestFaces.Vector(1));
        var b = VectorMath.Normalized(TestFaces.Vector(2));
        var (ca, cb) = (new sbyte[512], new sbyte[512]);
        var (sa, sb) = (VectorMath.Quantize(a, ca), VectorMath.Quantize(b, cb));
        Assert.Equal(ca.Zip(cb, (x, y) => x * y).Sum(), VectorMath.DotInt8(ca, cb));
        Assert.Equal(TensorPrimitives.Dot(a, b), VectorMath.DotInt8(ca, cb) * sa * sb, 0.01f);
        Assert.Equal(127, ca.Max(c => Math.Abs((int)c)));
    }

    [Fact]
    public void Zero_or_non_finite_vectors_are_refused()
    {
        Assert.Throws<ArgumentException>(() => VectorMath.Normalized(new float[4]));
        Assert.Throws<ArgumentException>(() => VectorMath.Normalized([1f, float.NaN]));
    }

    [Fact]
    public void The_parallel_scan_of_a_large_table_finds_exactly_the_brute_force_top_n()
    {
        const int dimension = 8;
        var rows = VectorTable.ParallelScanThreshold + 1234;
        var table = new VectorTable(dimension, quantized: false);
        var vectors = Enumerable.Range(0, rows).Select(i => VectorMath.Normalized(TestFaces.Vector(i, dimension))).ToArray();
        var ids = Enumerable.Range(0, rows).Select(i => new Guid(i, 0, 0, new byte[8])).ToArray();
        var payload = TestFaces.Payload("/x.jpg");
        table.Apply([], [.. Enumerable.Range(0, rows).Select(i => (ids[i], payload, vectors[i]))]);
        table.Apply([ids[5], ids[rows - 1]], []); // freed slots must not show up
        var query = VectorMath.Normalized(TestFaces.Vector(-1, dimension));
        var expected = Enumerable.Range(0, rows).Where(i => i != 5 && i != rows - 1)
            .Select(i => (Id: ids[i], Score: TensorPrimitives.Dot(query, vectors[i])))
            .OrderByDescending(h => h.Score).Take(25).ToList();
        var hits = table.Search(query, 25, threshold: null, filter: null, useCodes: false);
        Assert.Equal(expected.Select(h => h.Id), hits.Select(h => h.Id));
        Assert.Equal(rows - 2, table.Count);
    }

    [Fact]
    public void Freed_slots_are_reused()
    {
        var table = new VectorTable(4, quantized: true);
        var payload = TestFaces.Payload("/x.jpg");
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        table.Apply([], [(a, payload, [1, 0, 0, 0]), (b, payload, [0, 1, 0, 0])]);
        var bytes = table.VectorBytes;
        table.Apply([a], [(c, payload, [0, 0, 1, 0])]);
        Assert.Equal(bytes, table.VectorBytes);
        Assert.Equal(2, table.Count);
        Assert.Equal(c, table.Search([0, 0, 1, 0], 1, null, null, useCodes: true).Single().Id);
    }

    [Fact]
    public void The_path_map_follows_upserts_moves_removals_and_reused_slots()
    {
        var table = new VectorTable(4, quantized: false);
        var (x, y) = (TestFaces.Payload("/x.jpg"), TestFaces.Payload("/y.jpg"));
        var (a, b, c, d) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        table.Apply([], [(a, x, [1, 0, 0, 0]), (b, x, [0, 1, 0, 0]), (c, y, [0, 0, 1, 0])]);
        Assert.Equal(new[] { a, b }.Order(), table.IdsOfImages(["/x.jpg"]).Order());
        table.Apply([], [(b, y, [0, 1, 0, 0])]); // the same id under another path moves
        Assert.Equal([a], table.IdsOfImages(["/x.jpg"]));
        Assert.Equal(new[] { b, c }.Order(), table.IdsOfImages(["/y.jpg"]).Order());
        table.Apply([a], [(d, y, [0, 0, 0, 1])]); // d takes a's freed slot
        Assert.Empty(table.IdsOfImages(["/x.jpg", "/never.jpg"]));
        Assert.Equal(new[] { b, c, d }.Order(), table.IdsOfImages(["/y.jpg"]).Order());
        Assert.Equal(table.Matching(new FaceFilter { ImagePath = "/y.jpg" }).Order(), table.IdsOfImages(["/y.jpg"]).Order());
    }
}
