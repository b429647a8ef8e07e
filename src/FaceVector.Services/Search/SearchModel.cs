using FaceVector.Grpc.V1;
using FaceVector.Index;

namespace FaceVector.Services.Search;

/// <summary>
/// The embedder's model, fetched once it answers, and the index collection made sure to hold that model's vectors
/// (created when missing; a collection of another model is FAILED_PRECONDITION for every search).
/// </summary>
public sealed class SearchModel(IProbeEmbedder embedder, IFaceIndex index)
{
    private static readonly TimeSpan InfoTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile ModelInfo? _model;

    public async Task<ModelInfo> GetAsync(CancellationToken cancellationToken)
    {
        if (_model is { } known)
        {
            return known;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_model is null)
            {
                ModelInfo info = await embedder.GetModelInfoAsync(InfoTimeout, cancellationToken);
                await index.EnsureCollectionAsync(new CollectionSpec(info.Dimension, info.ModelId), cancellationToken);
                _model = info;
            }

            return _model;
        }
        finally
        {
            _lock.Release();
        }
    }
}
