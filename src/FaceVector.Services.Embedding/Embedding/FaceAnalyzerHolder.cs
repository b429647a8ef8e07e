using FaceVector.Core.Pipeline;
using FaceVector.Services.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Embedding;

/// <summary>The one <see cref="FaceAnalyzer"/> of the process, null until <see cref="ModelLoadingService"/> has loaded it.</summary>
public sealed class FaceAnalyzerHolder : IDisposable
{
    private volatile FaceAnalyzer? _analyzer;

    public FaceAnalyzer? Analyzer => _analyzer;

    /// <summary>Why loading failed, when it did.</summary>
    public string? LoadError { get; private set; }

    internal void Set(FaceAnalyzer analyzer) => _analyzer = analyzer;

    internal void Fail(string error) => LoadError = error;

    public void Dispose() => _analyzer?.Dispose();
}

/// <summary>
/// Loads the models once, in the background, so that the server answers health checks (NOT_SERVING) while loading
/// instead of refusing connections.
/// </summary>
public sealed partial class ModelLoadingService(
    FaceAnalyzerHolder holder,
    IOptions<ModelsOptions> models,
    IOptions<ServerOptions> server,
    ILogger<ModelLoadingService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            FaceAnalyzerOptions options = models.Value.ToAnalyzerOptions(server.Value.MaxStreamedImageBytes);
            var analyzer = new FaceAnalyzer(options);
            holder.Set(analyzer);
            LogLoaded(logger, analyzer.ModelId, Path.GetFileName(analyzer.DetectorPath), analyzer.ExecutionProvider, options.Models.Path);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            holder.Fail(ex.Message);
            LogFailed(logger, ex);
        }
    }, stoppingToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Models loaded: recognizer {ModelId}, detector {Detector}, provider {Provider}, from {Directory}")]
    private static partial void LogLoaded(ILogger logger, string modelId, string detector, string provider, string directory);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Models could not be loaded; the service stays NOT_SERVING")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
