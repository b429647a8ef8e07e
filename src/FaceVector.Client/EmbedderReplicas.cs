using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceVector.Client;

/// <summary>
/// What the embedding client knows about each embedder replica it balances over. An attempt that was still running
/// after <see cref="EmbeddingClientOptions.HedgeAfterSeconds"/> and ended without an answer (cut off by the deadline,
/// or abandoned because a hedged attempt on another replica answered first) is a strike; after
/// <see cref="EmbeddingClientOptions.EjectAfterTimeouts"/> strikes in a row the replica is ejected: calls skip it
/// while it is ejected, and it returns once it answers its gRPC health check (SERVING) again. A replica that hangs
/// (a stopped process keeps its connections open, so the balancer alone still sees it as ready) thus costs a couple
/// of hedged calls, not every other call. One instance per process (a singleton), shared by every picker.
/// </summary>
public sealed class EmbedderReplicas : IDisposable
{
    private readonly ConcurrentDictionary<string, Replica> _replicas = new(StringComparer.Ordinal);
    private readonly TimeSpan _slowAfter;
    private readonly int _ejectAfter;
    private readonly bool _tls;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();

    public EmbedderReplicas(EmbeddingClientOptions options, bool tls, ILogger<EmbedderReplicas>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _slowAfter = TimeSpan.FromSeconds(options.HedgeAfterSeconds);
        _ejectAfter = Math.Max(1, options.EjectAfterTimeouts);
        _tls = tls;
        _logger = logger ?? NullLogger<EmbedderReplicas>.Instance;
    }

    /// <summary>Addresses (host:port) the balancer currently knows.</summary>
    public IReadOnlyCollection<string> Known => [.. _replicas.Where(r => r.Value.Present).Select(r => r.Key)];

    /// <summary>Addresses ejected now.</summary>
    public IReadOnlyCollection<string> Ejected => [.. _replicas.Where(r => r.Value.Ejected).Select(r => r.Key)];

    /// <summary>The addresses the resolver gave the balancer (called on every update).</summary>
    public void Seen(IEnumerable<BalancerAddress> addresses)
    {
        var now = addresses.Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (string key in now)
        {
            _replicas.GetOrAdd(key, k => new Replica(k)).Present = true;
        }

        foreach ((string key, Replica replica) in _replicas)
        {
            replica.Present = now.Contains(key);
        }
    }

    public bool IsEjected(BalancerAddress? address) => address is not null && _replicas.TryGetValue(Key(address), out Replica? r) && r.Ejected;

    /// <summary>One attempt on <paramref name="address"/> ended: an answer clears the strikes, a slow failure adds one.</summary>
    public void Record(BalancerAddress? address, TimeSpan elapsed, Exception? error)
    {
        if (address is null)
        {
            return;
        }

        Replica replica = _replicas.GetOrAdd(Key(address), k => new Replica(k));
        if (error is null)
        {
            Interlocked.Exchange(ref replica.Strikes, 0);
            return;
        }

        if (elapsed < _slowAfter)
        {
            return; // a quick failure (refused, reset) is the balancer's business: the subchannel leaves the ready set
        }

        if (Interlocked.Increment(ref replica.Strikes) >= _ejectAfter && !replica.Ejected)
        {
            replica.Ejected = true;
            _logger.LogWarning("Embedding replica {Address} ejected: {Strikes} call(s) in a row got no answer within {Seconds:0.#} s; it is used again once it answers its health check",
                replica.Address, replica.Strikes, _slowAfter.TotalSeconds);
            _ = Task.Run(() => ProbeUntilHealthyAsync(replica));
        }
    }

    /// <summary>
    /// True when at least one known replica answers its health check with SERVING within <paramref name="timeout"/>
    /// (all are asked at once). Search health is this, not the fate of whichever replica the last call went to.
    /// </summary>
    public async Task<bool> AnyAnswersAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        IReadOnlyCollection<string> known = Known;
        if (known.Count == 0)
        {
            return false;
        }

        using var first = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<bool>[] probes = [.. known.Select(a => ServingAsync(_replicas[a], timeout, first.Token))];
        while (probes.Length > 0)
        {
            Task<bool> done = await Task.WhenAny(probes).ConfigureAwait(false);
            if (await done.ConfigureAwait(false))
            {
                await first.CancelAsync().ConfigureAwait(false);
                return true;
            }

            probes = [.. probes.Where(p => p != done)];
        }

        return false;
    }

    private async Task ProbeUntilHealthyAsync(Replica replica)
    {
        while (!_stop.IsCancellationRequested && replica.Ejected)
        {
            if (await ServingAsync(replica, TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false))
            {
                Interlocked.Exchange(ref replica.Strikes, 0);
                replica.Ejected = false;
                _logger.LogInformation("Embedding replica {Address} answers its health check again: back in use", replica.Address);
                return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> ServingAsync(Replica replica, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var health = new Health.HealthClient(replica.ProbeChannel(_tls));
            HealthCheckResponse reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (RpcException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Key(BalancerAddress address) => $"{address.EndPoint.Host}:{address.EndPoint.Port}";

    public void Dispose()
    {
        _stop.Cancel();
        foreach (Replica replica in _replicas.Values)
        {
            replica.Dispose();
        }

        _stop.Dispose();
    }

    private sealed class Replica(string address) : IDisposable
    {
        private GrpcChannel? _probe;

        public int Strikes;

        public string Address { get; } = address;

        public volatile bool Ejected;

        public volatile bool Present;

        /// <summary>A channel of its own to this one address, for health checks that must not go through the balancer.</summary>
        public GrpcChannel ProbeChannel(bool tls) =>
            LazyInitializer.EnsureInitialized(ref _probe, () => GrpcChannel.ForAddress($"{(tls ? "https" : "http")}://{Address}"));

        public void Dispose() => _probe?.Dispose();
    }
}

/// <summary>Round-robin over the ready replicas that are not ejected (all ready ones if every one is), tracking each attempt.</summary>
public sealed class EjectingRoundRobinBalancerFactory(EmbedderReplicas replicas) : LoadBalancerFactory
{
    public const string PolicyName = "facevector_ejecting_round_robin";

    public override string Name => PolicyName;

    public override LoadBalancer Create(LoadBalancerOptions options) => new Balancer(options.Controller, options.LoggerFactory, replicas);

    private sealed class Balancer(IChannelControlHelper controller, ILoggerFactory loggerFactory, EmbedderReplicas replicas)
        : SubchannelsLoadBalancer(controller, loggerFactory)
    {
        public override void UpdateChannelState(ChannelState state)
        {
            if (state.Addresses is { } addresses)
            {
                replicas.Seen(addresses);
            }

            base.UpdateChannelState(state);
        }

        protected override SubchannelPicker CreatePicker(IReadOnlyList<Subchannel> readySubchannels) => new Picker(readySubchannels, replicas);
    }

    private sealed class Picker(IReadOnlyList<Subchannel> ready, EmbedderReplicas replicas) : SubchannelPicker
    {
        private int _next = Random.Shared.Next();

        public override PickResult Pick(PickContext context)
        {
            List<Subchannel> usable = [.. ready.Where(s => !replicas.IsEjected(s.CurrentAddress))];
            if (usable.Count == 0)
            {
                usable = [.. ready]; // every replica ejected: trying them beats refusing every call
            }

            Subchannel subchannel = usable[(int)((uint)Interlocked.Increment(ref _next) % (uint)usable.Count)];
            return PickResult.ForSubchannel(subchannel, new Tracker(replicas, subchannel.CurrentAddress));
        }
    }

    private sealed class Tracker(EmbedderReplicas replicas, BalancerAddress? address) : ISubchannelCallTracker
    {
        private long _started;

        public void Start() => _started = Stopwatch.GetTimestamp();

        public void Complete(CompletionContext context) => replicas.Record(context.Address ?? address, Stopwatch.GetElapsedTime(_started), context.Error);
    }
}
