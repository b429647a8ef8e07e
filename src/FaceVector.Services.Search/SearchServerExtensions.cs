using FaceVector.Application.Search;
using FaceVector.Client;
using FaceVector.Application.Store;
using FaceVector.Services.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FaceVector.Services.Hosting;

/// <summary>Wiring of the search server: the index, the <see cref="FaceSearcher"/>, gRPC FaceSearch, its health check.</summary>
public static class SearchServerExtensions
{
    /// <summary>The searcher and the index; the probe embedder is registered apart (gRPC client, or in-process in <c>serve</c>).</summary>
    public static IServiceCollection AddFaceSearch(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<SearchSettings>().BindConfiguration(SearchSettings.Section);
        services.AddFaceIndexStore();
        services.AddSingleton<FaceSearcher>();
        services.AddSingleton<PeopleProvider>();
        services.AddSingleton<FaceDeletion>();
        services.AddOptions<Services.Search.Migration.MigrationSettings>().BindConfiguration(Services.Search.Migration.MigrationSettings.Section);
        // Open the store at start (after the settings are validated): a corrupt, read-only or foreign file stops the
        // start with its one-line reason, rather than a server that answers INTERNAL to every call.
        services.AddHostedService<StoreOpeningService>();
        services.AddGrpcHealthChecks().AddCheck<SearchHealthCheck>("search");
        return services;
    }

    /// <summary>Probes embedded by the embedding service (FaceVector:Embedding:Addresses).</summary>
    public static IServiceCollection AddGrpcProbeEmbedder(this IServiceCollection services, IConfiguration config)
    {
        services.AddEmbeddingClient(config);
        services.TryAddSingleton<IProbeEmbedder, GrpcProbeEmbedder>();
        return services;
    }

    public static WebApplication MapFaceSearch(this WebApplication app)
    {
        app.MapGrpcService<FaceSearchService>();
        app.MapGrpcService<PeopleGrpcService>();
        app.MapGrpcService<Services.Search.Migration.FaceMigrationService>();
        return app;
    }

    /// <summary>The search host: gRPC FaceSearch over the index, probes embedded by the embedding service.</summary>
    public static WebApplication BuildSearchHost(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        configure?.Invoke(builder);
        builder.AddServiceDefaults("facevector-search");
        builder.AddFaceVectorGrpcServer();
        builder.Services.AddFaceSearch(builder.Configuration).AddGrpcProbeEmbedder(builder.Configuration);
        WebApplication app = builder.Build();
        app.MapFaceSearch().MapFaceVectorGrpcDefaults();
        return app;
    }
}

/// <summary>Opens the face store when the host starts, so that a bad store file fails the start.</summary>
internal sealed class StoreOpeningService(IServiceProvider services) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<Index.IFaceIndex>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
