using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FaceVector.Core.Fuzzing;
using FaceVector.Services.Fuzzing;
using Xunit.Abstractions;

namespace FaceVector.Web.Tests;

/// <summary>
/// Malformed HTTP requests to every endpoint of a running <c>facevector serve</c> (child process), and the seeded
/// request fuzzers (HTTP API and raw gRPC frames) against the same server: never a 5xx, always a JSON error with the
/// security headers, never UNKNOWN/INTERNAL, never a hang, and the server stays up.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class MalformedHttpRequestTests(IndexedServerFixture fixture, ITestOutputHelper output)
{
    private ServeProcess Server => fixture.KeyedServer;

    private static readonly string[] Endpoints =
    [
        "POST /api/search", "POST /api/detect", "GET /api/thumbnail", "GET /api/image", "GET /api/stats",
        "GET /api/ingest-report", "POST /api/session", "DELETE /api/images", "GET /api/no-such-endpoint",
    ];

    /// <summary>One malformed request: what it is and how to make it for an endpoint.</summary>
    private sealed record Malformation(string Name, Func<string, HttpContent?> Body, string Query = "", bool PhotoEndpointsOnly = false);

    private static Malformation[] Malformations()
    {
        byte[] photo = File.ReadAllBytes(Expected.Probe);
        string manyFields = string.Concat(Enumerable.Range(0, 1100).Select(i => $"--b\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n1\r\n")) + "--b--\r\n";
        return
        [
            new("raw photo with curl's default content type", _ => Typed(photo, "application/x-www-form-urlencoded")),
            new("multipart without a boundary", _ => Typed("--x\r\n\r\n"u8.ToArray(), "multipart/form-data")),
            new("multipart with an empty boundary", _ => Typed("----\r\n"u8.ToArray(), "multipart/form-data; boundary=")),
            new("multipart whose boundary never comes", _ => Typed(photo, "multipart/form-data; boundary=abc")),
            new("multipart cut before its closing boundary", _ => Typed(Encoding.UTF8.GetBytes("--abc\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\nxyz"), "multipart/form-data; boundary=abc")),
            new("multipart with a 100-character boundary", _ => Typed(Encoding.UTF8.GetBytes($"--{new string('b', 100)}\r\n"), $"multipart/form-data; boundary={new string('b', 100)}")),
            new("more than 1024 form fields", _ => Typed(Encoding.UTF8.GetBytes(manyFields), "multipart/form-data; boundary=b")),
            new("60 MB multipart", _ => Typed(new byte[60_000_000], "multipart/form-data; boundary=b"), PhotoEndpointsOnly: true),
            new("empty body", _ => Typed([], "image/jpeg")),
            new("JSON instead of a photo", _ => Typed("{\"image\": 1}"u8.ToArray(), "application/json")),
            new("bad query values", _ => null, "?top=abc&threshold=NaN&face=-1&size=abc&id=not-a-uuid&path=%00&tag=noequals&name=%FF%FE"),
            new("huge numbers", _ => null, "?top=99999999999999999999&threshold=1e40&face=2147483648&size=-0"),
            new("3 KB query values (Kestrel itself refuses request lines over 8 KB)", _ => null, $"?path={new string('A', 3_000)}&id={new string('A', 3_000)}"),
        ];
    }

    [Fact]
    public async Task Malformed_requests_to_every_endpoint_get_a_4xx_json_error_with_the_security_headers()
    {
        var failures = new List<string>();
        int sent = 0;
        foreach (Malformation malformation in Malformations())
        {
            foreach (string endpoint in Endpoints)
            {
                string[] parts = endpoint.Split(' ');
                // A 60 MB body goes only where photos go: elsewhere the server answers without reading it and closes
                // the connection under the client still sending (HttpClient sends the body after a 2xx to Expect).
                if (malformation.PhotoEndpointsOnly && parts[1] is not ("/api/search" or "/api/detect"))
                {
                    continue;
                }

                using var request = new HttpRequestMessage(new HttpMethod(parts[0]), parts[1] + malformation.Query) { Content = malformation.Body(endpoint) };
                request.Headers.Add("x-api-key", IndexedServerFixture.ApiKey);
                // The 60 MB body: the server answers before it is sent (413), as curl's large uploads ask.
                request.Headers.ExpectContinue = request.Content?.Headers.ContentLength > 1_000_000;
                HttpResponseMessage response;
                try
                {
                    response = await Server.Http.SendAsync(request);
                }
                catch (HttpRequestException ex)
                {
                    failures.Add($"{malformation.Name} -> {endpoint}: no answer ({ex.Message})");
                    continue;
                }

                using HttpResponseMessage answered = response;
                string body = await response.Content.ReadAsStringAsync();
                sent++;
                string what = $"{malformation.Name} -> {endpoint}: {(int)response.StatusCode}";
                int status = (int)response.StatusCode;
                if (status >= 500)
                {
                    failures.Add($"{what} (server error) {Cut(body)}");
                    continue;
                }

                if (!response.Headers.TryGetValues("X-Content-Type-Options", out IEnumerable<string>? nosniff) || !nosniff.Contains("nosniff")
                    || !response.Headers.Contains("X-Frame-Options") || !response.Headers.Contains("Referrer-Policy"))
                {
                    failures.Add($"{what} without the security headers");
                }

                if (status >= 400 && (response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) != true || !ParsesWithMessage(body)))
                {
                    failures.Add($"{what} without a JSON error body: '{Cut(body)}' ({response.Content.Headers.ContentType})");
                }

                if (body.Contains(new string('A', 200), StringComparison.Ordinal))
                {
                    failures.Add($"{what} echoes the long value");
                }
            }
        }

        output.WriteLine($"{sent} malformed requests, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.False(Server.HasExited);
    }

    [Fact]
    public async Task A_raw_photo_with_curls_default_content_type_is_searched_as_the_raw_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/search?top=20") { Content = Typed(File.ReadAllBytes(Expected.Probe), "application/x-www-form-urlencoded") };
        request.Headers.Add("x-api-key", IndexedServerFixture.ApiKey);
        using HttpResponseMessage response = await Server.Http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using JsonDocument doc = JsonDocument.Parse(body);
        Assert.Contains(doc.RootElement.GetProperty("matches").EnumerateArray(), m => m.GetProperty("imagePath").GetString() == Expected.Probe);
    }

    [Fact]
    public async Task Fuzzed_http_requests_never_get_a_server_error_or_a_hang()
    {
        var target = new HttpApiFuzzTarget(KeyedClient(Server.WebUrl), TimeSpan.FromSeconds(60));
        var fuzzer = new MutationFuzzer(HttpApiFuzzTarget.Seeds(File.ReadAllBytes(TestData.AwkwardFile("tiny_20x20.png"))), randomSeed: 11);
        FuzzResult result = await Task.Run(() => fuzzer.Run(target.Send, FuzzDuration));
        output.WriteLine($"HTTP API: {result.Inputs:N0} inputs ({target.Sent:N0} sent) in {result.Elapsed.TotalSeconds:0.0} s: {result.Accepted:N0} accepted, {result.Refused:N0} refused, {result.Crashes.Count} crashes");
        Assert.True(result.Crashes.Count == 0, string.Join("\n", result.Crashes.Select(c => $"{c.Seed} #{c.Iteration}: {c.Exception}")));
        Assert.True(target.Sent > 200, $"{target.Sent} requests sent");
        Assert.True(result.Accepted > 0 && result.Refused > 0);
        await AssertServerUpAsync();
    }

    [Fact]
    public async Task Fuzzed_grpc_frames_are_never_unknown_internal_or_a_hang()
    {
        using var h2c = new HttpClient { BaseAddress = Server.GrpcUrl, Timeout = Timeout.InfiniteTimeSpan };
        var target = new GrpcWireFuzzTarget(h2c, TimeSpan.FromSeconds(60), IndexedServerFixture.ApiKey);
        var fuzzer = new MutationFuzzer(GrpcWireFuzzTarget.Seeds(File.ReadAllBytes(TestData.AwkwardFile("tiny_20x20.png"))), randomSeed: 13);
        FuzzResult result = await Task.Run(() => fuzzer.Run(target.Send, FuzzDuration));
        output.WriteLine($"gRPC wire: {result.Inputs:N0} inputs in {result.Elapsed.TotalSeconds:0.0} s: {result.Accepted:N0} accepted, {result.Refused:N0} refused, {result.Crashes.Count} crashes");
        Assert.True(result.Crashes.Count == 0, string.Join("\n", result.Crashes.Select(c => $"{c.Seed} #{c.Iteration}: {c.Exception}")));
        Assert.True(result.Inputs > 200, $"{result.Inputs} inputs");
        Assert.True(result.Accepted > 0 && result.Refused > 0);
        await AssertServerUpAsync();
    }

    // 12 s each in the tests (24 s for both); FACEVECTOR_FUZZ_SECONDS or `facevector bench fuzz --target http|grpc` for longer.
    private static TimeSpan FuzzDuration =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("FACEVECTOR_FUZZ_SECONDS"), out int s) && s > 0 ? s : 12);

    private async Task AssertServerUpAsync()
    {
        Assert.False(Server.HasExited, Server.Log);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
        request.Headers.Add("x-api-key", IndexedServerFixture.ApiKey);
        using HttpResponseMessage stats = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
    }

    private static HttpClient KeyedClient(Uri baseAddress)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Add("x-api-key", IndexedServerFixture.ApiKey);
        return client;
    }

    private static ByteArrayContent Typed(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static bool ParsesWithMessage(string body)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out JsonElement error) && !string.IsNullOrWhiteSpace(error.GetString());
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
