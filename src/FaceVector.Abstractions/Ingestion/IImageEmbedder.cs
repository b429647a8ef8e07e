using FaceVector.Core.Imaging;
using FaceVector.Core.Pipeline;

namespace FaceVector.Ingestion;

/// <summary>
/// Turns image bytes into embedded faces: in-process models for <c>facevector index</c>, the gRPC embedding
/// service for the ingest worker. Implementations throw <see cref="ImageLoadException"/> for images that can never
/// be used (so the file is recorded as failed) and anything else for trouble that may pass (retried).
/// </summary>
public interface IImageEmbedder
{
    string ModelId { get; }

    int Dimension { get; }

    Task<ImageFaces> EmbedAsync(byte[] image, string source, CancellationToken cancellationToken);
}
