using FaceVector.Index;
using Microsoft.Extensions.Options;
using FaceVector.Ingest.Configuration;
using FaceVector.Client;
using FaceVector.Ingestion;
using FaceVector.Application.Store;
using FaceVector.Services.Hosting;

namespace FaceVector.Ingest.Extensions;

/// <summary>Wiring of the ingest worker host.</summary>
public static class IngestHostExtensions
{
    public static WebApplicationBuilder AddFaceVectorIngest(this WebApplicationBuilder builder)
    {
        IConfiguration config = builder.Configuration;
        IServiceCollection services = builder.Services;
        builder.AddServiceDefaults("facevector-ingest", IngestWorker.Meter.Name);
        services.AddFaceIndexStore();
        services.Configure<IngestWorkerOptions>(config.GetSection(IngestWorkerOptions.Section));
        services.AddOptions<IngestWorkerOptions>().PostConfigure<IOptions<FaceIndexOptions>>((o, storeOptions) =>
        {
            FaceIndexOptions store = storeOptions.Value;
            // The same journal 'facevector ingest report' and the search page read for this store.
            o.JournalPath ??= IngestJournal.DefaultPathFor(store);
            if (o.Parallelism <= 0)
            {
                // Enough calls in flight to keep every embedder replica's cores busy.
                int replicas = Math.Max(1, config.GetSection($"{EmbeddingClientOptions.Section}:Addresses").GetChildren().Count());
                o.Parallelism = 4 * replicas;
            }
        });
        services.AddEmbeddingClient(config);
        services.AddSingleton<GrpcImageEmbedder>();
        services.AddSingleton<IngestStatus>();
        services.AddHostedService<IngestWorker>();

        return builder;
    }

    /// <summary><c>/healthz</c> (process up), <c>/readyz</c> (embedding service reached), <c>/status</c> (progress, last pass).</summary>
    public static WebApplication MapIngestEndpoints(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (IngestStatus s) => s.Ready ? Results.Text("ready") : Results.Text("waiting for the embedding service", statusCode: 503));
        app.MapGet("/status", (IngestStatus s) => Results.Json(new { ready = s.Ready, progress = s.Progress, lastRun = s.LastRun }));
        return app;
    }
}
