using System.Collections.Concurrent;
using System.Diagnostics;
using FaceVector.Grpc.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace FaceVector.Cli.Remote;

/// <param name="Clients">Concurrent callers, each with one call in flight.</param>
public sealed record LoadBenchmarkOptions(Uri Server, byte[] Probe, string ProbeName, int Clients, TimeSpan Duration, string? ApiKey = null, int TopK = 10);

/// <summary>What a load run measured. Latencies are of answered calls (OK), in milliseconds.</summary>
public sealed record LoadBenchmarkResult(
    int Requests,
    IReadOnlyDictionary<StatusCode, int> ByStatus,
    TimeSpan Elapsed,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    long? PeakWorkingSetBytes)
{
    public int Ok => ByStatus.GetValueOrDefault(StatusCode.OK);

    public double Throughput => Ok / Elapsed.TotalSeconds;

    /// <summary>Calls neither answered nor refused with RESOURCE_EXHAUSTED: these mean the server misbehaved.</summary>
    public int Unexpected => ByStatus.Where(s => s.Key is not (StatusCode.OK or StatusCode.ResourceExhausted)).Sum(s => s.Value);
}

/// <summary>N concurrent clients calling Search for a fixed time against one server.</summary>
public static class LoadBenchmark
{
    public const int MaxClients = 256;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RefusalBackoff = TimeSpan.FromMilliseconds(50);

    /// <param name="sampleMemory">Reads the server's working set (in-process server), sampled every 100 ms; null: not measured.</param>
    public static async Task<LoadBenchmarkResult> RunAsync(LoadBenchmarkOptions options, Func<long>? sampleMemory, CancellationToken cancellationToken)
    {
        if (options.Clients is < 1 or > MaxClients || options.Duration <= TimeSpan.Zero || options.Duration > MaxDuration)
        {
            throw new ArgumentException($"clients must be 1..{MaxClients} and the duration more than 0 and at most {MaxDuration}");
        }

        if (!RemoteOptions.IsLoopback(options.Server))
        {
            throw new ArgumentException($"{options.Server} is not a loopback address: the load benchmark only runs against this machine");
        }

        using GrpcChannel channel = RemoteOptions.Channel(options.Server);
        var client = new FaceSearch.FaceSearchClient(channel);
        var request = new SearchRequest { Image = ByteString.CopyFrom(options.Probe), Name = options.ProbeName, TopK = options.TopK };
        Metadata headers = RemoteOptions.Headers(options.ApiKey);
        var latencies = new ConcurrentBag<double>();
        var byStatus = new ConcurrentDictionary<StatusCode, int>();

        using var sampling = new CancellationTokenSource();
        long peak = 0;
        Task sampler = sampleMemory is null ? Task.CompletedTask : Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            do
            {
                peak = Math.Max(peak, sampleMemory());
            }
            while (await timer.WaitForNextTickAsync(sampling.Token).ConfigureAwait(false));
        }, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(_ => Task.Run(async () =>
        {
            while (watch.Elapsed < options.Duration && !cancellationToken.IsCancellationRequested)
            {
                long start = Stopwatch.GetTimestamp();
                StatusCode code = StatusCode.OK;
                try
                {
                    await client.SearchAsync(request, headers, DateTime.UtcNow + CallDeadline, cancellationToken).ResponseAsync.ConfigureAwait(false);
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (RpcException ex)
                {
                    code = ex.StatusCode;
                }

                if (code == StatusCode.ResourceExhausted)
                {
                    // As a well-behaved client would: back off briefly instead of spinning on refusals.
                    await Task.Delay(RefusalBackoff, CancellationToken.None).ConfigureAwait(false);
                }

                byStatus.AddOrUpdate(code, 1, (_, n) => n + 1);
            }
        }, CancellationToken.None))).ConfigureAwait(false);
        TimeSpan elapsed = watch.Elapsed;
        await sampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);

        double[] sorted = [.. latencies.Order()];
        return new LoadBenchmarkResult(byStatus.Values.Sum(), byStatus.ToDictionary(), elapsed,
            Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), sampleMemory is null ? null : Math.Max(peak, sampleMemory()));
    }

    /// <summary>Nearest-rank percentile; NaN when nothing was answered.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
