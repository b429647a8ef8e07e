using FaceVector.Services.Hosting;
using FaceVector.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FaceVector.Deploy.Tests;

/// <summary>
/// deploy/docker/grpc-health.sh, the images' health check for the HTTP/2-only gRPC hosts, run against a real embedding
/// host: success once the models are loaded (with an API key set: health needs none), failure while NOT_SERVING.
/// </summary>
public sealed class GrpcHealthScriptTests
{
    private const string Script = "deploy/docker/grpc-health.sh";

    [Fact]
    public async Task SucceedsOnceTheEmbeddingHostServes()
    {
        await using WebApplication host = await StartEmbeddingAsync(TestData.ModelsPath);
        DateTime until = DateTime.UtcNow.AddSeconds(60);
        ProgramRun run;
        do
        {
            run = await CheckAsync(host);
        }
        while (run.ExitCode != 0 && DateTime.UtcNow < until);

        run.AssertSucceeded(Script);
    }

    [Fact]
    public async Task FailsWhileTheHostIsNotServing()
    {
        string noModels = Directory.CreateTempSubdirectory("facevector-no-models-").FullName;
        try
        {
            await using WebApplication host = await StartEmbeddingAsync(noModels);

            Assert.Equal(1, (await CheckAsync(host)).ExitCode);
        }
        finally
        {
            Directory.Delete(noModels, recursive: true);
        }
    }

    private static Task<ProgramRun> CheckAsync(WebApplication host) =>
        ChildProcess.RunAsync("bash", [Script, new Uri(host.Urls.Single()).Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));

    private static async Task<WebApplication> StartEmbeddingAsync(string models)
    {
        WebApplication app = FaceVectorHost.Build(FaceVectorRoles.Embedding, [], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["FaceVector:Models:Directory"] = models,
                ["FaceVector:Server:ApiKey"] = "deploy-test-key",
            });
            builder.Logging.SetMinimumLevel(LogLevel.Critical + 1);
        });
        await app.StartAsync();
        return app;
    }
}
