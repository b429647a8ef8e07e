using System.CommandLine;
using System.Globalization;
using FaceVector.Services.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FaceVector.Cli.Commands;

/// <summary>
/// <c>facevector serve</c>: the embedding and search services in one process on 127.0.0.1 (h2c), search calling the
/// embedder in-process, over the embedded SQLite store unless --qdrant is given.
/// </summary>
internal static class ServeCommand
{
    public static Command Build()
    {
        var models = new ModelOptions();
        var store = new StoreOptions();
        var port = new Option<int>("--port", "-p") { Description = "Port on 127.0.0.1", DefaultValueFactory = _ => 50051 };
        var command = new Command("serve", "Serve facevector.v1.FaceEmbedding and FaceSearch over gRPC (HTTP/2 without TLS) on 127.0.0.1. Settings: docs/services.md.") { port };
        models.AddTo(command);
        store.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using WebApplication app = await StartAsync(Settings(parse, models, store), parse.GetValue(port), ct);
            Console.Error.WriteLine($"facevector: serving on {app.Urls.Single()} (Ctrl+C to stop)");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    /// <summary>Starts the combined host on 127.0.0.1:<paramref name="port"/> (0: a free port).</summary>
    public static async Task<WebApplication> StartAsync(IReadOnlyDictionary<string, string?> settings, int port, CancellationToken ct)
    {
        WebApplication app = FaceVectorHost.Build(FaceVectorRoles.Combined, [], builder =>
        {
            builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
            builder.Configuration.AddInMemoryCollection(settings);
        });
        await app.StartAsync(ct);
        return app;
    }

    /// <summary>The command line as service settings (docs/services.md); flags not given leave configuration as it is.</summary>
    public static Dictionary<string, string?> Settings(ParseResult parse, ModelOptions models, StoreOptions? store)
    {
        var inv = CultureInfo.InvariantCulture;
        var settings = new Dictionary<string, string?>
        {
            ["FaceVector:Models:Directory"] = parse.GetValue(models.Models),
            ["FaceVector:Models:Detector"] = parse.GetValue(models.Detector),
            ["FaceVector:Models:Recognizer"] = parse.GetValue(models.Recognizer),
            ["FaceVector:Models:MinFaceSize"] = parse.GetValue(models.MinFace)?.ToString(inv),
            ["FaceVector:Models:MaxPixels"] = parse.GetValue(models.MaxPixels).ToString(inv),
            ["FaceVector:Models:IntraOpThreads"] = parse.GetValue(models.IntraOpThreads).ToString(inv),
            ["FaceVector:Models:Provider"] = parse.GetValue(models.Provider),
            ["FaceVector:Inference:MaxConcurrency"] = parse.GetValue(models.Threads).ToString(inv),
        };
        if (store is not null)
        {
            Index.FaceIndexOptions index = store.ToIndexOptions(parse);
            settings["FaceVector:Index:Provider"] = index.Provider;
            settings["FaceVector:Index:DbPath"] = index.DbPath;
            settings["FaceVector:Index:QdrantUrl"] = index.QdrantUrl?.ToString();
            settings["FaceVector:Index:QdrantApiKey"] = index.ApiKey;
            settings["FaceVector:Index:Collection"] = index.Collection;
        }

        return settings.Where(s => s.Value is not null).ToDictionary();
    }
}
