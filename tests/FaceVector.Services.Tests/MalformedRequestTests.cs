using System.Buffers.Binary;
using System.Net;
using System.Text;
using FaceVector.Application.Errors;
using FaceVector.Client;
using FaceVector.Grpc.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Status = Google.Rpc.Status;

namespace FaceVector.Services.Tests;

/// <summary>
/// Requests no client library would send, as raw bytes on a real h2c connection: malformed protobuf messages and
/// broken gRPC frames are INVALID_ARGUMENT naming the message (never UNKNOWN or INTERNAL), and errors never echo
/// long input (a 20 KB name or path stays out of the status and trailers).
/// </summary>
[Collection(SearchStackCollection.Name)]
public sealed class MalformedRequestTests(SearchStackFixture stack)
{
    // Field 1, length-delimited, with a length varint that decodes negative: no parser accepts it.
    private static readonly byte[] Malformed = [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];

    public static TheoryData<string, string> Methods() => new()
    {
        { "/facevector.v1.FaceSearch/Search", "SearchRequest" },
        { "/facevector.v1.FaceSearch/SearchStream", "SearchChunk" },
        { "/facevector.v1.FaceSearch/SearchByFace", "SearchByFaceRequest" },
        { "/facevector.v1.FaceSearch/DeleteImages", "DeleteImagesRequest" },
        { "/facevector.v1.FaceSearch/GetStats", "StatsRequest" },
        { "/facevector.v1.People/ListPeople", "ListPeopleRequest" },
        { "/facevector.v1.People/SearchByPerson", "SearchByPersonRequest" },
        { "/facevector.v1.FaceEmbedding/Detect", "ImageRequest" },
        { "/facevector.v1.FaceEmbedding/Embed", "ImageRequest" },
        { "/facevector.v1.FaceEmbedding/EmbedStream", "ImageChunk" },
        { "/facevector.v1.FaceEmbedding/GetModelInfo", "ModelInfoRequest" },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task A_malformed_message_is_invalid_argument_naming_the_message(string method, string message)
    {
        GrpcAnswer answer = await SendAsync(method, Frame(Malformed));

        Assert.True(answer.Status == StatusCode.InvalidArgument, $"{method}: {answer.Status} {answer.Message}");
        Assert.StartsWith(message, answer.Message, StringComparison.Ordinal);
        Assert.Equal(message, Assert.Single(answer.Details!.GetDetail<BadRequest>()!.FieldViolations).Field);
        Assert.Equal("MALFORMED_MESSAGE", answer.Details.GetDetail<ErrorInfo>()!.Reason);
    }

    [Theory]
    [InlineData("/facevector.v1.FaceSearch/Search")]
    [InlineData("/facevector.v1.FaceSearch/SearchStream")]
    [InlineData("/facevector.v1.FaceEmbedding/EmbedStream")]
    [InlineData("/facevector.v1.FaceSearch/GetStats")]
    public async Task Broken_frames_are_invalid_argument_not_unknown(string method)
    {
        // A compression flag that does not exist; a length prefix of 4 GiB - 1.
        byte[] badFlag = [2, 0, 0, 0, 0];
        byte[] hugeLength = [0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3];
        foreach (byte[] body in new[] { badFlag, hugeLength })
        {
            GrpcAnswer answer = await SendAsync(method, body);
            Assert.True(answer.Status == StatusCode.InvalidArgument, $"{method}: {answer.Status} {answer.Message}");
            Assert.Equal("request", answer.Details!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);
        }

        if (method.EndsWith("Stream", StringComparison.Ordinal))
        {
            // A valid first message, then a broken frame inside the stream.
            IMessage first = method.Contains("Search", StringComparison.Ordinal)
                ? new SearchChunk { Request = new SearchRequest { Name = "x.jpg" } }
                : new ImageChunk { Metadata = new ImageMetadata { Name = "x.jpg" } };
            GrpcAnswer answer = await SendAsync(method, [.. Frame(first.ToByteArray()), .. badFlag]);
            Assert.True(answer.Status == StatusCode.InvalidArgument, $"{method} (second frame): {answer.Status} {answer.Message}");
        }
    }

    public static TheoryData<string> LongFields() => ["name", "image_path", "tag", "point_id", "model_id", "embed.name"];

    [Theory]
    [MemberData(nameof(LongFields))]
    public async Task A_20_KB_string_in_an_invalid_request_is_never_echoed(string field)
    {
        string longText = new('A', 20_000);
        string nearLimit = new('A', 4_000); // under the 4096-character field limit: reaches the image decoder's error
        byte[] corrupt = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5];
        var search = new FaceSearch.FaceSearchClient(stack.Search.Channel);
        var embedding = new FaceEmbedding.FaceEmbeddingClient(stack.Embedder.Channel);
        foreach (string text in new[] { longText, nearLimit })
        {
            RpcException ex = await Assert.ThrowsAsync<RpcException>(() => field switch
            {
                "name" => search.SearchAsync(new SearchRequest { Image = ByteString.CopyFrom(corrupt), Name = text }, ServiceHost.KeyHeaders).ResponseAsync,
                "image_path" => search.SearchAsync(new SearchRequest { Image = ByteString.CopyFrom(corrupt), Name = "x.jpg", Filter = new PayloadFilter { ImagePath = text } }, ServiceHost.KeyHeaders).ResponseAsync,
                "tag" => search.SearchByFaceAsync(new SearchByFaceRequest { PointId = Guid.NewGuid().ToString(), Filter = new PayloadFilter { Tags = { [text] = text } } }, ServiceHost.KeyHeaders).ResponseAsync,
                "point_id" => search.SearchByFaceAsync(new SearchByFaceRequest { PointId = text }, ServiceHost.KeyHeaders).ResponseAsync,
                "model_id" => search.SearchAsync(new SearchRequest { Embedding = new ProbeEmbedding { ModelId = text, Values = { 1f, 2f } } }, ServiceHost.KeyHeaders).ResponseAsync,
                _ => embedding.EmbedAsync(new ImageRequest { Image = ByteString.CopyFrom(corrupt), Name = text }, ServiceHost.KeyHeaders).ResponseAsync,
            });

            Assert.True(ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound, $"{field}: {ex.StatusCode} {ex.Status.Detail.Length} chars");
            Assert.True(ex.Status.Detail.Length <= FaceVectorError.MaxMessageLength, $"{field}: detail of {ex.Status.Detail.Length} characters");
            // Everything the server sent back: the status detail and every trailer (google.rpc.Status details included).
            int echoed = Count(ex.Status.Detail) + ex.Trailers.Sum(t => t.IsBinary ? Count(Encoding.Latin1.GetString(t.ValueBytes)) : Count(t.Value));
            int trailerBytes = ex.Trailers.Sum(t => t.Key.Length + (t.IsBinary ? t.ValueBytes.Length : t.Value.Length));
            Assert.True(echoed < 512, $"{field}: {echoed} characters of the input came back");
            Assert.True(trailerBytes < 2048, $"{field}: {trailerBytes} bytes of trailers");
        }

        static int Count(string s) => s.Count(c => c == 'A');
    }

    [Theory]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("nan")]
    [InlineData("threshold")]
    [InlineData("top_k")]
    [InlineData("point_id")]
    public async Task Bad_fields_of_search_by_face_are_invalid_argument_naming_the_field(string wrong)
    {
        var request = new SearchByFaceRequest { PointId = Guid.NewGuid().ToString() };
        string field = "score_threshold";
        switch (wrong)
        {
            case "inf": request.ScoreThreshold = float.PositiveInfinity; break;
            case "-inf": request.ScoreThreshold = float.NegativeInfinity; break;
            case "nan": request.ScoreThreshold = float.NaN; break;
            case "threshold": request.ScoreThreshold = -1.5f; break;
            case "top_k": request.TopK = -3; field = "top_k"; break;
            case "point_id": request.PointId = "not-a-uuid"; field = "point_id"; break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => new FaceSearch.FaceSearchClient(stack.Search.Channel).SearchByFaceAsync(request, ServiceHost.KeyHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal((ErrorCode.InvalidArgument, field), (GrpcErrors.ToError(ex).Code, GrpcErrors.ToError(ex).Field));
    }

    private sealed record GrpcAnswer(StatusCode Status, string Message, Status? Details);

    private static byte[] Frame(byte[] message)
    {
        byte[] frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>POSTs raw gRPC frames over h2c to the host serving <paramref name="method"/>; the status from trailers or headers.</summary>
    private async Task<GrpcAnswer> SendAsync(string method, byte[] body)
    {
        Uri address = method.Contains("FaceEmbedding", StringComparison.Ordinal) ? stack.Embedder.Address : stack.Search.Address;
        using var http = new HttpClient { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        request.Headers.Add("x-api-key", ServiceHost.ApiKey);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using HttpResponseMessage response = await http.SendAsync(request, cts.Token);
        await response.Content.ReadAsByteArrayAsync(cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string? Get(string name) => response.TrailingHeaders.TryGetValues(name, out IEnumerable<string>? v) || response.Headers.TryGetValues(name, out v) ? v.First() : null;
        var status = (StatusCode)int.Parse(Get("grpc-status") ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
        string message = Uri.UnescapeDataString(Get("grpc-message") ?? string.Empty);
        Status? details = Get("grpc-status-details-bin") is { } bin ? Status.Parser.ParseFrom(Convert.FromBase64String(Pad(bin))) : null;
        return new GrpcAnswer(status, message, details);
    }

    private static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
}
