using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FaceVector.Services.Embedding;

/// <summary>Healthy (SERVING) once the models are loaded.</summary>
public sealed class EmbeddingHealthCheck(FaceAnalyzerHolder holder) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(holder.Analyzer is { } a ? HealthCheckResult.Healthy($"models loaded: {a.ModelId}")
            : HealthCheckResult.Unhealthy(holder.LoadError ?? "models loading"));
}
