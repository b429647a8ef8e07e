using System.Diagnostics;
using FaceVector.Core.Pipeline;
using FaceVector.Application.Errors;
using FaceVector.Application.Search;
using FaceVector.Services.Telemetry;

namespace FaceVector.Services.Embedding;

/// <summary>
/// Image bytes to faces, behind the inference gate. Used by the gRPC service and, in <c>facevector serve</c>, by the
/// search service directly (no network hop).
/// </summary>
public sealed class EmbeddingEngine(FaceAnalyzerHolder holder, InferenceGate gate, FaceVectorMetrics metrics)
{
    public const string DefaultImageName = "image";

    public async Task<ImageFaces> AnalyzeAsync(byte[] image, string? name, bool embed, CancellationToken cancellationToken)
    {
        FaceAnalyzer analyzer = RequireAnalyzer();
        string source = string.IsNullOrWhiteSpace(name) ? DefaultImageName : name;
        using Activity? activity = FaceVectorMetrics.ActivitySource.StartActivity(embed ? "facevector.embed" : "facevector.detect");
        activity?.SetTag("facevector.image.bytes", image.Length);
        using (await gate.EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            // The model run itself cannot be interrupted; a call cancelled while it waited never starts one.
            cancellationToken.ThrowIfCancellationRequested();
            ImageFaces faces = analyzer.Analyze(image, source, embed);
            metrics.FacesPerImage.Record(faces.Faces.Count);
            activity?.SetTag("facevector.faces", faces.Faces.Count);
            return faces;
        }
    }

    public EmbedderModel GetModel()
    {
        FaceAnalyzer analyzer = RequireAnalyzer();
        return new EmbedderModel(analyzer.ModelId, analyzer.EmbeddingDimension, Path.GetFileName(analyzer.DetectorPath),
            Path.GetFileName(analyzer.RecognizerPath), analyzer.ExecutionProvider, analyzer.RecommendedThreshold);
    }

    private FaceAnalyzer RequireAnalyzer() => holder.Analyzer
        ?? throw FaceVectorException.Unavailable(holder.LoadError is null ? "models are still loading" : $"models failed to load: {holder.LoadError}");
}
