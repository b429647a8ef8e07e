using FaceVector.Core.Pipeline;

namespace FaceVector.Application.Search;

/// <summary>The models an embedder runs, as searches need them.</summary>
/// <param name="RecommendedThreshold">The recognizer's recommended score threshold: every search's default.</param>
public sealed record EmbedderModel(string ModelId, int Dimension, string Detector, string Recognizer, string ExecutionProvider, float RecommendedThreshold);

/// <summary>
/// Probe image bytes to faces with embeddings: the models in this process (CLI, <c>facevector serve</c>) or the
/// embedding service over gRPC (FaceVector.Client). Failures are <see cref="Errors.FaceVectorException"/>s or
/// <see cref="Core.Imaging.ImageLoadException"/>s.
/// </summary>
public interface IProbeEmbedder
{
    Task<ImageFaces> EmbedAsync(ReadOnlyMemory<byte> image, string name, CancellationToken cancellationToken);

    Task<EmbedderModel> GetModelAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
