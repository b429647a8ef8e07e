using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using FaceVector.Index;
using FaceVector.Index.Embedded;

namespace FaceVector.Benchmarks;

/// <summary>What to measure. The defaults (10k and 100k rows) finish well under a minute; add 1M with <see cref="IncludeMillion"/>.</summary>
public sealed record VectorSearchBenchmarkOptions
{
    public IReadOnlyList<int> Sizes { get; init; } = [10_000, 100_000];
    public bool IncludeMillion { get; init; }
    public int Dimension { get; init; } = 512;
    public int Queries { get; init; } = 200;
    public int Limit { get; init; } = 10;
    /// <summary>Synthetic identities: each vector is one of these random centroids plus gaussian noise.</summary>
    public int Centroids { get; init; } = 1_000;
    /// <summary>Per-component noise; 0.03 x sqrt(512) puts a face about 0.68 away from its centroid, before normalising.</summary>
    public float Noise { get; init; } = 0.03f;
    /// <summary>Faces in the store file whose open (load) time is measured; 0 skips that part.</summary>
    public int LoadRows { get; init; } = 100_000;
    public int Seed { get; init; } = 42;

    internal IEnumerable<int> AllSizes => IncludeMillion ? Sizes.Append(1_000_000).Distinct() : Sizes;
}

/// <summary>One collection size: exact and int8 latency, scan speed against the memory-bandwidth bound, int8 recall.</summary>
/// <param name="VectorBytes">Memory held for the rows: float32 vectors plus int8 codes, spare capacity included.</param>
/// <param name="BandwidthBoundMs">Median time of a plain sum over the same float rows, split over cores like the scan.</param>
/// <param name="RatioToBound">Exact p50 / bandwidth bound: 1.0 means the scan runs as fast as memory can be read.</param>
public sealed record VectorSearchSizeResult(
    int Rows, long VectorBytes, double ExactP50Ms, double ExactP99Ms, double ScanGBps, double BandwidthBoundMs, double BoundGBps,
    double RatioToBound, double Int8P50Ms, double Int8P99Ms, double Int8RecallAt10);

/// <summary>
/// Kernel choice, one thread: one TensorPrimitives.Dot per row (what the store uses) against a hand-written Vector512
/// kernel doing four rows per pass (NaN without AVX-512).
/// </summary>
public sealed record KernelComparison(int Rows, double BlockKernelMs, double PerRowDotMs);

public sealed record VectorSearchBenchmarkResult(
    IReadOnlyList<VectorSearchSizeResult> Sizes, KernelComparison? Kernel, int LoadRows, double LoadMs, long StoreFileBytes, string Machine)
{
    /// <summary>A plain-text table for the CLI and for reports.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"Exact vector search benchmark ({Machine})");
        text.AppendLine("    rows   mem MB  exact p50  exact p99   scan GB/s  bound ms  bound GB/s  ratio  int8 p50  int8 p99  int8 recall@10");
        foreach (var r in Sizes)
        {
            text.AppendLine(c, $"{r.Rows,8} {r.VectorBytes / 1e6,8:F1} {r.ExactP50Ms,8:F2}ms {r.ExactP99Ms,8:F2}ms {r.ScanGBps,9:F1} {r.BandwidthBoundMs,9:F2} {r.BoundGBps,10:F1} {r.RatioToBound,6:F2} {r.Int8P50Ms,7:F2}ms {r.Int8P99Ms,7:F2}ms {r.Int8RecallAt10,10:F3}");
        }
        if (Kernel is { } k)
            text.AppendLine(c, $"Kernel over {k.Rows} rows, one thread: TensorPrimitives.Dot per row (used) {k.PerRowDotMs:F2} ms, hand-written Vector512 4-row block {k.BlockKernelMs:F2} ms");
        if (LoadRows > 0)
            text.AppendLine(c, $"Open (load) a store file of {LoadRows} faces ({StoreFileBytes / 1e6:F0} MB): {LoadMs:F0} ms");
        return text.ToString();
    }
}

/// <summary>
/// Measures the embedded store's exact SIMD scan and its int8 scan on synthetic clustered 512-d vectors, next to the
/// memory-bandwidth bound measured in the same run, plus the time to open a store file. Used by <c>facevector bench index</c>.
/// </summary>
public sealed class VectorSearchBenchmark(VectorSearchBenchmarkOptions? options = null)
{
    private readonly VectorSearchBenchmarkOptions _options = options ?? new();

    public async Task<VectorSearchBenchmarkResult> RunAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var centroids = Centroids();
        var sizes = new List<VectorSearchSizeResult>();
        KernelComparison? kernel = null;
        foreach (var rows in _options.AllSizes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report($"building {rows} rows");
            var table = BuildTable(rows, centroids);
            progress?.Report($"searching {rows} rows");
            sizes.Add(MeasureSearch(table, centroids));
            if (rows <= 100_000) kernel = CompareKernels(table);
        }
        var (loadMs, fileBytes) = _options.LoadRows > 0 ? await MeasureLoadAsync(centroids, progress, cancellationToken).ConfigureAwait(false) : (0, 0);
        var machine = $"{Environment.ProcessorCount} cores, {(Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "no wide SIMD")}, .NET {Environment.Version}";
        return new VectorSearchBenchmarkResult(sizes, kernel, _options.LoadRows, loadMs, fileBytes, machine);
    }

    private VectorSearchSizeResult MeasureSearch(VectorTable table, float[][] centroids)
    {
        var queries = Enumerable.Range(0, _options.Queries).Select(i => Face(centroids, new Random(_options.Seed * 7919 + i))).ToArray();
        for (var i = 0; i < Math.Min(20, queries.Length); i++)
        {
            table.Search(queries[i], _options.Limit, null, null, useCodes: false); // warm up (JIT tiers, caches)
            table.Search(queries[i], _options.Limit, null, null, useCodes: true);
        }
        var exact = new double[queries.Length];
        var int8 = new double[queries.Length];
        var found = 0;
        for (var i = 0; i < queries.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var truth = table.Search(queries[i], _options.Limit, null, null, useCodes: false);
            exact[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            var approx = table.Search(queries[i], _options.Limit, null, null, useCodes: true);
            int8[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var ids = truth.Select(h => h.Id).ToHashSet();
            found += approx.Count(h => ids.Contains(h.Id));
        }
        var bound = Enumerable.Range(0, 30).Select(_ =>
        {
            var start = Stopwatch.GetTimestamp();
            GC.KeepAlive(SumAllRows(table));
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }).Skip(5).ToArray();
        var floatBytes = (double)table.Count * table.Dimension * sizeof(float);
        var (p50, boundMs) = (Percentile(exact, 0.5), Percentile(bound, 0.5));
        return new VectorSearchSizeResult(table.Count, table.VectorBytes, p50, Percentile(exact, 0.99), floatBytes / p50 / 1e6,
            boundMs, floatBytes / boundMs / 1e6, p50 / boundMs, Percentile(int8, 0.5), Percentile(int8, 0.99),
            (double)found / (queries.Length * _options.Limit));
    }

    /// <summary>
    /// The memory-bandwidth bound for a scan: a plain sum over the same rows with the same split over cores as the
    /// table's search (the table is not written to while measured).
    /// </summary>
    private static float SumAllRows(VectorTable table)
    {
        var rows = table.RowsForMeasurement();
        var used = rows.Length / table.Dimension;
        var parts = used >= VectorTable.ParallelScanThreshold ? Environment.ProcessorCount : 1;
        var partSize = (used + parts - 1) / parts;
        var sums = new float[parts];
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var start = Math.Min(used, part * partSize);
            sums[part] = TensorPrimitives.Sum(rows.Span.Slice(start * table.Dimension, (Math.Min(used, start + partSize) - start) * table.Dimension));
        });
        return sums.Sum();
    }

    private KernelComparison CompareKernels(VectorTable table)
    {
        var rows = table.RowsForMeasurement();
        var query = VectorMath.Normalized(table.RowsForMeasurement().Span[..table.Dimension]);
        var scores = new float[rows.Length / table.Dimension];
        double Time(Action scan)
        {
            scan();
            return Enumerable.Range(0, 9).Select(_ =>
            {
                var start = Stopwatch.GetTimestamp();
                scan();
                return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }).Order().ElementAt(4);
        }
        var perRow = Time(() => VectorMath.DotRows(query, rows.Span, scores));
        var block = Vector512.IsHardwareAccelerated && table.Dimension % 32 == 0
            ? Time(() =>
            {
                var span = rows.Span;
                for (var r = 0; r + 4 <= scores.Length; r += 4)
                    HandWritten4Rows(query, span.Slice(r * query.Length, 4 * query.Length), scores.AsSpan(r, 4));
            })
            : double.NaN;
        return new KernelComparison(scores.Length, block, perRow);
    }

    private async Task<(double LoadMs, long FileBytes)> MeasureLoadAsync(float[][] centroids, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"facevector-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "bench.db");
        try
        {
            progress?.Report($"writing a store of {_options.LoadRows} faces");
            const string model = "bench@1";
            await using (var index = new SqliteFaceIndex(path))
            {
                await index.EnsureCollectionAsync(new CollectionSpec(_options.Dimension, model), cancellationToken).ConfigureAwait(false);
                for (var start = 0; start < _options.LoadRows; start += 5_000)
                {
                    var random = new Random(_options.Seed + start);
                    var batch = Enumerable.Range(start, Math.Min(5_000, _options.LoadRows - start)).Select(i => new FacePoint(
                        FacePointId.For($"{i:x64}", 0, model), Payload($"/bench/{i / 1000}/{i}.jpg", $"{i:x64}", model), Face(centroids, random))).ToList();
                    await index.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
                }
            }
            progress?.Report("opening the store");
            var clock = Stopwatch.StartNew();
            await using (var reopened = new SqliteFaceIndex(path))
            {
                await reopened.GetCollectionAsync(cancellationToken).ConfigureAwait(false); // the first read loads the collection
            }
            return (clock.Elapsed.TotalMilliseconds, new FileInfo(path).Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private VectorTable BuildTable(int rows, float[][] centroids)
    {
        var table = new VectorTable(_options.Dimension, quantized: true);
        var payload = Payload("/bench/x.jpg", new string('0', 64), "bench@1");
        const int chunk = 10_000;
        for (var start = 0; start < rows; start += chunk)
        {
            var count = Math.Min(chunk, rows - start);
            var faces = new (Guid, FacePayload, float[])[count];
            Parallel.For(0, count, i =>
            {
                var random = new Random(HashCode.Combine(_options.Seed, start + i));
                faces[i] = (new Guid(start + i, 0, 0, new byte[8]), payload, Face(centroids, random));
            });
            table.Apply([], faces);
        }
        return table;
    }

    private float[][] Centroids()
    {
        var random = new Random(_options.Seed);
        return [.. Enumerable.Range(0, _options.Centroids).Select(_ => VectorMath.Normalized(Gaussian(random, _options.Dimension, 1f)))];
    }

    /// <summary>A unit vector near a random centroid.</summary>
    private float[] Face(float[][] centroids, Random random)
    {
        var face = Gaussian(random, _options.Dimension, _options.Noise);
        TensorPrimitives.Add(face, centroids[random.Next(centroids.Length)], face);
        return VectorMath.Normalized(face);
    }

    /// <summary>The alternative kernel the benchmark keeps measuring: four rows per pass sharing the query loads.</summary>
    private static void HandWritten4Rows(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> scores)
    {
        var dim = query.Length;
        ref var q = ref MemoryMarshal.GetReference(query);
        ref var r = ref MemoryMarshal.GetReference(rows);
        // Two accumulators per row: eight independent FMA chains hide the FMA latency.
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        var step = Vector512<float>.Count;
        for (var i = 0; i < dim; i += 2 * step)
        {
            var qa = Vector512.LoadUnsafe(ref q, (nuint)i);
            var qb = Vector512.LoadUnsafe(ref q, (nuint)(i + step));
            a0 = Vector512.FusedMultiplyAdd(qa, Vector512.LoadUnsafe(ref r, (nuint)i), a0);
            b0 = Vector512.FusedMultiplyAdd(qb, Vector512.LoadUnsafe(ref r, (nuint)(i + step)), b0);
            a1 = Vector512.FusedMultiplyAdd(qa, Vector512.LoadUnsafe(ref r, (nuint)(dim + i)), a1);
            b1 = Vector512.FusedMultiplyAdd(qb, Vector512.LoadUnsafe(ref r, (nuint)(dim + i + step)), b1);
            a2 = Vector512.FusedMultiplyAdd(qa, Vector512.LoadUnsafe(ref r, (nuint)(2 * dim + i)), a2);
            b2 = Vector512.FusedMultiplyAdd(qb, Vector512.LoadUnsafe(ref r, (nuint)(2 * dim + i + step)), b2);
            a3 = Vector512.FusedMultiplyAdd(qa, Vector512.LoadUnsafe(ref r, (nuint)(3 * dim + i)), a3);
            b3 = Vector512.FusedMultiplyAdd(qb, Vector512.LoadUnsafe(ref r, (nuint)(3 * dim + i + step)), b3);
        }
        scores[0] = Vector512.Sum(a0 + b0);
        scores[1] = Vector512.Sum(a1 + b1);
        scores[2] = Vector512.Sum(a2 + b2);
        scores[3] = Vector512.Sum(a3 + b3);
    }

    private static float[] Gaussian(Random random, int length, float sigma)
    {
        var values = new float[length];
        for (var i = 0; i < length; i += 2)
        {
            // Box-Muller: two independent normals per pair of uniforms.
            var radius = sigma * MathF.Sqrt(-2f * MathF.Log(1f - random.NextSingle()));
            var angle = 2f * MathF.PI * random.NextSingle();
            values[i] = radius * MathF.Cos(angle);
            if (i + 1 < length) values[i + 1] = radius * MathF.Sin(angle);
        }
        return values;
    }

    private static FacePayload Payload(string path, string hash, string model) => new()
    {
        ImagePath = path,
        ImageHash = hash,
        FaceIndex = 0,
        Box = new FaceBox(0, 0, 100, 100),
        DetectionScore = 0.9f,
        Keypoints = new float[10],
        ModelId = model,
        IngestedAt = DateTimeOffset.UnixEpoch,
    };

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
