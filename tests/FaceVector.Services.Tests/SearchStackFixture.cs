using FaceVector.Client;
using FaceVector.Core.Pipeline;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using FaceVector.Services.Hosting;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace FaceVector.Services.Tests;

/// <summary>
/// The embedding service and the search service as separate hosts on their own ports, with faces-dev indexed into
/// the search service's SQLite store from the embedder's answers. Shared by the tests of <see cref="SearchStackCollection"/>.
/// </summary>
public sealed class SearchStackFixture : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-services-").FullName;

    public ServiceHost Embedder { get; private set; } = null!;

    public ServiceHost Search { get; private set; } = null!;

    public FaceEmbedding.FaceEmbeddingClient EmbeddingClient => new(Embedder.Channel);

    public FaceSearch.FaceSearchClient SearchClient => new(Search.Channel);

    public IFaceIndex Index => Search.Services.GetRequiredService<IFaceIndex>();

    public ModelInfo Model { get; private set; } = null!;

    public string DbPath => Path.Combine(_dir, "faces.db");

    public async Task InitializeAsync()
    {
        Embedder = await ServiceHost.StartAsync(FaceVectorRoles.Embedding, new Dictionary<string, string?>());
        Search = await ServiceHost.StartAsync(FaceVectorRoles.Search, SearchSettings(Embedder, DbPath));
        await Embedder.WaitServingAsync(TimeSpan.FromSeconds(60));
        await Search.WaitServingAsync(TimeSpan.FromSeconds(30));
        Model = await EmbeddingClient.GetModelInfoAsync(new ModelInfoRequest(), ServiceHost.KeyHeaders);
        await IngestAsync(EmbeddingClient, Index, Model, ImageFileEnumerator.Enumerate(TestData.FacesDev).Where(f => !f.EndsWith(".tsv", StringComparison.Ordinal)));
    }

    public static Dictionary<string, string?> SearchSettings(ServiceHost embedder, string dbPath) => new()
    {
        ["FaceVector:Embedding:Addresses:0"] = embedder.Address.ToString(),
        ["FaceVector:Embedding:TimeoutSeconds"] = "20",
        ["FaceVector:Index:DbPath"] = dbPath,
    };

    /// <summary>What the ingest worker will do, in small: embed each file with the embedding service and upsert its faces.</summary>
    public static async Task IngestAsync(FaceEmbedding.FaceEmbeddingClient client, IFaceIndex index, ModelInfo model, IEnumerable<string> files)
    {
        await index.EnsureCollectionAsync(new CollectionSpec(model.Dimension, model.ModelId));
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (file, ct) =>
        {
            Grpc.V1.ImageFaces faces = await client.EmbedAsync(
                new ImageRequest { Image = ByteString.CopyFrom(await File.ReadAllBytesAsync(file, ct)), Name = file }, ServiceHost.KeyHeaders, cancellationToken: ct);
            FacePoint[] points = [.. faces.Faces.Select(f => new FacePoint(
                FacePointId.For(faces.Sha256, f.Index, faces.ModelId),
                new FacePayload
                {
                    ImagePath = file,
                    ImageHash = faces.Sha256,
                    FaceIndex = f.Index,
                    Box = ProtoMapping.ToFaceBox(f.Box),
                    DetectionScore = f.Score,
                    Keypoints = [.. f.Keypoints],
                    ModelId = faces.ModelId,
                    IngestedAt = DateTimeOffset.UtcNow,
                    Tags = new Dictionary<string, string> { ["folder"] = Path.GetFileName(Path.GetDirectoryName(file)!) },
                },
                [.. f.Embedding]))];
            if (points.Length > 0)
            {
                await index.UpsertAsync(points, ct);
            }
        });
    }

    public async Task DisposeAsync()
    {
        await Search.DisposeAsync();
        await Embedder.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class SearchStackCollection : ICollectionFixture<SearchStackFixture>
{
    public const string Name = "search stack";
}
