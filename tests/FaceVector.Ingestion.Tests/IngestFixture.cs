using FaceVector.Core.Models;
using FaceVector.Core.Pipeline;
using FaceVector.Index;
using FaceVector.Index.Embedded;

namespace FaceVector.Ingestion.Tests;

/// <summary>One analyzer with the real models for the whole test class.</summary>
public sealed class AnalyzerFixture : IDisposable
{
    public FaceAnalyzer Analyzer { get; } = new(new FaceAnalyzerOptions { Models = new ModelDirectory(TestData.ModelsPath, "tests") });

    public void Dispose() => Analyzer.Dispose();
}

/// <summary>An embedder that counts how often the models run.</summary>
internal sealed class CountingEmbedder(IImageEmbedder inner) : IImageEmbedder
{
    private int _calls;

    public int Calls => _calls;

    public string ModelId => inner.ModelId;

    public int Dimension => inner.Dimension;

    public Task<ImageFaces> EmbedAsync(byte[] image, string source, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return inner.EmbedAsync(image, source, cancellationToken);
    }
}

/// <summary>A temp folder with an embedded store and a journal, deleted afterwards.</summary>
internal sealed class TempStore : IAsyncDisposable
{
    public TempStore()
    {
        Folder = Directory.CreateTempSubdirectory("fv-ingest-").FullName;
        Index = new SqliteFaceIndex(new SqliteIndexOptions(Path.Combine(Folder, "faces.db"), "faces"));
        Journal = new IngestJournal(Path.Combine(Folder, "journal.db"));
    }

    public string Folder { get; }

    public SqliteFaceIndex Index { get; }

    public IngestJournal Journal { get; }

    /// <summary>Every stored face as (path, face index, hash).</summary>
    public async Task<SortedSet<(string Path, int Face, string Hash)>> FacesAsync()
    {
        var set = new SortedSet<(string, int, string)>();
        await foreach (FacePoint p in Index.ScanAsync(500))
        {
            Assert.True(set.Add((p.Payload.ImagePath, p.Payload.FaceIndex, p.Payload.ImageHash)), $"duplicate face {p.Payload.ImagePath} #{p.Payload.FaceIndex}");
        }

        return set;
    }

    public async ValueTask DisposeAsync()
    {
        await Index.DisposeAsync();
        Journal.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
