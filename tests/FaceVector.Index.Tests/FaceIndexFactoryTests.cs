using FaceVector.Index.Embedded;
using FaceVector.Index.Qdrant;
using FaceVector.Index.Tests.Contract;

namespace FaceVector.Index.Tests;

public sealed class FaceIndexFactoryTests
{
    [Fact]
    public void Arguments_pick_the_store()
    {
        Assert.Equal(new FaceIndexOptions(), FaceIndexOptions.FromArguments([]));
        var db = FaceIndexOptions.FromArguments(["search", "--db", "x.db", "--collection", "c1", "photo.jpg"]);
        Assert.Equal(("sqlite", "x.db", "c1"), (db.Provider, db.DbPath, db.Collection));
        var qdrant = FaceIndexOptions.FromArguments(["--qdrant", "https://q.example:6334", "--api-key", "k"]);
        Assert.Equal(("qdrant", new Uri("https://q.example:6334"), "k", "faces"), (qdrant.Provider, qdrant.QdrantUrl, qdrant.ApiKey, qdrant.Collection));
        Assert.Throws<ArgumentException>(() => FaceIndexOptions.FromArguments(["--db"]));
    }

    [Fact]
    public async Task Open_makes_the_named_store()
    {
        using var database = new TempDatabase();
        await using (var sqlite = FaceIndexFactory.Open(["--db", database.Path]))
        {
            Assert.IsType<SqliteFaceIndex>(sqlite);
            Assert.Equal(FaceIndexOptions.DefaultCollection, sqlite.Collection);
        }
        await using (var qdrant = FaceIndexFactory.Open(["--qdrant", "http://127.0.0.1:1", "--collection", "people"]))
        {
            Assert.IsType<QdrantFaceIndex>(qdrant);
            Assert.Equal("people", qdrant.Collection);
        }
        Assert.Throws<ArgumentException>(() => FaceIndexFactory.Open(new FaceIndexOptions { Provider = "faiss" }));
    }
}
