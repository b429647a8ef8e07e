using FaceVector.Ingest;
using FaceVector.Ingest.Extensions;

// The ingest worker: embeds photos through the embedding service and keeps the face index in step with the
// configured folders (settings: docs/services.md, section "Ingest worker").
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddFaceVectorIngest();
WebApplication app = builder.Build();
app.MapIngestEndpoints();
IngestStatus status = app.Services.GetRequiredService<IngestStatus>(); // taken before RunAsync disposes the services
await app.RunAsync();
return status.ExitCode; // non-zero after a fatal error (wrong key, bad configuration)
