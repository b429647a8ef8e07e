using FaceVector.Core.Search;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace FaceVector.Index.Embedded;

/// <summary>
/// The faces of one collection in memory: all vectors in one contiguous float array (row slots), an id to slot map,
/// an image path to slots map (so replacing an image's faces needs no scan), free-slot reuse after deletes, and optional int8 codes. Searches are exact scans, so recall is 1.0.
/// Many searches may run at once; mutations take the write lock briefly.
/// </summary>
internal sealed class VectorTable
{
    /// <summary>Collections at least this large are scanned on every core.</summary>
    public const int ParallelScanThreshold = 50_000;
    private const int BlockRows = 64;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<Guid, int> _slots = [];
    // Images hold a handful of faces, so a small list per path is cheaper than a set.
    private readonly Dictionary<string, List<int>> _slotsByPath = new(StringComparer.Ordinal);
    private readonly Stack<int> _freeSlots = new();
    private float[] _vectors = [];
    private Guid[] _ids = [];
    private FacePayload?[] _payloads = [];
    private sbyte[]? _codes;
    private float[] _scales = [];
    private int _usedSlots;

    public VectorTable(int dimension, bool quantized)
    {
        Dimension = dimension;
        Quantized = quantized;
        if (quantized) _codes = [];
    }

    public int Dimension { get; }
    public bool Quantized { get; }

    public int Count => Read(() => _slots.Count);

    /// <summary>Bytes held by vectors and codes (the part that grows with the collection).</summary>
    public long VectorBytes => Read(() => (long)_vectors.Length * sizeof(float) + (_codes?.LongLength ?? 0) + (long)_scales.Length * sizeof(float));

    /// <summary>Applies deletes, then upserts (vectors already unit length), under one write lock.</summary>
    public void Apply(IEnumerable<Guid> removals, IReadOnlyCollection<(Guid Id, FacePayload Payload, float[] UnitVector)> upserts)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var id in removals) RemoveLocked(id);
            EnsureCapacityLocked(_usedSlots + upserts.Count);
            foreach (var (id, payload, vector) in upserts) UpsertLocked(id, payload, vector);
        }
        finally { _lock.ExitWriteLock(); }
    }

    public FacePoint? Get(Guid id, bool withVector) => Read(() =>
        _slots.TryGetValue(id, out var slot)
            ? new FacePoint(id, _payloads[slot]!, withVector ? Row(slot).ToArray() : null)
            : null);

    /// <summary>Ids of every face stored under these image paths: one map lookup per path, no scan.</summary>
    public List<Guid> IdsOfImages(IEnumerable<string> paths) => Read(() =>
    {
        var ids = new List<Guid>();
        foreach (var path in paths)
        {
            if (_slotsByPath.TryGetValue(path, out var slots)) ids.AddRange(slots.Select(slot => _ids[slot]));
        }
        return ids;
    });

    public List<Guid> Matching(FaceFilter? filter) => Read(() =>
    {
        var ids = new List<Guid>();
        for (var slot = 0; slot < _usedSlots; slot++)
        {
            if (_payloads[slot] is { } payload && filter.Matches(payload)) ids.Add(_ids[slot]);
        }
        return ids;
    });

    public long CountMatching(FaceFilter? filter) =>
        filter is null || filter.IsEmpty ? Count : Matching(filter).Count;

    /// <summary>Exact top-N by dot product (= cosine, rows are unit length); scores must reach the threshold (<see cref="Core.Search.ScoreThreshold"/>).</summary>
    public IReadOnlyList<FaceMatch> Search(float[] unitQuery, int limit, float? threshold, FaceFilter? filter, bool useCodes)
    {
        _lock.EnterReadLock();
        try
        {
            if (!useCodes || _codes is null)
                return ToMatches(TopK(limit, threshold, filter, (start, scores) => VectorMath.DotRows(unitQuery, RowsLocked(start, scores.Length), scores)));

            // int8 pass picks candidates cheaply (a quarter of the bytes), then the float rows decide exactly.
            var queryCodes = new sbyte[Dimension];
            var queryScale = VectorMath.Quantize(unitQuery, queryCodes);
            var codes = _codes;
            var candidates = TopK(Math.Max(4 * limit, 64), null, filter, (start, scores) =>
            {
                for (var i = 0; i < scores.Length; i++)
                {
                    var slot = start + i;
                    scores[i] = VectorMath.DotInt8(queryCodes, codes.AsSpan(slot * Dimension, Dimension)) * queryScale * _scales[slot];
                }
            });
            var exact = new PriorityQueue<int, float>(limit + 1);
            foreach (var (slot, _) in candidates)
                Offer(exact, limit, slot, TensorPrimitives.Dot(unitQuery, Row(slot)), threshold);
            return ToMatches(Drain(exact));
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>All used rows, unlocked: only for measurements on a table nobody writes to.</summary>
    internal ReadOnlyMemory<float> RowsForMeasurement() => _vectors.AsMemory(0, _usedSlots * Dimension);

    private delegate void BlockScorer(int startSlot, Span<float> scores);

    /// <summary>Scans all slots in blocks, on every core for large tables, and merges the per-part heaps.</summary>
    private List<(int Slot, float Score)> TopK(int k, float? threshold, FaceFilter? filter, BlockScorer scorer)
    {
        var used = _usedSlots;
        var parts = used >= ParallelScanThreshold ? Environment.ProcessorCount : 1;
        var heaps = new PriorityQueue<int, float>[parts];
        var partSize = (used + parts - 1) / parts;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var heap = new PriorityQueue<int, float>(k + 1);
            Span<float> scores = stackalloc float[BlockRows];
            var end = Math.Min(used, (part + 1) * partSize);
            for (var start = part * partSize; start < end; start += BlockRows)
            {
                var block = scores[..Math.Min(BlockRows, end - start)];
                scorer(start, block);
                for (var i = 0; i < block.Length; i++)
                {
                    var slot = start + i;
                    if (_payloads[slot] is not { } payload) continue;
                    if (heap.Count == k && heap.TryPeek(out _, out var weakest) && block[i] <= weakest) continue;
                    if (filter is not null && !filter.Matches(payload)) continue;
                    Offer(heap, k, slot, block[i], threshold);
                }
            }
            heaps[part] = heap;
        });
        if (parts == 1) return Drain(heaps[0]);
        var merged = new PriorityQueue<int, float>(k + 1);
        foreach (var heap in heaps)
        {
            foreach (var (slot, score) in Drain(heap)) Offer(merged, k, slot, score, threshold);
        }
        return Drain(merged);
    }

    /// <summary>Keeps the k best in a bounded min-heap: the root is the weakest kept score.</summary>
    private static void Offer(PriorityQueue<int, float> heap, int k, int slot, float score, float? threshold)
    {
        if (threshold is { } t && !ScoreThreshold.Keeps(score, t)) return;
        if (heap.Count < k) heap.Enqueue(slot, score);
        else if (heap.TryPeek(out _, out var weakest) && score > weakest) heap.DequeueEnqueue(slot, score);
    }

    /// <summary>Empties the heap, best first.</summary>
    private static List<(int Slot, float Score)> Drain(PriorityQueue<int, float> heap)
    {
        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var slot, out var score)) result.Add((slot, score));
        result.Reverse();
        return result;
    }

    private List<FaceMatch> ToMatches(List<(int Slot, float Score)> hits) =>
        hits.ConvertAll(h => new FaceMatch(_ids[h.Slot], h.Score, _payloads[h.Slot]!));

    private ReadOnlySpan<float> Row(int slot) => _vectors.AsSpan(slot * Dimension, Dimension);
    private ReadOnlySpan<float> RowsLocked(int start, int count) => _vectors.AsSpan(start * Dimension, count * Dimension);

    private void UpsertLocked(Guid id, FacePayload payload, float[] unitVector)
    {
        if (!_slots.TryGetValue(id, out var slot))
        {
            slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _usedSlots++;
            _slots[id] = slot;
        }
        var previousPath = _payloads[slot]?.ImagePath; // null for a new or reused slot
        if (previousPath != payload.ImagePath)
        {
            if (previousPath is not null) UnlinkPathLocked(previousPath, slot);
            ref var slots = ref CollectionsMarshal.GetValueRefOrAddDefault(_slotsByPath, payload.ImagePath, out _);
            (slots ??= []).Add(slot);
        }
        _ids[slot] = id;
        _payloads[slot] = payload;
        unitVector.CopyTo(_vectors.AsSpan(slot * Dimension, Dimension));
        if (_codes is not null) _scales[slot] = VectorMath.Quantize(unitVector, _codes.AsSpan(slot * Dimension, Dimension));
    }

    private void RemoveLocked(Guid id)
    {
        if (!_slots.Remove(id, out var slot)) return;
        UnlinkPathLocked(_payloads[slot]!.ImagePath, slot);
        _payloads[slot] = null;
        // Zeroed rows score 0 and are skipped anyway; the slot is reused by the next insert.
        _vectors.AsSpan(slot * Dimension, Dimension).Clear();
        _freeSlots.Push(slot);
    }

    private void UnlinkPathLocked(string path, int slot)
    {
        var slots = _slotsByPath[path];
        slots.Remove(slot);
        if (slots.Count == 0) _slotsByPath.Remove(path);
    }

    /// <summary>Room for <paramref name="needed"/> slots (an upper bound: upserts may reuse free or existing slots).</summary>
    private void EnsureCapacityLocked(int needed)
    {
        if (needed <= _ids.Length) return;
        // Grow by half, not double: at a million 512-d rows every spare row costs 2 KB.
        var capacity = Math.Max(needed, Math.Max(1024, _ids.Length + _ids.Length / 2));
        Array.Resize(ref _vectors, capacity * Dimension);
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _payloads, capacity);
        if (_codes is not null)
        {
            Array.Resize(ref _codes, capacity * Dimension);
            Array.Resize(ref _scales, capacity);
        }
    }

    private T Read<T>(Func<T> read)
    {
        _lock.EnterReadLock();
        try { return read(); }
        finally { _lock.ExitReadLock(); }
    }
}
