using FaceVector.Services.Configuration;
using FaceVector.Services.Telemetry;
using FaceVector.Application.Errors;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Embedding;

/// <summary>
/// Bounds model runs: at most N at once and at most Q more waiting. A call that finds the queue full is refused
/// with RESOURCE_EXHAUSTED at once, so overload shows as fast refusals rather than ever-growing latency and memory.
/// </summary>
public sealed class InferenceGate : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly int _capacity;
    private int _admitted; // running + waiting

    public InferenceGate(IOptions<InferenceOptions> options, FaceVectorMetrics metrics)
    {
        InferenceOptions o = options.Value;
        MaxConcurrency = o.EffectiveConcurrency;
        MaxQueue = o.EffectiveQueue;
        _capacity = MaxConcurrency + MaxQueue;
        _slots = new SemaphoreSlim(MaxConcurrency, MaxConcurrency);
        metrics.ObserveQueueDepth(() => Waiting);
    }

    public int MaxConcurrency { get; }

    public int MaxQueue { get; }

    /// <summary>Calls admitted but not yet running.</summary>
    public int Waiting => Math.Max(0, Volatile.Read(ref _admitted) - MaxConcurrency);

    /// <summary>Waits for a slot (or the caller's cancellation); dispose the lease to free it.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _admitted) > _capacity)
        {
            Interlocked.Decrement(ref _admitted);
            throw FaceVectorException.ResourceExhausted($"inference queue full ({MaxConcurrency} running, {MaxQueue} waiting): retry later");
        }

        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _admitted);
            throw;
        }

        return new Lease(this);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Lease(InferenceGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate._slots.Release();
                Interlocked.Decrement(ref gate._admitted);
            }
        }
    }
}
