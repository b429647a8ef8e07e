using FaceVector.Index;

namespace FaceVector.Application.Search;

/// <summary>What to search for: a photo, an embedding, or a face already in the index.</summary>
public abstract record Probe;

/// <summary>A probe photo's bytes; <paramref name="Name"/> names it in messages.</summary>
public sealed record ImageProbe(ReadOnlyMemory<byte> Bytes, string Name) : Probe;

/// <summary>An embedding made by model <paramref name="ModelId"/> (required: vectors of another model never match).</summary>
public sealed record VectorProbe(IReadOnlyList<float> Vector, string ModelId) : Probe;

/// <summary>A face already in the index, by point id.</summary>
public sealed record StoredFaceProbe(Guid PointId) : Probe;

/// <summary>A face of the probe: its number in the probe photo, box and detector score.</summary>
public sealed record ProbeFace(int Index, FaceBox Box, float Score);

/// <summary>One probe face and its matches, best first.</summary>
public sealed record ProbeMatches(ProbeFace Face, IReadOnlyList<FaceMatch> Matches);

/// <summary>The outcome of a search: the model, the threshold and top-N applied, and the matches per probe face.</summary>
/// <param name="ProbeImage">The probe photo as the detector saw it (its size and every face), for image probes only.</param>
public sealed record SearchResult(string ModelId, float Threshold, int TopK, IReadOnlyList<ProbeMatches> Faces, Core.Pipeline.ImageFaces? ProbeImage, TimeSpan Elapsed);
