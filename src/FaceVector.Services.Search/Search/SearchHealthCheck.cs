using FaceVector.Application.Search;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FaceVector.Services.Search;

/// <summary>Healthy (SERVING) when the embedder answers and the index is open with a collection of its model.</summary>
public sealed class SearchHealthCheck(FaceSearcher searcher, IProbeEmbedder embedder) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // The model is cached after the first success; ask the embedder each time so that its loss shows.
            await searcher.GetModelAsync(cancellationToken);
            await embedder.GetModelAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
