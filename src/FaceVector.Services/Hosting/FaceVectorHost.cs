using FaceVector.Services.Configuration;
using FaceVector.Services.Embedding;
using FaceVector.Services.Interceptors;
using FaceVector.Services.Search;
using FaceVector.Services.Security;
using FaceVector.Services.Telemetry;
using FaceVector.Services.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FaceVector.Services.Hosting;

/// <summary>Which services a host runs.</summary>
[Flags]
public enum FaceVectorRoles
{
    Embedding = 1,
    Search = 2,
    /// <summary>Both, search calling the embedder in-process (<c>facevector serve</c>).</summary>
    Combined = Embedding | Search,
    /// <summary>The search page and its HTTP API (needs <see cref="Search"/>); <c>facevector serve</c> maps it on its own port.</summary>
    Web = 4,
}

/// <summary>
/// Builds the FaceVector gRPC hosts: the embedding service, the search service, or both in one process. The two
/// host projects and <c>facevector serve</c> are one call each; tests start the same hosts on free ports.
/// </summary>
public static class FaceVectorHost
{
    /// <param name="configure">Runs first, before any setting is read: tests and <c>serve</c> add configuration and URLs here.</param>
    public static WebApplication Build(FaceVectorRoles roles, string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        if (roles.HasFlag(FaceVectorRoles.Web) && !roles.HasFlag(FaceVectorRoles.Search))
        {
            throw new ArgumentException("the web page searches the index: it needs the search role too", nameof(roles));
        }

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        configure?.Invoke(builder);
        builder.AddFaceVectorServer(roles);
        if (roles.HasFlag(FaceVectorRoles.Embedding))
        {
            builder.Services.AddFaceEmbedding(builder.Configuration);
        }

        if (roles.HasFlag(FaceVectorRoles.Search))
        {
            builder.Services.AddFaceSearch(builder.Configuration, inProcessEmbedder: roles.HasFlag(FaceVectorRoles.Embedding));
        }

        if (roles.HasFlag(FaceVectorRoles.Web))
        {
            builder.Services.AddFaceVectorWeb(builder.Configuration);
        }

        WebApplication app = builder.Build();
        if (roles.HasFlag(FaceVectorRoles.Search))
        {
            // Open the store now: a corrupt, read-only or foreign file stops the start with its one-line reason,
            // rather than a server that answers INTERNAL to every call.
            _ = app.Services.GetRequiredService<Index.IFaceIndex>();
        }

        app.MapFaceVectorServices(roles);
        return app;
    }

    /// <summary>Kestrel with HTTP/2 (h2c without TLS), gRPC with limits and interceptors, health, reflection, telemetry.</summary>
    public static WebApplicationBuilder AddFaceVectorServer(this WebApplicationBuilder builder, FaceVectorRoles roles)
    {
        IConfiguration config = builder.Configuration;
        IServiceCollection services = builder.Services;
        services.Configure<ServerOptions>(config.GetSection(ServerOptions.Section));
        // The conventional environment variables and key files (docker secrets), for hosts that do not use the FaceVector__Server__ApiKey form.
        services.PostConfigure<ServerOptions>(o => ApiKeys.Resolve(o, config));
        ServerOptions server = config.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();

        // Plain-text HTTP/2 needs HTTP/2 only (no ALPN to negotiate it); with a certificate it is the same protocol over TLS.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = server.MaxReceiveMessageBytes;
            o.Interceptors.Add<MetricsInterceptor>();
            o.Interceptors.Add<ApiKeyInterceptor>();
            o.Interceptors.Add<ExceptionMappingInterceptor>();
        });
        services.AddGrpcReflection();
        // An unhealthy check is the caller's answer (NOT_SERVING), not a server error: the model loader logs the cause once.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical);
        services.AddSingleton<FaceVectorMetrics>();
        services.AddSingleton<ApiKeyCheck>();
        services.AddSingleton<UploadLimiter>();
        services.AddSingleton<ExposureGuard>();
        services.AddHostedService(sp => sp.GetRequiredService<ExposureGuard>());
        services.AddFaceVectorTelemetry(config, roles);
        return builder;
    }

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

    public static IServiceCollection AddFaceSearch(this IServiceCollection services, IConfiguration config, bool inProcessEmbedder)
    {
        services.Configure<SearchOptions>(config.GetSection(SearchOptions.Section));
        IndexOptions index = config.GetSection(IndexOptions.Section).Get<IndexOptions>() ?? new IndexOptions();
        services.AddSingleton(_ => Index.FaceIndexFactory.Open(index.ToFaceIndexOptions()));
        services.AddSingleton<SearchModel>();
        services.AddSingleton<FaceDeletion>();
        if (inProcessEmbedder)
        {
            services.AddSingleton<IProbeEmbedder, InProcessProbeEmbedder>();
        }
        else
        {
            services.AddEmbeddingClient(config);
            services.AddSingleton<IProbeEmbedder, GrpcProbeEmbedder>();
        }

        services.AddGrpcHealthChecks().AddCheck<SearchHealthCheck>("search");
        return services;
    }

    public static WebApplication MapFaceVectorServices(this WebApplication app, FaceVectorRoles roles)
    {
        ExposureGuard.UseExposureGate(app, app.Services.GetRequiredService<ExposureGuard>());
        if (roles.HasFlag(FaceVectorRoles.Embedding))
        {
            app.MapGrpcService<FaceEmbeddingService>();
        }

        if (roles.HasFlag(FaceVectorRoles.Search))
        {
            app.MapGrpcService<FaceSearchService>();
        }

        if (roles.HasFlag(FaceVectorRoles.Web))
        {
            app.UseFaceVectorWebGuards();
            app.MapFaceVectorWeb();
        }

        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>Meter "FaceVector" and the ASP.NET Core instruments; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, console on request.</summary>
    private static void AddFaceVectorTelemetry(this IServiceCollection services, IConfiguration config, FaceVectorRoles roles)
    {
        TelemetryOptions telemetry = config.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        string serviceName = roles switch
        {
            FaceVectorRoles.Embedding => "facevector-embedding",
            FaceVectorRoles.Search => "facevector-search",
            _ => "facevector",
        };
        OpenTelemetryBuilder otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m =>
            {
                m.AddMeter(FaceVectorMetrics.Name).AddAspNetCoreInstrumentation();
                if (telemetry.Console)
                {
                    m.AddConsoleExporter();
                }
            })
            .WithTracing(t =>
            {
                t.AddSource(FaceVectorMetrics.Name).AddAspNetCoreInstrumentation();
                if (telemetry.Console)
                {
                    t.AddConsoleExporter();
                }
            });
        if (!string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
    }
}
