using System.Numerics.Tensors;

namespace FaceVector.Index.Embedded;

/// <summary>The k-nearest-neighbour graph of the table's faces, for clustering them into persons.</summary>
internal sealed partial class VectorTable
{
    /// <summary>Up to this many query×row dot products the graph is exact (every query scans every row).</summary>
    internal const long ExactNeighbourBudget = 400_000_000;

    /// <summary>Cells probed per cell in the partitioned graph (measured by <c>facevector bench people</c>: recall against exact).</summary>
    internal const int ProbedCells = 8;

    /// <summary>
    /// Each query's k best other rows with score ≥ <paramref name="minScore"/>. Exact while queries × rows stays within
    /// <see cref="ExactNeighbourBudget"/>; beyond it the rows are partitioned by spherical k-means (√n cells) and each
    /// cell's faces are compared with the faces of its <see cref="ProbedCells"/> nearest cells only — the inverted-file
    /// idea, blocked per cell so that the candidate rows are gathered once per cell instead of once per query.
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
        Parallel.For(0, queries.Count, () => new float[used], (i, _, scores) =>
        {
            var self = queries[i];
            VectorMath.DotRows(Row(self), RowsLocked(0, used), scores);
            var heap = new PriorityQueue<int, float>(k + 1);
            for (var slot = 0; slot < used; slot++)
            {
                if (slot == self || _payloads[slot] is null) continue;
                OfferAtLeast(heap, k, slot, scores[slot], minScore);
            }
            lists[i] = [.. Drain(heap)];
            return scores;
        }, _ => { });
    }

    private void PartitionedNeighboursLocked(List<int> live, (int Slot, float Score)[][] lists, int k, float minScore)
    {
        var dim = Dimension;
        var cells = Math.Max(ProbedCells, (int)Math.Sqrt(live.Count));
        var centroids = SphericalKMeans(live, cells, iterations: 6);

        // Every row to its nearest centroid.
        var cellOf = new int[live.Count];
        Parallel.For(0, live.Count, () => new float[cells], (i, _, scores) =>
        {
            VectorMath.DotRows(Row(live[i]), centroids, scores);
            cellOf[i] = TensorPrimitives.IndexOfMax(scores);
            return scores;
        }, _ => { });
        var members = new List<int>[cells];
        for (var c = 0; c < cells; c++) members[c] = [];
        for (var i = 0; i < live.Count; i++) members[cellOf[i]].Add(i);

        Parallel.For(0, cells, c =>
        {
            if (members[c].Count == 0) return;
            var centroidScores = new float[cells];
            VectorMath.DotRows(centroids.AsSpan(c * dim, dim), centroids, centroidScores);
            var probe = Enumerable.Range(0, cells).OrderByDescending(x => centroidScores[x]).Take(ProbedCells).ToList();
            var candidates = probe.SelectMany(p => members[p]).ToArray();
            var block = new float[candidates.Length * dim];
            for (var j = 0; j < candidates.Length; j++) Row(live[candidates[j]]).CopyTo(block.AsSpan(j * dim, dim));
            var scores = new float[candidates.Length];
            foreach (var i in members[c])
            {
                var self = live[i];
                VectorMath.DotRows(Row(self), block, scores);
                var heap = new PriorityQueue<int, float>(k + 1);
                for (var j = 0; j < candidates.Length; j++)
                {
                    var slot = live[candidates[j]];
                    if (slot != self) OfferAtLeast(heap, k, slot, scores[j], minScore);
                }
                lists[i] = [.. Drain(heap)];
            }
        });
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
