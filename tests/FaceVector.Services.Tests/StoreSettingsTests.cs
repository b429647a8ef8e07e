using FaceVector.Services.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Tests;

/// <summary>The one store configuration is checked at start-up: a bad value stops the host and names the setting.</summary>
public sealed class StoreSettingsTests
{
    [Theory]
    [InlineData("FaceVector:Index:QdrantTimeoutSeconds", "-1", "FaceVector:Index:QdrantTimeoutSeconds must be > 0")]
    [InlineData("FaceVector:Index:QdrantWriteConsistencyFactor", "4", "FaceVector:Index:QdrantWriteConsistencyFactor must be from 1")]
    public async Task A_bad_store_setting_stops_the_search_host_naming_it(string key, string value, string expected)
    {
        await using WebApplication app = SearchServerExtensions.BuildSearchHost([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["FaceVector:Embedding:Addresses:0"] = "http://127.0.0.1:1",
            ["FaceVector:Index:Provider"] = "qdrant",
            ["FaceVector:Index:QdrantUrl"] = "http://127.0.0.1:1",
            [key] = value,
        }));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
