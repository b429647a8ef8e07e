using FaceVector.Ingestion;

namespace FaceVector.Core.Pipeline;

/// <summary>The models in this process.</summary>
public sealed class LocalImageEmbedder(FaceAnalyzer analyzer) : IImageEmbedder
{
    public string ModelId => analyzer.ModelId;

    public int Dimension => analyzer.EmbeddingDimension;

    public Task<ImageFaces> EmbedAsync(byte[] image, string source, CancellationToken cancellationToken) =>
        Task.FromResult(analyzer.Analyze(image, source));
}
