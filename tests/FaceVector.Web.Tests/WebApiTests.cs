using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SixLabors.ImageSharp;

namespace FaceVector.Web.Tests;

/// <summary>The HTTP API of the search page, over real HTTP on loopback against <c>facevector serve</c>.</summary>
[Collection(WebCollection.Name)]
public sealed class WebApiTests(IndexedServerFixture fixture)
{
    private HttpClient Http => fixture.Server.Http;

    [Fact]
    public async Task The_page_and_its_files_are_served_without_a_key()
    {
        foreach (string path in new[] { "/", "/app.js", "/app.css" })
        {
            using HttpResponseMessage response = await fixture.KeyedServer.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        string html = await Http.GetStringAsync("/");
        Assert.Contains("<script src=\"/app.js\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detect_returns_the_faces_with_boxes_and_the_largest()
    {
        JsonElement detected = await PostPhotoAsync("/api/detect", Expected.Probe);
        Assert.Equal(910, detected.GetProperty("width").GetInt32());
        Assert.Equal(1137, detected.GetProperty("height").GetInt32());
        JsonElement face = Assert.Single(detected.GetProperty("faces").EnumerateArray());
        Assert.Equal(face.GetProperty("index").GetInt32(), detected.GetProperty("largest").GetInt32());
        float[] box = [.. face.GetProperty("box").EnumerateArray().Select(v => v.GetSingle())];
        Assert.Equal([378f, 84f, 610f, 426f], box.Select(v => MathF.Round(v)));
    }

    [Fact]
    public async Task Search_finds_every_photo_of_the_person_best_first_with_the_recommended_threshold()
    {
        JsonElement result = await PostPhotoAsync("/api/search", Expected.Probe, ("face", "0"), ("top", "20"));
        Assert.Equal(0.33f, result.GetProperty("threshold").GetSingle(), 3);
        JsonElement[] matches = [.. result.GetProperty("matches").EnumerateArray()];
        string[] paths = [.. matches.Select(m => m.GetProperty("imagePath").GetString()!)];
        Assert.Equal(Expected.ObamaPhotos.Order(StringComparer.Ordinal), paths.Distinct().Order(StringComparer.Ordinal));
        float[] scores = [.. matches.Select(m => m.GetProperty("score").GetSingle())];
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.Equal(1f, scores[0], 3);
        Assert.All(matches, m => Assert.True(m.GetProperty("imageWidth").GetInt32() > 0));
    }

    [Fact]
    public async Task Search_takes_the_photo_as_the_raw_body_too_and_applies_threshold_and_top()
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(Expected.Probe));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using HttpResponseMessage response = await Http.PostAsync("/api/search?threshold=0.9&top=1&name=obama.jpg", content);
        JsonElement result = await JsonAsync(response, HttpStatusCode.OK);
        JsonElement match = Assert.Single(result.GetProperty("matches").EnumerateArray());
        Assert.True(match.GetProperty("score").GetSingle() > 0.9f);
    }

    [Fact]
    public async Task Thumbnails_are_small_upright_jpegs_with_cache_headers()
    {
        JsonElement match = (await PostPhotoAsync("/api/search", Expected.Probe, ("top", "1"))).GetProperty("matches")[0];
        using HttpResponseMessage response = await Http.GetAsync(match.GetProperty("thumbnail").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("max-age", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        using Image thumbnail = Image.Load(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(200, Math.Max(thumbnail.Width, thumbnail.Height));
        Assert.True(thumbnail.Height > thumbnail.Width); // the portrait stays a portrait

        using var again = new HttpRequestMessage(HttpMethod.Get, match.GetProperty("thumbnail").GetString());
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using HttpResponseMessage notModified = await Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task The_full_photo_is_served_by_point_id_and_by_its_indexed_path()
    {
        JsonElement match = (await PostPhotoAsync("/api/search", Expected.Probe, ("top", "1"))).GetProperty("matches")[0];
        byte[] original = await File.ReadAllBytesAsync(match.GetProperty("imagePath").GetString()!);
        Assert.Equal(original, await Http.GetByteArrayAsync(match.GetProperty("image").GetString()));
        Assert.Equal(original, await Http.GetByteArrayAsync($"/api/image?path={Uri.EscapeDataString(Expected.Probe)}"));
    }

    public static TheoryData<string> FilesOutsideTheIndex() =>
    [
        "/api/image?path=/etc/passwd",
        "/api/image?path=../../../../../../etc/passwd",
        $"/api/image?path={Uri.EscapeDataString(Path.Combine(TestData.FacesDev, "..", "..", "..", "..", "..", "..", "etc", "passwd"))}",
        $"/api/image?path={Uri.EscapeDataString(Path.Combine(TestData.FacesDev, "barack_obama", "..", "manifest.tsv"))}",
        $"/api/image?path={Uri.EscapeDataString(TestData.FacesDev)}",
        "/api/image?path=%2Fetc%2F..%2Fetc%2Fpasswd",
        "/api/image?id=../../etc/passwd",
        $"/api/image?id={Guid.NewGuid()}",
        $"/api/thumbnail?id={Guid.NewGuid()}",
        "/api/thumbnail?id=/etc/passwd",
        "/api/image",
    ];

    [Theory]
    [MemberData(nameof(FilesOutsideTheIndex))]
    public async Task Files_outside_the_index_are_refused(string url)
    {
        using HttpResponseMessage response = await Http.GetAsync(url);
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        string body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Bad_uploads_are_400_with_a_message_naming_the_problem()
    {
        await AssertErrorAsync(await Http.PostAsync("/api/detect", new ByteArrayContent([])), HttpStatusCode.BadRequest, "empty");
        await AssertErrorAsync(await Http.PostAsync("/api/detect", new StringContent("hello, not a photo")), HttpStatusCode.BadRequest, "not a supported image format");
        using var formWithoutFile = new MultipartFormDataContent { { new StringContent("0"), "face" } };
        await AssertErrorAsync(await Http.PostAsync("/api/search", formWithoutFile), HttpStatusCode.BadRequest, "no file");
        await AssertErrorAsync(await PostPhotoResponseAsync("/api/search", Expected.Probe, ("face", "first")), HttpStatusCode.BadRequest, "'face' must be an integer");
        await AssertErrorAsync(await PostPhotoResponseAsync("/api/search", Expected.Probe, ("top", "0")), HttpStatusCode.BadRequest, "top: must be at least 1");
        // problem+json (RFC 9457) naming the field, the same typed error gRPC reports as a BadRequest field violation.
        using HttpResponseMessage negative = await PostPhotoResponseAsync("/api/search", Expected.Probe, ("top", "-3"));
        Assert.Equal("application/problem+json", negative.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await JsonAsync(negative, HttpStatusCode.BadRequest);
        Assert.Equal("top", problem.GetProperty("field").GetString());
        await AssertErrorAsync(await PostPhotoResponseAsync("/api/search", Expected.Probe, ("face", "7")), HttpStatusCode.NotFound, "no face 7");
    }

    [Fact]
    public async Task A_photo_without_a_face_is_422_with_a_clear_message()
    {
        string noFace = Directory.EnumerateFiles(Path.Combine(TestData.FacesDev, "_noface")).Order(StringComparer.Ordinal).First();
        await AssertErrorAsync(await PostPhotoResponseAsync("/api/detect", noFace), HttpStatusCode.UnprocessableEntity, "no face");
        await AssertErrorAsync(await PostPhotoResponseAsync("/api/search", noFace), HttpStatusCode.UnprocessableEntity, "no face");
    }

    [Fact]
    public async Task Stats_and_ingest_report_describe_the_index()
    {
        JsonElement stats = await JsonAsync(await Http.GetAsync("/api/stats"), HttpStatusCode.OK);
        Assert.True(stats.GetProperty("faces").GetInt64() >= 130);
        Assert.True(stats.GetProperty("images").GetInt64() >= 80);
        Assert.Equal(0.33f, stats.GetProperty("model").GetProperty("recommendedThreshold").GetSingle(), 3);

        JsonElement report = await JsonAsync(await Http.GetAsync("/api/ingest-report"), HttpStatusCode.OK);
        Assert.True(report.GetProperty("available").GetBoolean());
        JsonElement failure = Assert.Single(report.GetProperty("failures").EnumerateArray());
        Assert.EndsWith("manifest.tsv", failure.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Contains("not an image", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_api_key_set_requests_without_it_get_401()
    {
        HttpClient keyed = fixture.KeyedServer.Http;
        await AssertErrorAsync(await keyed.GetAsync("/api/stats"), HttpStatusCode.Unauthorized, "API key required");
        await AssertErrorAsync(await keyed.GetAsync("/api/ingest-report"), HttpStatusCode.Unauthorized, "API key required");
        await AssertErrorAsync(await keyed.GetAsync($"/api/image?path={Uri.EscapeDataString(Expected.Probe)}"), HttpStatusCode.Unauthorized, "API key required");
        await AssertErrorAsync(await keyed.SendAsync(WithHeader("/api/stats", "x-api-key", "wrong")), HttpStatusCode.Unauthorized, "wrong API key");

        Assert.Equal(HttpStatusCode.OK, (await keyed.SendAsync(WithHeader("/api/stats", "x-api-key", IndexedServerFixture.ApiKey))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await keyed.SendAsync(WithHeader("/api/stats", "authorization", $"Bearer {IndexedServerFixture.ApiKey}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync($"/api/stats?key={IndexedServerFixture.ApiKey}")).StatusCode);
    }

    [Fact]
    public async Task A_session_sets_the_key_as_an_http_only_cookie_that_image_urls_can_use()
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var browserLike = new HttpClient(handler) { BaseAddress = fixture.KeyedServer.WebUrl };
        using var session = new HttpRequestMessage(HttpMethod.Post, "/api/session");
        session.Headers.Add("x-api-key", IndexedServerFixture.ApiKey);
        using HttpResponseMessage started = await browserLike.SendAsync(session);
        Assert.Equal(HttpStatusCode.NoContent, started.StatusCode);
        string cookie = Assert.Single(started.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.OK, (await browserLike.GetAsync($"/api/image?path={Uri.EscapeDataString(Expected.Probe)}")).StatusCode);
    }

    private static HttpRequestMessage WithHeader(string url, string name, string value)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    private async Task<JsonElement> PostPhotoAsync(string url, string file, params (string Name, string Value)[] fields) =>
        await JsonAsync(await PostPhotoResponseAsync(url, file, fields), HttpStatusCode.OK);

    private async Task<HttpResponseMessage> PostPhotoResponseAsync(string url, string file, params (string Name, string Value)[] fields)
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(await File.ReadAllBytesAsync(file));
        image.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(image, "image", Path.GetFileName(file));
        foreach ((string name, string value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return await Http.PostAsync(url, form);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
            using JsonDocument doc = JsonDocument.Parse(body);
            return doc.RootElement.Clone();
        }
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode expected, string messagePart)
    {
        JsonElement body = await JsonAsync(response, expected);
        Assert.Contains(messagePart, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
