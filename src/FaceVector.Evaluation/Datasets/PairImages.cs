using FaceVector.Core.Detection;
using FaceVector.Core.Pipeline;

namespace FaceVector.Evaluation.Datasets;

/// <summary>
/// The embedding of each image a pair list names, computed once per image: the face whose box centre is nearest the
/// image centre (LFW photos are centred on the labelled person). Null when the file is missing, unreadable or has no face.
/// </summary>
public sealed record PairImages(
    IReadOnlyDictionary<string, float[]?> Embeddings,
    IReadOnlyDictionary<string, BoundingBox> FaceBoxes,
    IReadOnlyList<string> WithoutFace,
    IReadOnlyList<string> Unreadable)
{
    public static async Task<PairImages> EmbedAsync(FaceAnalyzer analyzer, IEnumerable<string> paths, int parallelism, IDatasetProgress? progress, CancellationToken ct)
    {
        List<string> distinct = [.. paths.Distinct(StringComparer.Ordinal)];
        var embeddings = new Dictionary<string, float[]?>(StringComparer.Ordinal);
        var boxes = new Dictionary<string, BoundingBox>(StringComparer.Ordinal);
        var withoutFace = new List<string>();
        var unreadable = new List<string>();
        progress?.Started(distinct.Count);
        await foreach (ImageResult r in new BatchAnalyzer(analyzer, parallelism).AnalyzeAsync(distinct, cancellationToken: ct).ConfigureAwait(false))
        {
            Face? face = r.Faces?.Centermost;
            embeddings[r.Path] = face?.Embedding;
            if (face is not null)
            {
                boxes[r.Path] = face.Box;
            }

            if (r.Faces is null)
            {
                unreadable.Add(r.Error ?? r.Path);
            }
            else if (r.Faces.Faces.Count == 0)
            {
                withoutFace.Add(r.Path);
            }

            progress?.Completed(r);
        }

        withoutFace.Sort(StringComparer.Ordinal);
        unreadable.Sort(StringComparer.Ordinal);
        return new PairImages(embeddings, boxes, withoutFace, unreadable);
    }
}
