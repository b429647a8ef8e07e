using System.Diagnostics;
using System.Net;
using System.Text.Json;
using SixLabors.ImageSharp;

namespace FaceVector.Web.Tests;

/// <summary>
/// A store of copied photos, indexed, served by <c>facevector serve</c> with a search key and an admin key (from a
/// key file, as a docker secret would give it). The tests change the photo files under the running server.
/// </summary>
public sealed class SafeServingFixture : IAsyncLifetime
{
    public const string SearchKey = "search-key-0123456789";
    public const string AdminKey = "admin-key-9876543210";

    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-safe-").FullName;

    public string Photos => Path.Combine(_dir, "photos");

    public string DbPath => Path.Combine(_dir, "faces.db");

    public ServeProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Photos);
        foreach (string name in new[] { "obama.jpg", "obama1.jpg", "obama2.jpg", "obama3.jpg", "obama-480p.jpg" })
        {
            File.Copy(TestData.FacesDevFile(Path.Combine("barack_obama", name)), Path.Combine(Photos, name));
        }

        foreach (string file in Directory.EnumerateFiles(TestData.FacesDevFile("joe_biden")).Take(2))
        {
            File.Copy(file, Path.Combine(Photos, "biden-" + Path.GetFileName(file)));
        }

        // A photo with an EXIF block (orientation 6), to check that thumbnails carry none.
        File.Copy(TestData.AwkwardFile("exif_orientation_6.jpg"), Path.Combine(Photos, "exif_orientation_6.jpg"));
        CliRun index = await FaceVectorProcess.RunAsync("index", Photos, "--db", DbPath, "--min-face", "0");
        Assert.True(index.ExitCode == 0, index.Stderr);
        string adminKeyFile = Path.Combine(_dir, "admin.key");
        await File.WriteAllTextAsync(adminKeyFile, AdminKey + "\n");
        Server = await ServeProcess.StartAsync(DbPath, new Dictionary<string, string?>
        {
            ["FACEVECTOR_API_KEY"] = SearchKey,
            ["FACEVECTOR_ADMIN_KEY_FILE"] = adminKeyFile,
        }, SearchKey);
        Server.Http.DefaultRequestHeaders.Add("x-api-key", SearchKey);
    }

    /// <summary>Point id of a face of <paramref name="name"/> (a file in <see cref="Photos"/>).</summary>
    public async Task<string> PointIdAsync(string name)
    {
        using var content = new MultipartFormDataContent();
        // Search by the photo itself: its own face is the best match and names the point.
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(Photos, name)));
        content.Add(file, "image", name);
        content.Add(new StringContent("1000"), "top");
        content.Add(new StringContent("0"), "threshold");
        using HttpResponseMessage response = await Server.Http.PostAsync("/api/search", content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using JsonDocument doc = JsonDocument.Parse(body);
        string path = Path.Combine(Photos, name);
        return doc.RootElement.GetProperty("matches").EnumerateArray()
            .First(m => m.GetProperty("imagePath").GetString() == path).GetProperty("pointId").GetString()!;
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>
/// Only what was indexed is served: a photo swapped for a link, a FIFO, a directory or other content is 404 with a
/// JSON body (and never hangs); Host allow-list; security headers; thumbnails without EXIF; roles on delete.
/// </summary>
public sealed class SafeServingTests(SafeServingFixture fixture) : IClassFixture<SafeServingFixture>
{
    private HttpClient Http => fixture.Server.Http;

    [Fact]
    public async Task A_photo_swapped_for_a_link_to_etc_passwd_is_404_and_nothing_of_it_is_sent()
    {
        string id = await fixture.PointIdAsync("obama1.jpg");
        string photo = Path.Combine(fixture.Photos, "obama1.jpg");
        using (HttpResponseMessage ok = await Http.GetAsync($"/api/image?id={id}"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        File.Move(photo, photo + ".bak");
        File.CreateSymbolicLink(photo, "/etc/passwd");
        try
        {
            foreach (string url in new[] { $"/api/image?id={id}", $"/api/image?path={Uri.EscapeDataString(photo)}", $"/api/thumbnail?id={id}&size=64" })
            {
                using HttpResponseMessage response = await Http.GetAsync(url);
                string body = await AssertJsonErrorAsync(response, HttpStatusCode.NotFound, url);
                Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(photo);
            File.Move(photo + ".bak", photo);
        }
    }

    [Fact]
    public async Task A_fifo_in_place_of_a_photo_is_404_at_once_not_a_hang()
    {
        string id = await fixture.PointIdAsync("obama2.jpg");
        string photo = Path.Combine(fixture.Photos, "obama2.jpg");
        File.Move(photo, photo + ".bak");
        using (Process mkfifo = Process.Start("mkfifo", photo))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        try
        {
            var clock = Stopwatch.StartNew();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using HttpResponseMessage response = await Http.GetAsync($"/api/image?id={id}", cts.Token);
            await AssertJsonErrorAsync(response, HttpStatusCode.NotFound, "FIFO");
            using HttpResponseMessage thumb = await Http.GetAsync($"/api/thumbnail?id={id}&size=48", cts.Token);
            await AssertJsonErrorAsync(thumb, HttpStatusCode.NotFound, "FIFO");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        }
        finally
        {
            File.Delete(photo);
            File.Move(photo + ".bak", photo);
        }
    }

    [Theory]
    [InlineData("/proc/self/environ")]
    [InlineData("/dev/zero")]
    public async Task Special_files_behind_a_link_are_404(string target)
    {
        string id = await fixture.PointIdAsync("obama3.jpg");
        string photo = Path.Combine(fixture.Photos, "obama3.jpg");
        File.Move(photo, photo + ".bak");
        File.CreateSymbolicLink(photo, target);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using HttpResponseMessage response = await Http.GetAsync($"/api/image?id={id}", cts.Token);
            string body = await AssertJsonErrorAsync(response, HttpStatusCode.NotFound, target);
            Assert.DoesNotContain("PATH=", body, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(photo);
            File.Move(photo + ".bak", photo);
        }
    }

    [Fact]
    public async Task A_directory_or_replaced_content_in_place_of_a_photo_is_404()
    {
        string id = await fixture.PointIdAsync("obama-480p.jpg");
        string photo = Path.Combine(fixture.Photos, "obama-480p.jpg");
        File.Move(photo, photo + ".bak");
        try
        {
            Directory.CreateDirectory(photo);
            using (HttpResponseMessage dir = await Http.GetAsync($"/api/image?id={id}"))
            {
                await AssertJsonErrorAsync(dir, HttpStatusCode.NotFound, "directory");
            }

            Directory.Delete(photo);
            // Another valid photo under the indexed name: a regular file, but not what was indexed.
            File.Copy(TestData.FacesDevFile(Path.Combine("rose_leslie", "img1.jpg")), photo);
            using HttpResponseMessage replaced = await Http.GetAsync($"/api/image?id={id}");
            string body = await AssertJsonErrorAsync(replaced, HttpStatusCode.NotFound, "replaced");
            Assert.Contains("changed since it was indexed", body, StringComparison.Ordinal);
            using HttpResponseMessage thumb = await Http.GetAsync($"/api/thumbnail?id={id}&size=40");
            await AssertJsonErrorAsync(thumb, HttpStatusCode.NotFound, "replaced thumbnail");
        }
        finally
        {
            if (Directory.Exists(photo))
            {
                Directory.Delete(photo);
            }

            File.Delete(photo);
            File.Move(photo + ".bak", photo);
        }
    }

    [Fact]
    public async Task Thumbnails_carry_no_exif_icc_or_xmp()
    {
        string original = Path.Combine(fixture.Photos, "exif_orientation_6.jpg");
        Assert.NotNull(Image.Identify(original).Metadata.ExifProfile); // the original has one
        string id = await fixture.PointIdAsync("obama.jpg");
        using HttpResponseMessage response = await Http.GetAsync($"/api/thumbnail?id={id}&size=120");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();
        IImageInfo info = Image.Identify(bytes);
        Assert.Null(info.Metadata.ExifProfile);
        Assert.Null(info.Metadata.IccProfile);
        Assert.Null(info.Metadata.XmpProfile);
        Assert.Null(info.Metadata.IptcProfile);
        // The raw bytes too: no APP1 "Exif" segment at all.
        Assert.True(bytes.AsSpan().IndexOf("Exif\0\0"u8) < 0);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:80")]
    [InlineData("127.0.0.1.nip.io")]
    public async Task Other_host_names_get_421_with_a_json_body(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
        request.Headers.Host = host;
        using HttpResponseMessage response = await Http.SendAsync(request);
        string body = await AssertJsonErrorAsync(response, HttpStatusCode.MisdirectedRequest, host);
        Assert.DoesNotContain(host, body, StringComparison.Ordinal);

        using var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Host = host;
        using HttpResponseMessage pageResponse = await Http.SendAsync(page);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, pageResponse.StatusCode);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task Loopback_host_names_are_answered(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
        request.Headers.Host = $"{host}:{fixture.Server.WebUrl.Port}";
        using HttpResponseMessage response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/stats")]
    [InlineData("/api/image?id=00000000-0000-0000-0000-000000000000")]
    [InlineData("/api/thumbnail?id=not-a-uuid")]
    [InlineData("/")]
    public async Task Every_answer_has_the_security_headers(string url)
    {
        using HttpResponseMessage response = await Http.GetAsync(url);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Contains("frame-ancestors 'none'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
        if (url.StartsWith("/api/stats", StringComparison.Ordinal))
        {
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_search_key_cannot_delete_the_admin_key_can_and_indexing_again_brings_the_photo_back()
    {
        string photo = Path.Combine(fixture.Photos, Directory.EnumerateFiles(fixture.Photos, "biden-*").Select(Path.GetFileName).Order().First()!);
        string url = $"/api/images?path={Uri.EscapeDataString(photo)}";
        using (var asSearch = new HttpRequestMessage(HttpMethod.Delete, url))
        {
            using HttpResponseMessage refused = await Http.SendAsync(asSearch);
            await AssertJsonErrorAsync(refused, HttpStatusCode.Forbidden, "search key delete");
        }

        long before = await FacesAsync();
        using var asAdmin = new HttpRequestMessage(HttpMethod.Delete, url);
        asAdmin.Headers.Remove("x-api-key");
        asAdmin.Headers.Add("authorization", $"Bearer {SafeServingFixture.AdminKey}");
        using var client = new HttpClient { BaseAddress = fixture.Server.WebUrl };
        using HttpResponseMessage deleted = await client.SendAsync(asAdmin);
        string body = await deleted.Content.ReadAsStringAsync();
        Assert.True(deleted.StatusCode == HttpStatusCode.OK, body);
        using JsonDocument doc = JsonDocument.Parse(body);
        long removed = doc.RootElement.GetProperty("deleted").GetInt64();
        Assert.True(removed >= 1);
        Assert.Equal(1, doc.RootElement.GetProperty("journalForgot").GetInt32());
        Assert.Equal(before - removed, await FacesAsync());

        CliRun again = await FaceVectorProcess.RunAsync("index", fixture.Photos, "--db", fixture.DbPath, "--min-face", "0");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("1 embedded", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, await FacesAsync());
    }

    private async Task<long> FacesAsync()
    {
        using HttpResponseMessage stats = await Http.GetAsync("/api/stats");
        using JsonDocument doc = JsonDocument.Parse(await stats.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("faces").GetInt64();
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : string.Empty;

    private static async Task<string> AssertJsonErrorAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{what}: {(int)response.StatusCode} {body}");
        // application/json or application/problem+json, with a message.
        Assert.EndsWith("json", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(body);
        string? message = doc.RootElement.TryGetProperty("error", out JsonElement error) ? error.GetString()
            : doc.RootElement.TryGetProperty("detail", out JsonElement detail) ? detail.GetString() : null;
        Assert.False(string.IsNullOrWhiteSpace(message), body);
        return body;
    }
}
