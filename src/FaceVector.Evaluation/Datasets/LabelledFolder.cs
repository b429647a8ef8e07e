using FaceVector.Core.Detection;
using FaceVector.Core.Pipeline;

namespace FaceVector.Evaluation.Datasets;

/// <summary>Progress of embedding a dataset: the number of images once known, then each image's result as it completes.</summary>
public interface IDatasetProgress
{
    void Started(int images);

    void Completed(ImageResult result);
}

/// <summary>
/// What the detector did on a labelled folder. Identity images without a face drop out of the evaluation, and faces
/// in distractor folders join the gallery, so both change the numbers and are reported beside them.
/// </summary>
public sealed record DetectionSummary(
    int IdentityImages,
    int IdentityImagesWithoutFace,
    int IdentityImagesWithSeveralFaces,
    int DistractorImages,
    int NofaceImages,
    int FacesInNoface,
    int FacesInOtherDistractors,
    int UnreadableFiles,
    int UnlabelledFiles,
    IReadOnlyList<string> ImagesWithoutFace,
    IReadOnlyList<string> Unreadable);

/// <summary>A labelled folder embedded: the evaluation input, the detection summary and each identity image's face box.</summary>
public sealed record LabelledFolderEmbeddings(
    IReadOnlyList<LabelledEmbedding> Embeddings,
    DetectionSummary Detection,
    IReadOnlyDictionary<string, BoundingBox> FaceBoxes);

/// <summary>
/// A folder laid out as <c>DIR/&lt;identity&gt;/.../&lt;image&gt;</c>: the first-level folder names the person. Folders
/// starting with <c>_</c> hold distractors (nobody in the set); <c>_noface</c> holds images that should have no face.
/// Files directly in DIR carry no label and are left out.
/// </summary>
public static class LabelledFolder
{
    public const string NofaceFolder = "_noface";

    public static bool IsDistractor(string label) => label.StartsWith('_');

    /// <summary>The image files of each first-level folder except <paramref name="excluded"/> ones, in a stable order.</summary>
    public static IReadOnlyList<(string Label, string Path)> List(string root, out int unlabelledFiles, IReadOnlyCollection<string>? excluded = null)
    {
        unlabelledFiles = Directory.EnumerateFiles(root).Count(f => !Path.GetFileName(f).StartsWith('.'));
        return [.. ImageFileEnumerator.Enumerate(root)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(rel => rel.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(rel => (Label: rel[..rel.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal)], Path: Path.Combine(root, rel)))
            .Where(f => excluded?.Contains(f.Label) != true)];
    }

    /// <summary>
    /// Embeds every image (in parallel): the largest face of an identity image, every face of a
    /// distractor image.
    /// </summary>
    public static async Task<LabelledFolderEmbeddings> EmbedAsync(FaceAnalyzer analyzer, string root, IReadOnlyCollection<string> excluded, int parallelism, IDatasetProgress? progress, CancellationToken ct)
    {
        IReadOnlyList<(string Label, string Path)> files = List(root, out int unlabelled, excluded);
        Dictionary<string, string> labels = files.ToDictionary(f => f.Path, f => f.Label, StringComparer.Ordinal);
        var results = new List<ImageResult>(files.Count);
        progress?.Started(files.Count);
        await foreach (ImageResult r in new BatchAnalyzer(analyzer, parallelism).AnalyzeAsync(files.Select(f => f.Path), cancellationToken: ct).ConfigureAwait(false))
        {
            results.Add(r);
            progress?.Completed(r);
        }

        // Completion order varies run to run; path order keeps the evaluation input (and its ties) stable.
        results.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var embeddings = new List<LabelledEmbedding>();
        var boxes = new Dictionary<string, BoundingBox>(StringComparer.Ordinal);
        foreach (ImageResult r in results)
        {
            string label = labels[r.Path];
            IReadOnlyList<Face> faces = r.Faces?.Faces ?? [];
            if (IsDistractor(label))
            {
                embeddings.AddRange(faces.Select(f => new LabelledEmbedding(null, r.Path, f.Embedding!)));
            }
            else if (r.Faces?.Largest is { } face)
            {
                embeddings.Add(new LabelledEmbedding(label, r.Path, face.Embedding!));
                boxes[r.Path] = face.Box;
            }
        }

        return new LabelledFolderEmbeddings(embeddings, Summarise(results, labels, unlabelled), boxes);
    }

    private static DetectionSummary Summarise(List<ImageResult> results, Dictionary<string, string> labels, int unlabelled)
    {
        List<ImageResult> images = [.. results.Where(r => !r.Skipped)];
        List<ImageResult> identity = [.. images.Where(r => !IsDistractor(labels[r.Path]))];
        List<ImageResult> distractors = [.. images.Where(r => IsDistractor(labels[r.Path]))];
        List<ImageResult> noface = [.. distractors.Where(r => labels[r.Path] == NofaceFolder)];
        static int Faces(IEnumerable<ImageResult> rs) => rs.Sum(r => r.Faces?.Faces.Count ?? 0);
        List<string> withoutFace = [.. identity.Where(r => r.Faces is { Faces.Count: 0 }).Select(r => r.Path)];
        List<string> unreadable = [.. images.Where(r => r.Faces is null).Select(r => r.Error ?? r.Path)];
        return new DetectionSummary(
            IdentityImages: identity.Count,
            IdentityImagesWithoutFace: withoutFace.Count,
            IdentityImagesWithSeveralFaces: identity.Count(r => r.Faces?.Faces.Count > 1),
            DistractorImages: distractors.Count,
            NofaceImages: noface.Count,
            FacesInNoface: Faces(noface),
            FacesInOtherDistractors: Faces(distractors) - Faces(noface),
            UnreadableFiles: unreadable.Count,
            UnlabelledFiles: unlabelled,
            ImagesWithoutFace: withoutFace,
            Unreadable: unreadable);
    }
}
