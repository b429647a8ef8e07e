using FaceVector.Cli.Output;
using FaceVector.Core.Pipeline;
using FaceVector.Evaluation.Datasets;

namespace FaceVector.Cli.Eval;

/// <summary>The progress bar <c>eval</c> shows while a dataset is embedded.</summary>
internal sealed class EmbeddingProgressBar : IDatasetProgress, IDisposable
{
    private readonly ProgressBar _bar = new("embedding", null);

    public void Started(int images) => _bar.SetTotal(images);

    public void Completed(ImageResult result) => _bar.Advance(result.Faces?.Faces.Count ?? 0, result.Error is not null && !result.Skipped);

    public void Dispose() => _bar.Dispose();
}
