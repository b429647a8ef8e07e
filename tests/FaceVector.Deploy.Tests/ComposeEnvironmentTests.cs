using FaceVector.Application.Search;
using FaceVector.Application.Store;
using FaceVector.Client;
using FaceVector.Index;
using FaceVector.Services.Configuration;
using Microsoft.Extensions.Configuration;

namespace FaceVector.Deploy.Tests;

/// <summary>Every environment variable in the compose files is a setting the apps really read.</summary>
public sealed class ComposeEnvironmentTests
{
    [Fact]
    public void EveryComposeVariableIsARealSetting()
    {
        List<ComposeVariable> variables = [.. ComposeFiles.EnvironmentVariables(Repository.ClusterCompose)];
        Assert.Contains(variables, v => v.Name == "FaceVector__Index__QdrantShardNumber");
        Assert.Contains(variables, v => v.Name == "FaceVector__Ingest__Folders__0");

        string[] problems = [.. variables.Select(v => AppSettings.Problem(v.Name) is { } p ? $"{v.File} {v.Service}: {p}" : null).OfType<string>()];

        Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("FaceVector__Index__Provider")]
    [InlineData("FACEVECTOR__INDEX__QDRANTURL")] // configuration keys are case-insensitive
    [InlineData("FaceVector__Embedding__Addresses__0")]
    [InlineData("FaceVector__Ingest__Tags__camera")]
    [InlineData("FaceVector__Inference__MaxQueue")]
    [InlineData("FACEVECTOR_API_KEY")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("QDRANT__CLUSTER__ENABLED")]
    [InlineData("Logging__LogLevel__Default")]
    public void RealSettingsPass(string name) => Assert.Null(AppSettings.Problem(name));

    [Theory]
    [InlineData("FaceVector__Index__QdrantUri", "IndexOptions has no settable 'QdrantUri'")] // misspelt setting
    [InlineData("FaceVector__Indexes__Provider", "no section 'Indexes'")]
    [InlineData("FaceVector__Embedding__Addresses", "needs an index")]
    [InlineData("FaceVector__Embedding__Addresses__first", "needs an index")]
    [InlineData("FaceVector__Ingest__Tags", "needs a key")]
    [InlineData("FaceVector__Index__Provider__0", "follows a plain setting")]
    [InlineData("FaceVector__Inference__EffectiveConcurrency", "no settable")] // computed, read-only
    [InlineData("FACEVECTOR_APIKEY", "not a known variable")]
    public void WrongNamesAreCaught(string name, string expected) =>
        Assert.Contains(expected, AppSettings.Problem(name) ?? "accepted", StringComparison.Ordinal);

    [Fact]
    public void AWrongNameInAComposeFileIsReported()
    {
        const string sample = """
            x-shared: &shared
              FaceVector__Index__Provider: qdrant
              FaceVector__Index__QdrantEndpoint: http://qdrant:6334
            services:
              search:
                environment:
                  <<: *shared
              ingest:
                environment:
                  - FaceVector__Ingest__Folders__0=/photos
                  - FaceVector__Ingest__Folder=/photos
            """;

        string[] problems = [.. ComposeFiles.EnvironmentVariables("sample.yml", sample)
            .Where(v => AppSettings.Problem(v.Name) is not null).Select(v => $"{v.Service} {v.Name}")];

        Assert.Equal(["search FaceVector__Index__QdrantEndpoint", "ingest FaceVector__Ingest__Folder"], problems);
    }
}

/// <summary>The cluster override's settings reach the Qdrant collection layout FaceVector creates.</summary>
public sealed class ClusterSettingsTests
{
    [Theory]
    [InlineData("search")]
    [InlineData("ingest")]
    public void ClusterCollectionIsShardedAndReplicated(string service)
    {
        // Later files override earlier ones, as in `docker compose -f A -f B`.
        Dictionary<string, string?> environment = ComposeFiles.EnvironmentVariables(Repository.ClusterCompose)
            .Where(v => v.Service == service)
            .GroupBy(v => v.Name.Replace("__", ":", StringComparison.Ordinal))
            .ToDictionary(g => g.Key, g => (string?)g.Last().Value);
        IConfiguration config = new ConfigurationBuilder().AddInMemoryCollection(environment).Build();

        FaceIndexOptions index = config.GetSection(FaceIndexOptions.Section).Get<FaceIndexOptions>()!;
        Assert.Empty(index.Problems(s => s));

        Assert.Equal(FaceIndexOptions.QdrantProvider, index.Provider);
        Assert.Equal(new Uri("http://qdrant:6334"), index.QdrantUrl);
        Assert.Equal((3u, 2u, 1u), (index.QdrantShardNumber, index.QdrantReplicationFactor, index.QdrantWriteConsistencyFactor));
    }
}
