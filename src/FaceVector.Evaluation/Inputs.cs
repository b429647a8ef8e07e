namespace FaceVector.Evaluation;

/// <summary>
/// One face embedding with its label. <paramref name="Identity"/> is null for a distractor face
/// (a face of nobody in the labelled set); distractors only ever appear in identification galleries.
/// The embedding must already be L2-normalised, so the dot product is the cosine similarity.
/// </summary>
public sealed record LabelledEmbedding(string? Identity, string Path, float[] Embedding);

/// <summary>
/// A compared pair: its similarity score and whether both faces are the same person.
/// Paths are optional; they let reports show which images an error came from.
/// </summary>
public readonly record struct ScoredPair(float Score, bool SamePerson, string? PathA = null, string? PathB = null);
