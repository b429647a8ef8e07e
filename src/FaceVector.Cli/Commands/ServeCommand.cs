using System.CommandLine;
using System.Globalization;
using System.Net;
using FaceVector.Services.Hosting;
using FaceVector.Services.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FaceVector.Cli.Commands;

/// <summary>
/// <c>facevector serve</c>: the embedding and search services in one process on 127.0.0.1 (h2c), search calling the
/// embedder in-process, over the embedded SQLite store unless --qdrant is given; the search page on a second port.
/// </summary>
internal static class ServeCommand
{
    public static Command Build()
    {
        var models = new ModelOptions();
        var store = new StoreOptions();
        var port = new Option<int>("--port", "-p") { Description = "gRPC port on 127.0.0.1", DefaultValueFactory = _ => 50051 };
        var httpPort = new Option<int?>("--http-port") { Description = "Port of the search page and its HTTP API on 127.0.0.1 (default: --port + 1; docs/web.md)" };
        var command = new Command("serve", "Serve facevector.v1.FaceEmbedding and FaceSearch over gRPC (HTTP/2 without TLS) and a search page over HTTP/1.1, on 127.0.0.1. Settings: docs/services.md, docs/web.md.")
        {
            port, httpPort,
        };
        models.AddTo(command);
        store.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            int grpcPort = parse.GetValue(port);
            int webPort = parse.GetValue(httpPort) ?? (grpcPort == 0 ? 0 : grpcPort + 1);
            Dictionary<string, string?> settings = Settings(parse, models, store);
            settings[$"{WebOptions.Section}:JournalPath"] = store.JournalPath(parse);
            ServeEndpoints endpoints = await StartWithWebAsync(settings, grpcPort, webPort, ct);
            await using WebApplication app = endpoints.App;
            Console.Error.WriteLine($"facevector: gRPC on {endpoints.Grpc}, search page on {endpoints.Web} (Ctrl+C to stop)");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    /// <summary>Starts the combined host on 127.0.0.1:<paramref name="port"/> (0: a free port), gRPC only.</summary>
    public static Task<WebApplication> StartAsync(IReadOnlyDictionary<string, string?> settings, int port, CancellationToken ct) =>
        StartHostAsync(FaceVectorRoles.Combined, settings, web => web.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}")), ct);

    /// <summary>
    /// Starts the combined host with the search page: gRPC (h2c) on <paramref name="grpcPort"/> and the page and its
    /// API (HTTP/1.1, what browsers speak without TLS) on <paramref name="webPort"/>; 0 picks a free port.
    /// </summary>
    public static async Task<ServeEndpoints> StartWithWebAsync(IReadOnlyDictionary<string, string?> settings, int grpcPort, int webPort, CancellationToken ct)
    {
        ListenOptions? grpc = null, web = null;
        WebApplication app = await StartHostAsync(FaceVectorRoles.Combined | FaceVectorRoles.Web, settings, host => host.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, grpcPort, l => (grpc = l).Protocols = HttpProtocols.Http2);
            k.Listen(IPAddress.Loopback, webPort, l => (web = l).Protocols = HttpProtocols.Http1);
        }), ct);
        // Kestrel writes the bound port back into the listen options, which tells what port 0 became.
        return new ServeEndpoints(app, Url(grpc!), Url(web!));
    }

    private static async Task<WebApplication> StartHostAsync(FaceVectorRoles roles, IReadOnlyDictionary<string, string?> settings, Action<ConfigureWebHostBuilder> listen, CancellationToken ct)
    {
        WebApplication app = FaceVectorHost.Build(roles, [], builder =>
        {
            listen(builder.WebHost);
            builder.Configuration.AddInMemoryCollection(settings);
        });
        try
        {
            await app.StartCheckedAsync(ct);
        }
        catch (ServerStartRefusedException ex)
        {
            // Listening beyond loopback without a key (Kestrel endpoints from configuration): one line, exit code 2.
            await app.DisposeAsync();
            throw new CliException(ex.Message);
        }

        return app;
    }

    private static Uri Url(ListenOptions listen) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{listen.IPEndPoint!.Port}/"));

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
            for (int i = 0; i < index.QdrantFailoverUrls.Count; i++)
            {
                settings[$"FaceVector:Index:QdrantFailoverUrls:{i}"] = index.QdrantFailoverUrls[i].ToString();
            }

            settings["FaceVector:Index:QdrantApiKey"] = index.QdrantApiKey;
            settings["FaceVector:Index:QdrantTimeoutSeconds"] = index.QdrantTimeoutSeconds.ToString(inv);
            settings["FaceVector:Index:Collection"] = index.Collection;
        }

        return settings.Where(s => s.Value is not null).ToDictionary();
    }
}

/// <summary>A started <c>serve</c> host and where it listens.</summary>
internal sealed record ServeEndpoints(WebApplication App, Uri Grpc, Uri Web);
