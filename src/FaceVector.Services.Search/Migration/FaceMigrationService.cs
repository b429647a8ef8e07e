using System.Threading.Channels;
using FaceVector.Application.Errors;
using FaceVector.Application.Migration;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Search.Migration;

/// <summary>
/// gRPC FaceMigration (admin key only, <c>ApiKeyCheck.AdminMethods</c>): the same <see cref="ModelMigration"/> as
/// <c>facevector migrate</c>, on the search service's store, with the faces re-embedded by the migration embedder.
/// One migration at a time per server; a stopped one (cancelled call, killed server) resumes when asked again.
/// </summary>
internal sealed partial class FaceMigrationService(IOptions<FaceIndexOptions> store, IOptions<MigrationSettings> settings, IConfiguration config, ILogger<FaceMigrationService> log)
    : FaceMigration.FaceMigrationBase
{
    private const int MaxBatch = 1024;
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public override async Task Migrate(MigrateRequest request, IServerStreamWriter<MigrateProgress> responseStream, ServerCallContext context)
    {
        Validate(request);
        if (!await OneAtATime.WaitAsync(0, context.CancellationToken).ConfigureAwait(false))
        {
            throw new FaceVectorException(new FaceVectorError(ErrorCode.FailedPrecondition, "MIGRATION_RUNNING", "a migration is already running on this server; ask again when it has ended (it resumes)"));
        }

        try
        {
            await RunAsync(request, responseStream, context.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private static void Validate(MigrateRequest request)
    {
        if (request.Finish && request.ToModelId.Length > 0)
        {
            throw FaceVectorException.InvalidArgument("finish", "finish drops the old collection of a switched migration: leave to_model_id empty");
        }

        if (!request.Finish && string.IsNullOrWhiteSpace(request.ToModelId))
        {
            throw FaceVectorException.InvalidArgument("to_model_id", "required: the model id of the new recognizer (or set finish)");
        }

        if (request.BatchSize is < 0 or > MaxBatch)
        {
            throw FaceVectorException.InvalidArgument("batch_size", $"must be from 1 to {MaxBatch} (0: 64); it is {request.BatchSize}");
        }
    }

    private async Task RunAsync(MigrateRequest request, IServerStreamWriter<MigrateProgress> responseStream, CancellationToken cancellationToken)
    {
        await using var catalog = FaceIndexFactory.OpenCatalog(store.Value);
        var migration = new ModelMigration(catalog, new MigrationOptions { BatchSize = request.BatchSize == 0 ? 64 : request.BatchSize, DropOld = request.DropOld },
            m => LogMigration(log, m));
        MigrationReport report;
        if (request.Finish)
        {
            report = await migration.FinishAsync(store.Value.Collection, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (settings.Value.EmbeddingAddress is not { Length: > 0 } address || !Uri.TryCreate(address, UriKind.Absolute, out Uri? uri))
            {
                throw new FaceVectorException(new FaceVectorError(ErrorCode.FailedPrecondition, "NO_MIGRATION_EMBEDDER",
                    $"no embedding service for the new recognizer: set {MigrationSettings.Section}:EmbeddingAddress on the search service"));
            }

            string? key = settings.Value.ApiKey ?? Client.Security.ApiKeys.SearchKey(config);
            using GrpcReembedder embedder = await GrpcReembedder.ConnectAsync(uri, key, TimeSpan.FromSeconds(settings.Value.TimeoutSeconds), cancellationToken).ConfigureAwait(false);
            if (embedder.ModelId != request.ToModelId)
            {
                throw FaceVectorException.InvalidArgument("to_model_id", $"the migration embedder runs '{embedder.ModelId}', not the model asked for");
            }

            // Progress comes from the migration's threads; one writer task sends it in order (a stream takes one write at a time).
            var updates = Channel.CreateBounded<MigrateProgress>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
            Task sender = Task.Run(async () =>
            {
                await foreach (MigrateProgress p in updates.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    await responseStream.WriteAsync(p, cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken);
            try
            {
                report = await migration.RunAsync(store.Value.Collection, embedder,
                    new Progress(p => updates.Writer.TryWrite(new MigrateProgress { Photos = p.Photos, PhotosDone = p.PhotosDone, FacesWritten = p.FacesWritten, PhotosFailed = p.PhotosFailed })),
                    cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                updates.Writer.TryComplete();
                await sender.ConfigureAwait(false);
            }
        }

        await responseStream.WriteAsync(new MigrateProgress { Report = ToProto(report) }, cancellationToken).ConfigureAwait(false);
    }

    private static MigrateReport ToProto(MigrationReport r) => new()
    {
        Alias = r.Alias, Source = r.Source, Target = r.Target, FromModelId = r.FromModel, ToModelId = r.ToModel,
        SourceFaces = r.SourceFaces, TargetFaces = r.TargetFaces, Reembedded = r.Reembedded, AlreadyDone = r.AlreadyDone, Removed = r.Removed,
        MissingPhotos = { r.MissingPhotos }, ChangedPhotos = { r.ChangedPhotos }, UnreadablePhotos = { r.UnreadablePhotos },
        FacesLeftOut = r.FacesLeftOut, Switched = r.Switched, OldKeptAs = r.OldKeptAs ?? string.Empty, OldDropped = r.OldDropped, FacesPerSecond = r.FacesPerSecond,
    };

    /// <summary>Synchronous progress (no SynchronizationContext hop): the callback only queues the message.</summary>
    private sealed class Progress(Action<MigrationProgress> report) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => report(value);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "migration: {Message}")]
    private static partial void LogMigration(ILogger logger, string message);
}
