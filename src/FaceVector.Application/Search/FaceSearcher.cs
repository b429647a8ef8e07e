using System.Diagnostics;
using FaceVector.Application.Errors;
using FaceVector.Core.Pipeline;
using FaceVector.Index;
using Microsoft.Extensions.Options;

namespace FaceVector.Application.Search;

/// <summary>
/// Probe to matches, the one implementation behind the CLI <c>query</c>, gRPC FaceSearch and the web API. It owns
/// every search rule: which probe face (the largest usable one, a given one, or all), the minimum probe-face size,
/// the default threshold (the recognizer's recommended one, kept inclusively: score &gt;= threshold), the top-N default
/// and clamp, and request validation.
/// </summary>
public sealed class FaceSearcher(IProbeEmbedder embedder, IFaceIndex index, IOptions<SearchSettings> settings)
{
    private static readonly TimeSpan ModelInfoTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _modelLock = new(1, 1);
    private volatile EmbedderModel? _model;

    public SearchSettings Settings => settings.Value;

    public IFaceIndex Index => index;

    /// <summary>
    /// The embedder's model, asked once it answers, with the index collection made sure to hold that model's vectors
    /// (created when missing; a collection of another model fails every search with MODEL_MISMATCH).
    /// </summary>
    public async Task<EmbedderModel> GetModelAsync(CancellationToken cancellationToken)
    {
        if (_model is { } known)
        {
            return known;
        }

        await _modelLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_model is null)
            {
                EmbedderModel model = await embedder.GetModelAsync(ModelInfoTimeout, cancellationToken).ConfigureAwait(false);
                await index.EnsureCollectionAsync(new CollectionSpec(model.Dimension, model.ModelId), cancellationToken).ConfigureAwait(false);
                _model = model;
            }

            return _model;
        }
        finally
        {
            _modelLock.Release();
        }
    }

    /// <summary>Detects and embeds the faces of a probe photo (what the web page shows before a search).</summary>
    public async Task<ImageFaces> DetectAsync(ImageProbe probe, SearchFieldNames? names = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        SearchRules.ValidateImage(probe, names ?? SearchFieldNames.Proto);
        return await embedder.EmbedAsync(probe.Bytes, probe.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The faces of a probe photo that may be searched for: a shorter side of at least the minimum size.</summary>
    public IReadOnlyList<Face> UsableFaces(ImageFaces faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        return [.. faces.Faces.Where(f => f.Box.MinSide >= Settings.MinProbeFaceSize)];
    }

    /// <summary>The face searched for by default: the largest usable one, or null.</summary>
    public Face? DefaultFace(ImageFaces faces) => UsableFaces(faces).MaxBy(f => f.Box.Area);

    public async Task<SearchResult> SearchAsync(Probe probe, SearchParameters parameters, SearchFieldNames? names = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        names ??= SearchFieldNames.Proto;
        SearchRules.Validate(parameters, names);
        long start = Stopwatch.GetTimestamp();
        EmbedderModel model = await GetModelAsync(cancellationToken).ConfigureAwait(false);
        ImageFaces? probeImage = null;
        string modelId = model.ModelId;
        List<(ProbeFace Face, float[] Vector)> probes;
        switch (probe)
        {
            case ImageProbe image:
                probeImage = await DetectAsync(image, names, cancellationToken).ConfigureAwait(false);
                probes = [.. ChooseFaces(probeImage, image.Name, parameters, names).Select(f => (ToProbeFace(f), f.Embedding
                    ?? throw new InvalidOperationException($"the embedder returned face {f.Index} without an embedding")))];
                break;
            case VectorProbe vector:
                probes = [(new ProbeFace(0, default, 0), SearchRules.ValidateVector(vector, model, names))];
                modelId = vector.ModelId;
                break;
            case StoredFaceProbe stored:
                FacePoint point = (await index.GetAsync([stored.PointId], withVectors: true, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                    ?? throw FaceVectorException.NotFound("point_id", $"no face with id {stored.PointId} in the index");
                probes = [(new ProbeFace(point.Payload.FaceIndex, point.Payload.Box, point.Payload.DetectionScore), point.Vector!)];
                modelId = point.Payload.ModelId;
                break;
            default:
                throw new ArgumentException($"unknown probe {probe.GetType().Name}", nameof(probe));
        }

        float threshold = parameters.Threshold ?? model.RecommendedThreshold;
        int topK = SearchRules.EffectiveTopK(parameters.TopK, Settings);
        var faces = new List<ProbeMatches>(probes.Count);
        foreach ((ProbeFace face, float[] vector) in probes)
        {
            IReadOnlyList<FaceMatch> matches = await index.SearchAsync(new FaceQuery(vector, modelId, topK, threshold, parameters.Filter), cancellationToken).ConfigureAwait(false);
            faces.Add(new ProbeMatches(face, matches));
        }

        return new SearchResult(modelId, threshold, topK, faces, probeImage, Stopwatch.GetElapsedTime(start));
    }

    private List<Face> ChooseFaces(ImageFaces faces, string name, SearchParameters parameters, SearchFieldNames names)
    {
        float minSize = Settings.MinProbeFaceSize;
        if (parameters.FaceIndex is int wanted)
        {
            Face face = faces.Faces.FirstOrDefault(f => f.Index == wanted)
                ?? throw FaceVectorException.NotFound(names.FaceIndex, $"the probe image has no face {wanted} (it has {faces.Faces.Count}, numbered from 0)");
            return face.Box.MinSide >= minSize ? [face]
                : throw FaceVectorException.InvalidArgument(names.FaceIndex, $"face {wanted} is {face.Box.MinSide:0} px, under the {minSize:0} px minimum probe face");
        }

        IReadOnlyList<Face> usable = UsableFaces(faces);
        if (usable.Count == 0)
        {
            throw FaceVectorException.NoFace(name, minSize);
        }

        return parameters.Selection == ProbeFaceSelection.All ? [.. usable] : [usable.MaxBy(f => f.Box.Area)!];
    }

    private static ProbeFace ToProbeFace(Face f) => new(f.Index, new FaceBox(f.Box.X1, f.Box.Y1, f.Box.X2, f.Box.Y2), f.Score);
}
