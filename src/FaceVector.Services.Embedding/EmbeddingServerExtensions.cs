using FaceVector.Application.Search;
using FaceVector.Services.Configuration;
using FaceVector.Services.Embedding;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FaceVector.Services.Hosting;

/// <summary>Wiring of the embedding server: the models, the inference gate, gRPC FaceEmbedding, its health check.</summary>
public static class EmbeddingServerExtensions
{
    public static IServiceCollection AddFaceEmbedding(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<ModelsOptions>(config.GetSection(ModelsOptions.Section));
        services.Configure<InferenceOptions>(config.GetSection(InferenceOptions.Section));
        services.AddSingleton<FaceAnalyzerHolder>();
        services.AddSingleton<InferenceGate>();
        services.AddSingleton<EmbeddingEngine>();
        services.AddHostedService<ModelLoadingService>();
        services.AddGrpcHealthChecks().AddCheck<EmbeddingHealthCheck>("embedding");
        return services;
    }

    /// <summary>Probes embedded by this process's models (<c>facevector serve</c>).</summary>
    public static IServiceCollection AddInProcessProbeEmbedder(this IServiceCollection services)
    {
        services.TryAddSingleton<IProbeEmbedder, InProcessProbeEmbedder>();
        return services;
    }

    public static WebApplication MapFaceEmbedding(this WebApplication app)
    {
        app.MapGrpcService<FaceEmbeddingService>();
        return app;
    }

    /// <summary>The embedding host: models once, gRPC FaceEmbedding, health, reflection.</summary>
    public static WebApplication BuildEmbeddingHost(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        configure?.Invoke(builder);
        builder.AddServiceDefaults("facevector-embedding");
        builder.AddFaceVectorGrpcServer();
        builder.Services.AddFaceEmbedding(builder.Configuration);
        WebApplication app = builder.Build();
        app.MapFaceEmbedding().MapFaceVectorGrpcDefaults();
        return app;
    }
}
