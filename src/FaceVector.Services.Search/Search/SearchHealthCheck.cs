using FaceVector.Client;
using FaceVector.Application.Search;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FaceVector.Services.Search;

/// <summary>
/// Healthy (SERVING) when at least one embedder answers and the index is open with a collection of its model. With
/// remote embedders every replica is asked at once (<see cref="EmbedderReplicas.AnyAnswersAsync"/>), so one hung or
/// lost replica does not flip health while another serves.
/// </summary>
public sealed class SearchHealthCheck(FaceSearcher searcher, IProbeEmbedder embedder, EmbedderReplicas? replicas = null) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // The model is cached after the first success; ask the embedder each time so that its loss shows.
            await searcher.GetModelAsync(cancellationToken);
            if (replicas is null)
            {
                await embedder.GetModelAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            else if (!await replicas.AnyAnswersAsync(TimeSpan.FromSeconds(2), cancellationToken))
            {
                return HealthCheckResult.Unhealthy($"no embedding replica answers its health check (known: {string.Join(", ", replicas.Known)})");
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
