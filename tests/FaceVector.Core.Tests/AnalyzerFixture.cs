using FaceVector.Core.Pipeline;

namespace FaceVector.Core.Tests;

/// <summary>One analyzer with the real default models for a whole test class, plus faces-dev analysed once.</summary>
public sealed class AnalyzerFixture : IDisposable
{
    private readonly Lazy<IReadOnlyList<ImageResult>> _facesDev;

    public AnalyzerFixture()
    {
        Analyzer = new FaceAnalyzer(new FaceAnalyzerOptions { Models = TestModels.Directory });
        _facesDev = new(() =>
        {
            var batch = new BatchAnalyzer(Analyzer);
            return [.. ImageFileEnumerator.Enumerate(TestData.FacesDev).Select(f => batch.AnalyzeOne(f))];
        });
    }

    public FaceAnalyzer Analyzer { get; }

    /// <summary>Every file of faces-dev, analysed with embeddings.</summary>
    public IReadOnlyList<ImageResult> FacesDev => _facesDev.Value;

    /// <summary>faces-dev identity photos: (identity, path, largest face).</summary>
    public IEnumerable<(string Identity, string Path, Face Face)> IdentityFaces() =>
        from r in FacesDev
        where r.Faces?.Largest is not null
        let identity = Path.GetFileName(Path.GetDirectoryName(r.Path)!)
        where !identity.StartsWith('_')
        select (identity, r.Path, r.Faces!.Largest!);

    public void Dispose() => Analyzer.Dispose();
}
