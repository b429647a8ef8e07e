using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FaceVector.Cli.Commands;
using FaceVector.Cli.Output;
using FaceVector.Core.Detection;
using FaceVector.Core.Pipeline;
using FaceVector.Grpc.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ProtoBox = FaceVector.Grpc.V1.BoundingBox;
using ProtoImageFaces = FaceVector.Grpc.V1.ImageFaces;

namespace FaceVector.Cli.Remote;

/// <summary><c>facevector remote search|embed</c>: the local commands' output, computed by a FaceVector server.</summary>
internal static class RemoteCommands
{
    /// <summary>Files above this go up as a stream of chunks (EmbedStream, SearchStream) rather than one message.</summary>
    internal const int StreamAboveBytes = 1 << 20;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public static Command Build()
    {
        var remote = new Command("remote", "Search and embed through a FaceVector server (facevector serve, or the search and embedding services).");
        remote.Add(BuildSearch());
        remote.Add(BuildEmbed());
        return remote;
    }

    private static Command BuildSearch()
    {
        var server = new RemoteOptions();
        var query = new Option<FileInfo>("--query", "-q") { Description = "Photo of the person to find (its largest face is used)", Required = true };
        var top = new Option<int?>("--top", "-n") { Description = "Keep at most N matches (default: the server's, 10)" };
        var threshold = new Option<float?>("--threshold") { Description = "Minimum cosine similarity (default: the recognizer's recommended threshold)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (the shape of 'search --json')" };
        var command = new Command("search", "Find the person in --query among the faces indexed on the server.") { query, top, threshold, json };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            Uri uri = server.ServerUri(parse);
            string path = parse.GetValue(query)!.FullName;
            ByteString image = await ReadAsync(path, ct);
            var request = new SearchRequest { Image = image, Name = path, TopK = parse.GetValue(top) ?? 0 };
            if (parse.GetValue(threshold) is { } t)
            {
                request.ScoreThreshold = t;
            }

            var watch = Stopwatch.StartNew();
            using GrpcChannel channel = RemoteOptions.Channel(uri);
            var client = new FaceSearch.FaceSearchClient(channel);
            var call = new CallOptions(RemoteOptions.Headers(server.Key(parse)), DateTime.UtcNow + Deadline, ct);
            SearchReply reply = await CallAsync(uri, () => image.Length > StreamAboveBytes
                ? client.SearchChunkedAsync(request, image, call)
                : client.SearchAsync(request, call).ResponseAsync);
            SearchJson result = ToSearchJson(path, reply, watch.Elapsed);
            if (parse.GetValue(json))
            {
                Json.Write(result);
            }
            else
            {
                PrintText(result);
            }

            return 0;
        });
        return command;
    }

    private static Command BuildEmbed()
    {
        var server = new RemoteOptions();
        var file = new Argument<FileInfo>("FILE") { Description = "Image file" };
        var json = new Option<bool>("--json") { Description = "Print JSON (the shape of 'embed --json')" };
        var command = new Command("embed", "Detect and embed the faces of one image on the server (large files are uploaded in chunks).") { file, json };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            Uri uri = server.ServerUri(parse);
            string path = parse.GetValue(file)!.FullName;
            ByteString image = await ReadAsync(path, ct);
            using GrpcChannel channel = RemoteOptions.Channel(uri);
            var client = new FaceEmbedding.FaceEmbeddingClient(channel);
            var call = new CallOptions(RemoteOptions.Headers(server.Key(parse)), DateTime.UtcNow + Deadline, ct);
            ImageResult result;
            try
            {
                ProtoImageFaces reply = await client.EmbedAnySizeAsync(image, path, call, StreamAboveBytes);
                result = new ImageResult(path, Client.ProtoMapping.ToImageFaces(reply), null);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                // As the local command does: an unusable image is a result with an error, not a crash.
                result = new ImageResult(path, null, ex.Status.Detail);
            }
            catch (RpcException ex)
            {
                throw RemoteErrors.ToCliException(ex, uri);
            }

            return AnalyzeCommands.Print(result, parse.GetValue(json), withEmbedding: true);
        });
        return command;
    }

    internal static SearchJson ToSearchJson(string queryPath, SearchReply reply, TimeSpan elapsed)
    {
        ProbeFaceMatches probe = reply.Faces[0];
        return new SearchJson(
            new SearchJson.QueryJson(queryPath, Box(probe.Box)),
            [.. probe.Matches.Select(m => new SearchJson.MatchJson(m.ImagePath, m.Score, Box(m.Box), m.FaceIndex))],
            [],
            new SearchJson.StatsJson(reply.ModelId, reply.ScoreThreshold, null, null, null, null, null, Math.Round(elapsed.TotalSeconds, 3), null));
    }

    private static async Task<T> CallAsync<T>(Uri server, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException ex)
        {
            throw RemoteErrors.ToCliException(ex, server);
        }
    }

    private static async Task<ByteString> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            return ByteString.CopyFrom(await File.ReadAllBytesAsync(path, ct));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: {ex.Message}");
        }
    }


    private static Core.Detection.BoundingBox ToBox(ProtoBox b) => new(b.X1, b.Y1, b.X2, b.Y2);

    private static float[] Box(ProtoBox b) => Json.Box(ToBox(b));

    private static void PrintText(SearchJson result)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"query  {result.Query.Path}  face [{string.Join(',', result.Query.Bbox.Select(v => v.ToString("0", inv)))}]");
        Console.WriteLine($"model  {result.Stats.Model}  threshold {result.Stats.Threshold.ToString("0.00", inv)}");
        Console.WriteLine($"{result.Matches.Count} match(es), best first:");
        foreach (SearchJson.MatchJson m in result.Matches)
        {
            Console.WriteLine($"{m.Score.ToString("0.0000", inv)}  {m.Path}  face {m.FaceIndex}");
        }
    }
}
