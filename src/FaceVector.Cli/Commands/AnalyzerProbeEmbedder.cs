using System.Runtime.InteropServices;
using FaceVector.Application.Search;
using FaceVector.Core.Pipeline;

namespace FaceVector.Cli.Commands;

/// <summary>The CLI's probe embedder: the models of this process, called directly.</summary>
internal sealed class AnalyzerProbeEmbedder(FaceAnalyzer analyzer) : IProbeEmbedder
{
    public Task<ImageFaces> EmbedAsync(ReadOnlyMemory<byte> image, string name, CancellationToken cancellationToken) =>
        Task.FromResult(analyzer.Analyze(MemoryMarshal.TryGetArray(image, out ArraySegment<byte> s) && s.Offset == 0 && s.Count == s.Array!.Length ? s.Array : image.ToArray(), name));

    public Task<EmbedderModel> GetModelAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult(new EmbedderModel(analyzer.ModelId, analyzer.EmbeddingDimension, Path.GetFileName(analyzer.DetectorPath),
            Path.GetFileName(analyzer.RecognizerPath), analyzer.ExecutionProvider, analyzer.RecommendedThreshold));
}
