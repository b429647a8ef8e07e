namespace FaceVector.Web.Tests;

/// <summary>
/// faces-dev indexed once with <c>facevector index</c> into a temporary store and grouped into people, served by two <c>facevector serve</c>
/// processes: one open, one with an API key. Shared by every test of <see cref="WebCollection"/>.
/// </summary>
public sealed class IndexedServerFixture : IAsyncLifetime
{
    public const string ApiKey = "web-test-key-0123456789";

    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-web-").FullName;

    public string DbPath => Path.Combine(_dir, "faces.db");

    public ServeProcess Server { get; private set; } = null!;

    public ServeProcess KeyedServer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        CliRun index = await FaceVectorProcess.RunAsync("index", TestData.FacesDev, "--db", DbPath);
        Assert.True(index.ExitCode == 0, index.Stderr);
        // People for the page's People view: faces-dev grouped by person.
        CliRun cluster = await FaceVectorProcess.RunAsync("people", "cluster", "--db", DbPath);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);
        Task<ServeProcess> open = ServeProcess.StartAsync(DbPath);
        Task<ServeProcess> keyed = ServeProcess.StartAsync(DbPath, new Dictionary<string, string?> { ["FACEVECTOR_API_KEY"] = ApiKey }, ApiKey);
        Server = await open;
        KeyedServer = await keyed;
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (KeyedServer is not null)
        {
            await KeyedServer.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is not a test failure.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<IndexedServerFixture>
{
    public const string Name = "web";
}

/// <summary>What the tests expect of faces-dev: the photos of Barack Obama, alone and in groups.</summary>
public static class Expected
{
    public static string Probe => TestData.FacesDevFile(Path.Combine("barack_obama", "obama.jpg"));

    public static IReadOnlyList<string> ObamaPhotos =>
    [
        .. Directory.EnumerateFiles(Path.Combine(TestData.FacesDev, "barack_obama")),
        TestData.FacesDevFile(Path.Combine("_groups", "obama_and_biden.jpg")),
        TestData.FacesDevFile(Path.Combine("_groups", "two_people.jpg")),
    ];
}
