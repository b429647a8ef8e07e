using System.Numerics.Tensors;

namespace FaceVector.Index.Embedded;

/// <summary>The k-nearest-neighbour graph of the table's faces, for clustering them into persons.</summary>
internal sealed partial class VectorTable
{
    /// <summary>Up to this many query×row dot products the graph is exact (every query scans every row).</summary>
    internal const long ExactNeighbourBudget = 50_000_000;

    /// <summary>Cells probed per cell in the partitioned graph (measured by <c>facevector bench people</c>: recall against exact).</summary>
    internal const int ProbedCells = 8;

    /// <summary>
    /// Each query's k best other rows with score ≥ <paramref name="minScore"/>. Exact while queries × rows stays within
    /// <see cref="ExactNeighbourBudget"/>; beyond it the rows are partitioned by spherical k-means (√n cells) and each
    /// face is compared with the faces of its own <see cref="ProbedCells"/> nearest cells only (an inverted file),
    /// computed cell by cell for every face that probes the cell, so that a cell's rows are read into cache once.
    /// </summary>
    public List<FaceNeighbours> Neighbours(IReadOnlyList<Guid>? of, int k, float minScore, bool forceApproximate = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        _lock.EnterReadLock();
        try
        {
            var live = new List<int>(_slots.Count);
            for (var slot = 0; slot < _usedSlots; slot++)
            {
                if (_payloads[slot] is not null) live.Add(slot);
            }
            var queries = of is null ? live : [.. of.Select(id => _slots.TryGetValue(id, out var s) ? s : -1).Where(s => s >= 0).Distinct()];
            var lists = new (int Slot, float Score)[queries.Count][];
            if (!forceApproximate && (long)queries.Count * live.Count <= ExactNeighbourBudget || of is not null || live.Count < 4 * ProbedCells)
                ExactNeighboursLocked(queries, lists, k, minScore);
            else
                PartitionedNeighboursLocked(live, lists, k, minScore);
            var result = new List<FaceNeighbours>(queries.Count);
            for (var i = 0; i < queries.Count; i++)
            {
                var hits = lists[i];
                result.Add(new FaceNeighbours(_ids[queries[i]], [.. hits.Select(h => _ids[h.Slot])], [.. hits.Select(h => h.Score)]));
            }
            return result;
        }
        finally { _lock.ExitReadLock(); }
    }

    private void ExactNeighboursLocked(List<int> queries, (int Slot, float Score)[][] lists, int k, float minScore)
    {
        var used = _usedSlots;
        var rows = _vectors.AsMemory(0, used * Dimension);
        var tiles = (queries.Count + QueryTile - 1) / QueryTile;
        Parallel.For(0, tiles, tile =>
        {
            var from = tile * QueryTile;
            var count = Math.Min(QueryTile, queries.Count - from);
            var found = TopNeighbours(queries.GetRange(from, count), rows.Span, slot => slot, used, k, minScore);
            for (var i = 0; i < count; i++) lists[from + i] = found[i];
        });
    }

    private void PartitionedNeighboursLocked(List<int> live, (int Slot, float Score)[][] lists, int k, float minScore)
    {
        var dim = Dimension;
        var cells = Math.Max(ProbedCells, (int)Math.Sqrt(live.Count));
        var centroids = SphericalKMeans(live, cells, iterations: 6);

        // Every row to its nearest centroid (its cell), and the cells its own search probes (its nearest centroids).
        var probes = new int[live.Count * ProbedCells];
        Parallel.For(0, live.Count, () => new float[cells], (i, _, scores) =>
        {
            VectorMath.DotRows(Row(live[i]), centroids, scores);
            var best = probes.AsSpan(i * ProbedCells, ProbedCells);
            for (var p = 0; p < ProbedCells; p++)
            {
                var top = TensorPrimitives.IndexOfMax(scores);
                best[p] = top;
                scores[top] = float.NegativeInfinity;
            }
            return scores;
        }, _ => { });
        var members = new List<int>[cells];
        var askers = new List<(int Query, int Rank)>[cells];
        for (var c = 0; c < cells; c++) (members[c], askers[c]) = ([], []);
        for (var i = 0; i < live.Count; i++)
        {
            members[probes[i * ProbedCells]].Add(i);
            for (var p = 0; p < ProbedCells; p++) askers[probes[(i * ProbedCells) + p]].Add((i, p));
        }

        // Cell by cell: everyone probing the cell against its rows (kept in cache); each query's best per probed
        // cell lands in its own slot of `partial`, so cells run in parallel without locks, and are merged at the end.
        var partial = new (int Slot, float Score)[live.Count * ProbedCells][];
        Parallel.For(0, cells, c =>
        {
            if (members[c].Count == 0 || askers[c].Count == 0) return;
            var candidates = members[c].Select(i => live[i]).ToArray();
            var block = new float[candidates.Length * dim];
            for (var j = 0; j < candidates.Length; j++) Row(candidates[j]).CopyTo(block.AsSpan(j * dim, dim));
            for (var from = 0; from < askers[c].Count; from += QueryTile)
            {
                var tile = askers[c].GetRange(from, Math.Min(QueryTile, askers[c].Count - from));
                var found = TopNeighbours([.. tile.Select(a => live[a.Query])], block, j => candidates[j], candidates.Length, k, minScore);
                for (var t = 0; t < tile.Count; t++) partial[(tile[t].Query * ProbedCells) + tile[t].Rank] = found[t];
            }
        });
        Parallel.For(0, live.Count, i =>
        {
            var merged = new List<(int Slot, float Score)>();
            for (var p = 0; p < ProbedCells; p++)
            {
                if (partial[(i * ProbedCells) + p] is { } part) merged.AddRange(part);
            }
            lists[i] = [.. merged.OrderByDescending(m => m.Score).Take(k)];
        });
    }

    private const int QueryTile = 32;
    private const int RowTile = 64;

    /// <summary>
    /// The k best rows for each of a tile of query slots, scanning <paramref name="rowCount"/> contiguous rows
    /// (<paramref name="slotOfRow"/> maps a row to its slot). Queries are scored in tiles against row tiles that stay
    /// in cache, so each row is read from memory once per tile of queries instead of once per query.
    /// </summary>
    private (int Slot, float Score)[][] TopNeighbours(List<int> querySlots, ReadOnlySpan<float> rows, Func<int, int> slotOfRow, int rowCount, int k, float minScore)
    {
        var dim = Dimension;
        var q = querySlots.Count;
        var queries = new float[q * dim];
        for (var i = 0; i < q; i++) Row(querySlots[i]).CopyTo(queries.AsSpan(i * dim, dim));
        var heaps = new PriorityQueue<int, float>[q];
        for (var i = 0; i < q; i++) heaps[i] = new PriorityQueue<int, float>(k + 1);
        Span<float> scores = stackalloc float[QueryTile * RowTile];
        for (var start = 0; start < rowCount; start += RowTile)
        {
            var count = Math.Min(RowTile, rowCount - start);
            for (var r = 0; r < count; r++)
            {
                var row = rows.Slice((start + r) * dim, dim);
                for (var i = 0; i < q; i++) scores[(i * RowTile) + r] = TensorPrimitives.Dot(queries.AsSpan(i * dim, dim), row);
            }
            for (var r = 0; r < count; r++)
            {
                var slot = slotOfRow(start + r);
                if (_payloads[slot] is null) continue;
                for (var i = 0; i < q; i++)
                {
                    if (slot != querySlots[i]) OfferAtLeast(heaps[i], k, slot, scores[(i * RowTile) + r], minScore);
                }
            }
        }
        return [.. heaps.Select(h => Drain(h).ToArray())];
    }

    /// <summary>
    /// Unit centroids of <paramref name="cells"/> groups (k-means on the unit sphere: dot-product assignment,
    /// renormalised means), trained on a sample of at most 64 rows per cell; seeded, so the graph is repeatable.
    /// </summary>
    private float[] SphericalKMeans(List<int> live, int cells, int iterations)
    {
        var dim = Dimension;
        var random = new Random(20260101);
        var sample = live.OrderBy(_ => random.Next()).Take(Math.Min(live.Count, cells * 64)).ToArray();
        var centroids = new float[cells * dim];
        for (var c = 0; c < cells; c++) Row(sample[c]).CopyTo(centroids.AsSpan(c * dim, dim));
        var assignment = new int[sample.Length];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var current = centroids;
            Parallel.For(0, sample.Length, () => new float[cells], (i, _, scores) =>
            {
                VectorMath.DotRows(Row(sample[i]), current, scores);
                assignment[i] = TensorPrimitives.IndexOfMax(scores);
                return scores;
            }, _ => { });
            var sums = new float[cells * dim];
            var counts = new int[cells];
            for (var i = 0; i < sample.Length; i++)
            {
                var c = assignment[i];
                TensorPrimitives.Add(sums.AsSpan(c * dim, dim), Row(sample[i]), sums.AsSpan(c * dim, dim));
                counts[c]++;
            }
            for (var c = 0; c < cells; c++)
            {
                var centroid = sums.AsSpan(c * dim, dim);
                if (counts[c] == 0) Row(sample[random.Next(sample.Length)]).CopyTo(centroid); // an emptied cell restarts at a random face
                else VectorMath.Normalize(centroid, centroid);
            }
            centroids = sums;
        }
        return centroids;
    }

    /// <summary>Like <see cref="Offer"/> but inclusive: the graph keeps scores equal to the threshold.</summary>
    private static void OfferAtLeast(PriorityQueue<int, float> heap, int k, int slot, float score, float minScore)
    {
        if (!(score >= minScore)) return;
        if (heap.Count < k) heap.Enqueue(slot, score);
        else if (heap.TryPeek(out _, out var weakest) && score > weakest) heap.DequeueEnqueue(slot, score);
    }
}
