using FaceVector.Services.Configuration;
using FaceVector.Services.Interceptors;
using FaceVector.Services.Security;
using FaceVector.Services.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FaceVector.Services.Hosting;

/// <summary>
/// What every FaceVector host shares, as eShop's ServiceDefaults: telemetry (server spans, gRPC and HTTP client spans,
/// the FaceVector meter), health checks, and the gRPC server plumbing. The embedding, search and ingest hosts and
/// <c>facevector serve</c> call these.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The ActivitySource grpc-dotnet's client writes its call spans to.</summary>
    public const string GrpcClientActivitySource = "Grpc.Net.Client";

    /// <summary>Telemetry and health for a host called <paramref name="serviceName"/>.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string serviceName, params string[] meters)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IConfiguration config = builder.Configuration;
        TelemetryOptions telemetry = config.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        OpenTelemetryBuilder otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m =>
            {
                m.AddMeter([FaceVectorMetrics.Name, .. meters]).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (telemetry.Console)
                {
                    m.AddConsoleExporter();
                }
            })
            .WithTracing(t =>
            {
                // Server spans, the embedding calls a search or ingest makes (gRPC client and its HTTP/2 requests).
                t.AddSource(FaceVectorMetrics.Name, GrpcClientActivitySource).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (telemetry.Console)
                {
                    t.AddConsoleExporter();
                }
            });
        if (!string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>Kestrel with HTTP/2 (h2c without TLS), gRPC with limits and interceptors, health, reflection, API key.</summary>
    public static WebApplicationBuilder AddFaceVectorGrpcServer(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IConfiguration config = builder.Configuration;
        IServiceCollection services = builder.Services;
        services.Configure<ServerOptions>(config.GetSection(ServerOptions.Section));
        // The conventional environment variables and key files (docker secrets), for hosts that do not use the FaceVector__Server__ApiKey form.
        services.PostConfigure<ServerOptions>(o =>
        {
            o.ApiKey = Client.Security.ApiKeys.SearchKey(config, o.ApiKey, o.ApiKeyFile);
            o.AdminKey = Client.Security.ApiKeys.AdminKey(config, o.AdminKey, o.AdminKeyFile);
        });
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
        // Every service bound with request marshallers that refuse malformed messages as INVALID_ARGUMENT.
        services.RemoveAll(typeof(global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>));
        services.AddSingleton(typeof(global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>), typeof(CheckedMessageMethodProvider<>));
        // An unhealthy check is the caller's answer (NOT_SERVING), not a server error: the model loader logs the cause once.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical);
        services.AddSingleton<FaceVectorMetrics>();
        services.AddSingleton<ApiKeyCheck>();
        services.AddSingleton<UploadLimiter>();
        services.AddSingleton<ExposureGuard>();
        services.AddHostedService(sp => sp.GetRequiredService<ExposureGuard>());
        return builder;
    }

    /// <summary>grpc.health.v1 and reflection.</summary>
    public static WebApplication MapFaceVectorGrpcDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        ExposureGuard.UseExposureGate(app, app.Services.GetRequiredService<ExposureGuard>());
        app.UseGrpcFrameGuard();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
