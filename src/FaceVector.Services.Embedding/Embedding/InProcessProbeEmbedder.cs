using System.Runtime.InteropServices;
using FaceVector.Application.Search;
using FaceVector.Core.Pipeline;

namespace FaceVector.Services.Embedding;

/// <summary>The embedder of the same process (<c>facevector serve</c>): no network hop, no proto round trip.</summary>
public sealed class InProcessProbeEmbedder(EmbeddingEngine engine) : IProbeEmbedder
{
    public Task<ImageFaces> EmbedAsync(ReadOnlyMemory<byte> image, string name, CancellationToken cancellationToken)
    {
        // The analyzer takes an array: the caller's own one when it is a whole array, else a copy.
        byte[] bytes = MemoryMarshal.TryGetArray(image, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : image.ToArray();
        return engine.AnalyzeAsync(bytes, name, embed: true, cancellationToken);
    }

    public Task<EmbedderModel> GetModelAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(engine.GetModel());
}
