using FaceVector.Index;
using FaceVector.Client;

namespace FaceVector.Ingest.Health;

/// <summary>
/// Readiness of the worker as its dependencies make it: ready only while an embedding replica answers and the index
/// is reachable. Each probe has a short deadline; the answer is kept for a couple of seconds so that frequent probes
/// do not load the dependencies.
/// </summary>
public sealed class DependencyReadiness(GrpcImageEmbedder embedder, IFaceIndex index, IngestStatus status)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTime At, bool Ready, string Detail)? _last;

    public async Task<(bool Ready, string Detail)> CheckAsync(CancellationToken cancellationToken)
    {
        if (status.FatalError is { } fatal)
        {
            return (false, $"stopped: {fatal}");
        }

        if (!status.Ready)
        {
            return (false, "waiting for the embedding service");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && DateTime.UtcNow - last.At < CacheFor)
            {
                return (last.Ready, last.Detail);
            }

            Task<string?> embedding = ProbeAsync("embedding service", ct => embedder.ProbeAsync(ct), cancellationToken);
            Task<string?> store = ProbeAsync("index", async ct => await index.GetCollectionAsync(ct), cancellationToken);
            string[] problems = [.. (await Task.WhenAll(embedding, store)).OfType<string>()];
            (bool ready, string detail) = problems.Length == 0 ? (true, "ready") : (false, string.Join("; ", problems));
            _last = (DateTime.UtcNow, ready, detail);
            return (ready, detail);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Null when the dependency answered in time, else what went wrong.</summary>
    private static async Task<string?> ProbeAsync(string name, Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await probe(timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{name}: no answer within {ProbeTimeout.TotalSeconds:0} s";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"{name}: {ex.GetType().Name}: {ex.Message}";
        }
    }
}
