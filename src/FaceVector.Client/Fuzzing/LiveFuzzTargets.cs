using System.Buffers.Binary;
using System.Net;
using System.Text;
using FaceVector.Grpc.V1;
using Google.Protobuf;

namespace FaceVector.Services.Fuzzing;

/// <summary>A running server misbehaved on a fuzzed request: a 5xx, UNKNOWN/INTERNAL, a hang, a dead server.</summary>
public sealed class ServerFaultException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The web API's request parsing as a live fuzz target: each input is a whole request, <c>METHOD target\n
/// content-type\nbody</c>, so mutations reach the method, the query string, the content type with its multipart
/// boundary, and the body (multipart forms, raw photos). Sent to a running server on loopback. Accepted: 2xx/3xx;
/// refused: 4xx with a JSON body and the security headers; anything else throws <see cref="ServerFaultException"/>.
/// </summary>
public sealed class HttpApiFuzzTarget(HttpClient http, TimeSpan deadline)
{
    private const string Boundary = "fuzz-boundary-7d1";

    /// <summary>Inputs that were sendable requests and went to the server (the others count as refused).</summary>
    public long Sent { get; private set; }

    /// <summary>Requests to every endpoint, with <paramref name="photo"/> as the uploaded photo (a small one is faster).</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Seeds(byte[] photo)
    {
        string id = Guid.NewGuid().ToString();
        return
        [
            Seed("search.multipart", "POST /api/search", $"multipart/form-data; boundary={Boundary}", Multipart(photo, ("top", "5"), ("threshold", "0.3"), ("face", "0"))),
            Seed("detect.multipart", "POST /api/detect", $"multipart/form-data; boundary={Boundary}", Multipart(photo)),
            Seed("search.raw", "POST /api/search?name=probe.png&top=3&threshold=-0.5&face=0", "image/png", photo),
            Seed("search.curl-default", "POST /api/search?top=2", "application/x-www-form-urlencoded", photo),
            Seed("thumbnail", $"GET /api/thumbnail?id={id}&size=64", "", []),
            Seed("image.path", "GET /api/image?path=%2Fphotos%2Fa.jpg", "", []),
            Seed("image.id", $"GET /api/image?id={id}", "", []),
            Seed("stats", "GET /api/stats", "", []),
            Seed("ingest-report", "GET /api/ingest-report", "", []),
            Seed("session", "POST /api/session", "", []),
            Seed("delete.tag", "DELETE /api/images?tag=who%3Dnobody-fuzz", "", []),
        ];
    }

    /// <summary>Sends <paramref name="input"/>: true if answered 2xx/3xx, false if refused properly (4xx, JSON).</summary>
    public bool Send(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!TryParse(input, http.BaseAddress!, out HttpRequestMessage? request))
        {
            return false; // not a request HttpClient can send (the mutation broke the method or the URL): nothing to test
        }

        using (request)
        {
            Sent++;
            using var cts = new CancellationTokenSource(deadline);
            HttpResponseMessage response;
            try
            {
                response = http.Send(request, HttpCompletionOption.ResponseContentRead, cts.Token);
            }
            catch (OperationCanceledException ex)
            {
                throw new ServerFaultException($"no answer within {deadline.TotalSeconds:0} s to {Describe(request)}", ex);
            }
            catch (HttpRequestException ex)
            {
                throw new ServerFaultException($"connection failed on {Describe(request)}: {ex.Message}", ex);
            }

            using (response)
            {
                int status = (int)response.StatusCode;
                string body = response.Content.ReadAsStringAsync(cts.Token).GetAwaiter().GetResult();
                if (status >= 500)
                {
                    throw new ServerFaultException($"{status} on {Describe(request)}: {Cut(body)}");
                }

                if (!response.Headers.TryGetValues("X-Content-Type-Options", out IEnumerable<string>? nosniff) || !nosniff.Contains("nosniff"))
                {
                    throw new ServerFaultException($"{status} without X-Content-Type-Options: nosniff on {Describe(request)}");
                }

                if (status < 400)
                {
                    return true;
                }

                if (response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) != true || !IsJson(body))
                {
                    throw new ServerFaultException($"{status} without a JSON body on {Describe(request)}: {Cut(body)}");
                }

                return false;
            }
        }
    }

    private static bool TryParse(byte[] input, Uri baseAddress, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HttpRequestMessage? request)
    {
        request = null;
        int first = Array.IndexOf(input, (byte)'\n');
        int second = first < 0 ? -1 : Array.IndexOf(input, (byte)'\n', first + 1);
        if (second < 0)
        {
            return false;
        }

        string line = Encoding.Latin1.GetString(input, 0, first);
        string contentType = Encoding.Latin1.GetString(input, first + 1, second - first - 1);
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return false;
        }

        // Printable ASCII only in the head: anything else HttpClient refuses to send, or Kestrel refuses as a malformed
        // HTTP message before the application sees it; neither tests FaceVector.
        if (line.Any(c => c is < ' ' or > '~') || contentType.Any(c => c is < ' ' or > '~'))
        {
            return false;
        }

        string target = line[(space + 1)..];
        // Only paths on the server under test: a mutation must never send a request anywhere else.
        if (!target.StartsWith('/') || target.StartsWith("//", StringComparison.Ordinal)
            || !Uri.TryCreate(baseAddress, target, out Uri? uri) || uri.Authority != baseAddress.Authority || uri.Scheme != baseAddress.Scheme)
        {
            return false;
        }

        HttpMethod method;
        try
        {
            method = new HttpMethod(line[..space]);
        }
        catch (FormatException)
        {
            return false;
        }

        var message = new HttpRequestMessage(method, uri);
        byte[] body = input[(second + 1)..];
        if (body.Length > 0 || contentType.Length > 0)
        {
            message.Content = new ByteArrayContent(body);
            if (contentType.Length > 0 && !message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType))
            {
                message.Dispose();
                return false;
            }
        }

        request = message;
        return true;
    }

    private static (string, byte[]) Seed(string name, string line, string contentType, byte[] body) =>
        (name, [.. Encoding.Latin1.GetBytes($"{line}\n{contentType}\n"), .. body]);

    private static byte[] Multipart(byte[] photo, params (string Name, string Value)[] fields)
    {
        var body = new MemoryStream();
        void Write(string text) => body.Write(Encoding.UTF8.GetBytes(text));
        foreach ((string name, string value) in fields)
        {
            Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
        }

        Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"probe.png\"\r\nContent-Type: image/png\r\n\r\n");
        body.Write(photo);
        Write($"\r\n--{Boundary}--\r\n");
        return body.ToArray();
    }

    private static bool IsJson(string body)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string Describe(HttpRequestMessage request) => $"{request.Method} {Cut(request.RequestUri?.PathAndQuery ?? "")}";

    internal static string Cut(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

/// <summary>
/// gRPC request parsing on a running server as a live fuzz target: each input is a method number and the HTTP/2
/// request body (gRPC frames: compression flag, 4-byte length, message), made from valid encoded requests, so
/// mutations flip bits, truncate, lie in the length prefix and the protobuf varints. Sent raw over h2c. Accepted:
/// OK; refused: any status the server chose (INVALID_ARGUMENT, NOT_FOUND, ...) and gRPC's own framing errors, which
/// the protocol defines as INTERNAL with its fixed messages; a fault: UNKNOWN, any other INTERNAL, a non-200 HTTP
/// answer, no grpc-status, a hang, a dead server.
/// </summary>
public sealed class GrpcWireFuzzTarget(HttpClient http, TimeSpan deadline, string? apiKey)
{
    /// <summary>Methods a fuzzed request may reach: every parser, and no method that changes people's names.</summary>
    public static readonly IReadOnlyList<string> Methods =
    [
        "/facevector.v1.FaceSearch/Search", "/facevector.v1.FaceSearch/SearchStream", "/facevector.v1.FaceSearch/SearchByFace",
        "/facevector.v1.FaceSearch/DeleteImages", "/facevector.v1.FaceSearch/GetStats",
        "/facevector.v1.FaceEmbedding/Detect", "/facevector.v1.FaceEmbedding/Embed", "/facevector.v1.FaceEmbedding/EmbedStream",
        "/facevector.v1.FaceEmbedding/GetModelInfo",
        "/facevector.v1.People/ListPeople", "/facevector.v1.People/GetPerson", "/facevector.v1.People/SearchByPerson",
    ];

    // grpc-dotnet's answers to broken framing (the protocol's INTERNAL): not a parser of ours failing.
    private static readonly string[] FramingErrors =
    [
        "Incomplete message.", "Additional data after the message received.", "Request did not include grpc-encoding value with compressed message.",
    ];

    public static IReadOnlyList<(string Name, byte[] Bytes)> Seeds(byte[] photo)
    {
        ByteString image = ByteString.CopyFrom(photo);
        var filter = new PayloadFilter { ImagePath = "/photos/a.jpg", ImagePathPrefix = "/photos/", ImageHash = new string('a', 64) };
        filter.Tags.Add("who", "nobody-fuzz");
        var embedding = new ProbeEmbedding { ModelId = "w600k_mbf_int8@7caa7fb0ad6c" };
        embedding.Values.AddRange(Enumerable.Range(0, 512).Select(i => MathF.Sin(i)));
        string id = Guid.NewGuid().ToString();
        return
        [
            Seed(0, new SearchRequest { Image = image, Name = "probe.png", TopK = 10, ScoreThreshold = 0.33f, FaceIndex = 0, Filter = filter }),
            Seed(0, new SearchRequest { Embedding = embedding, TopK = 5, FaceSelection = ProbeFaceSelection.All }),
            Seed(1, new SearchChunk { Request = new SearchRequest { Name = "probe.png", TopK = 3 } }, new SearchChunk { Data = image }),
            Seed(2, new SearchByFaceRequest { PointId = id, TopK = 7, ScoreThreshold = 0.5f, Filter = filter }),
            Seed(3, new DeleteImagesRequest { Filter = filter }),
            Seed(4, new StatsRequest()),
            Seed(5, new ImageRequest { Image = image, Name = "photo.png" }),
            Seed(6, new ImageRequest { Image = image, Name = "photo.png" }),
            Seed(7, new ImageChunk { Metadata = new ImageMetadata { Name = "photo.png", TotalBytes = photo.Length, Embed = true } }, new ImageChunk { Data = image }),
            Seed(8, new ModelInfoRequest()),
            Seed(9, new ListPeopleRequest()),
            Seed(10, new GetPersonRequest { Person = id, PageSize = 5 }),
            Seed(11, new SearchByPersonRequest { Person = "nobody", TopK = 4 }),
        ];
    }

    public bool Send(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length == 0)
        {
            return false;
        }

        string method = Methods[input[0] % Methods.Count];
        using var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(input, 1, input.Length - 1),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", apiKey);
        }

        using var cts = new CancellationTokenSource(deadline);
        try
        {
            // SendAsync: HTTP/2 has no synchronous send. The fuzz loop runs one input at a time.
            using HttpResponseMessage response = http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token).GetAwaiter().GetResult();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ServerFaultException($"HTTP {(int)response.StatusCode} on {method}");
            }

            string? status = Header(response, "grpc-status")
                ?? throw new ServerFaultException($"no grpc-status on {method}");
            string message = Uri.UnescapeDataString(Header(response, "grpc-message") ?? string.Empty);
            return status switch
            {
                "0" => true,
                "2" => throw new ServerFaultException($"UNKNOWN on {method}: {HttpApiFuzzTarget.Cut(message)}"),
                "13" when !FramingErrors.Contains(message) => throw new ServerFaultException($"INTERNAL on {method}: {HttpApiFuzzTarget.Cut(message)}"),
                _ => false,
            };
        }
        catch (OperationCanceledException ex)
        {
            throw new ServerFaultException($"no answer within {deadline.TotalSeconds:0} s on {method}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerFaultException($"connection failed on {method}: {ex.Message}", ex);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out IEnumerable<string>? values) || response.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    private static (string, byte[]) Seed(int method, params IMessage[] messages)
    {
        var body = new List<byte> { (byte)method };
        foreach (IMessage message in messages)
        {
            byte[] bytes = message.ToByteArray();
            byte[] prefix = new byte[5];
            BinaryPrimitives.WriteInt32BigEndian(prefix.AsSpan(1), bytes.Length);
            body.AddRange(prefix);
            body.AddRange(bytes);
        }

        return ($"{Methods[method]}", [.. body]);
    }
}
