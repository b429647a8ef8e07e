using FaceVector.Index.Embedded;
using FaceVector.Index.Qdrant;
using FaceVector.Index.Tests.Contract;

namespace FaceVector.Index.Tests;

public sealed class FaceIndexFactoryTests
{
    [Fact]
    public void Problems_name_each_bad_setting()
    {
        Assert.Empty(new FaceIndexOptions().Problems(s => s));
        var bad = new FaceIndexOptions
        {
            Provider = FaceIndexOptions.QdrantProvider,
            QdrantUrl = new Uri("ftp://q.example"),
            QdrantTimeoutSeconds = -1,
            QdrantWriteConsistencyFactor = 3,
            Collection = "a b",
        };
        IReadOnlyList<string> problems = bad.Problems(s => $"{FaceIndexOptions.Section}:{s}");
        Assert.Contains(problems, p => p.StartsWith("FaceVector:Index:QdrantTimeoutSeconds must be > 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("FaceVector:Index:QdrantUrl must be an http:// or https:// address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("FaceVector:Index:QdrantWriteConsistencyFactor", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("FaceVector:Index:Collection", StringComparison.Ordinal));
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void Qdrant_settings_reach_the_adapter()
    {
        QdrantIndexOptions q = new FaceIndexOptions { QdrantUrl = new Uri("https://q.example:6334"), QdrantApiKey = "k", QdrantTimeoutSeconds = 7, QdrantMaxRetries = 5, QdrantHnswEf = 64, Collection = "c1" }.ToQdrantOptions();
        Assert.Equal((new Uri("https://q.example:6334"), "k", TimeSpan.FromSeconds(7), 5, (ulong?)64, "c1"), (q.Endpoint, q.ApiKey, q.CallTimeout, q.MaxRetries, q.HnswEf, q.Collection));
    }

    [Fact]
    public async Task Open_makes_the_named_store()
    {
        using var database = new TempDatabase();
        await using (var sqlite = FaceIndexFactory.Open(new FaceIndexOptions { DbPath = database.Path }))
        {
            Assert.IsType<SqliteFaceIndex>(sqlite);
            Assert.Equal(FaceIndexOptions.DefaultCollection, sqlite.Collection);
        }
        await using (var qdrant = FaceIndexFactory.Open(new FaceIndexOptions { Provider = FaceIndexOptions.QdrantProvider, QdrantUrl = new Uri("http://127.0.0.1:1"), Collection = "people" }))
        {
            Assert.IsType<QdrantFaceIndex>(qdrant);
            Assert.Equal("people", qdrant.Collection);
        }
        Assert.Throws<ArgumentException>(() => FaceIndexFactory.Open(new FaceIndexOptions { Provider = "faiss" }));
    }
}
