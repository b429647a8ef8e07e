using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SixLabors.ImageSharp;

namespace FaceVector.Web.Tests;

/// <summary>
/// Copies of Obama's and Biden's photos, indexed and grouped into people with the CLI, served by <c>facevector serve</c>
/// with a search key and an admin key.
/// </summary>
public sealed class PeopleServerFixture : IAsyncLifetime
{
    public const string SearchKey = "people-search-key-0123456789";
    public const string AdminKey = "people-admin-key-9876543210";

    private readonly string _dir = Directory.CreateTempSubdirectory("facevector-people-web-").FullName;

    public string Photos => Path.Combine(_dir, "photos");

    public string DbPath => Path.Combine(_dir, "faces.db");

    public ServeProcess Server { get; private set; } = null!;

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        foreach (string folder in new[] { "barack_obama", "joe_biden" })
        {
            Directory.CreateDirectory(Path.Combine(Photos, folder));
            foreach (string file in Directory.EnumerateFiles(TestData.FacesDevFile(folder)))
            {
                File.Copy(file, Path.Combine(Photos, folder, Path.GetFileName(file)));
            }
        }

        CliRun index = await FaceVectorProcess.RunAsync("index", Photos, "--db", DbPath);
        Assert.True(index.ExitCode == 0, index.Stderr);
        CliRun cluster = await FaceVectorProcess.RunAsync("people", "cluster", "--db", DbPath);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);
        Server = await ServeProcess.StartAsync(DbPath, new Dictionary<string, string?>
        {
            ["FACEVECTOR_API_KEY"] = SearchKey,
            ["FACEVECTOR_ADMIN_KEY"] = AdminKey,
        }, SearchKey);
        Server.Http.DefaultRequestHeaders.Add("x-api-key", SearchKey);
        Admin = new HttpClient { BaseAddress = Server.WebUrl, Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Add("x-api-key", AdminKey);
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
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
/// The people HTTP API over real HTTP: reads with the search key, corrections with the admin key only (403 JSON for
/// the search key), fields validated (400 naming the field, names bounded and never echoed), cover crops through the
/// safe serving path without EXIF, and a photo deleted over HTTP leaving its person.
/// </summary>
public sealed class PeopleApiTests(PeopleServerFixture fixture) : IClassFixture<PeopleServerFixture>
{
    private HttpClient Search => fixture.Server.Http;

    private HttpClient Admin => fixture.Admin;

    [Fact]
    public async Task The_search_key_lists_people_with_covers_and_counts_and_cannot_change_them()
    {
        using JsonDocument list = await JsonAsync(await Search.GetAsync("/api/people"), HttpStatusCode.OK);
        JsonElement[] people = [.. list.RootElement.GetProperty("people").EnumerateArray()];
        Assert.True(people.Length >= 2, list.RootElement.ToString());
        Assert.Equal(people.Length, list.RootElement.GetProperty("total").GetInt32());
        Assert.All(people, p =>
        {
            Assert.True(p.GetProperty("faceCount").GetInt32() >= 2);
            Assert.True(p.GetProperty("photoCount").GetInt32() >= 1);
            Assert.StartsWith("/api/face?id=", p.GetProperty("cover").GetString(), StringComparison.Ordinal);
        });
        int[] counts = [.. people.Select(p => p.GetProperty("faceCount").GetInt32())];
        Assert.Equal(counts.OrderDescending(), counts);

        // Paging.
        using JsonDocument first = await JsonAsync(await Search.GetAsync("/api/people?limit=1"), HttpStatusCode.OK);
        Assert.Equal(1, first.RootElement.GetProperty("nextOffset").GetInt32());
        Assert.Single(first.RootElement.GetProperty("people").EnumerateArray());

        // The cover: a face crop, a JPEG without metadata.
        using HttpResponseMessage cover = await Search.GetAsync(people[0].GetProperty("cover").GetString());
        Assert.Equal(HttpStatusCode.OK, cover.StatusCode);
        Assert.Equal("image/jpeg", cover.Content.Headers.ContentType?.MediaType);
        using (Image crop = Image.Load(await cover.Content.ReadAsByteArrayAsync()))
        {
            Assert.True(Math.Max(crop.Width, crop.Height) <= 200 && crop.Width > 32);
            Assert.Null(crop.Metadata.ExifProfile);
            Assert.Null(crop.Metadata.XmpProfile);
        }

        long id = people[0].GetProperty("id").GetInt64();
        foreach ((string url, string body) in new[]
        {
            ($"/api/people/{id}/name", """{"name":"x"}"""),
            ($"/api/people/{id}/merge", $$"""{"from":{{people[1].GetProperty("id").GetInt64()}}}"""),
            ($"/api/people/{id}/hide", """{"hidden":true}"""),
            ($"/api/people/{id}/split", """{"faces":["00000000-0000-0000-0000-000000000001"]}"""),
            ($"/api/people/{id}/reject", """{"faces":["00000000-0000-0000-0000-000000000001"]}"""),
        })
        {
            using JsonDocument refused = await JsonAsync(await Search.PostAsync(url, Json(body)), HttpStatusCode.Forbidden);
            Assert.Equal("PERMISSION_DENIED", refused.RootElement.GetProperty("title").GetString());
        }

        using JsonDocument after = await JsonAsync(await Search.GetAsync($"/api/people/{id}"), HttpStatusCode.OK);
        Assert.Equal(people[0].GetProperty("name").ValueKind, after.RootElement.GetProperty("person").GetProperty("name").ValueKind);
    }

    [Fact]
    public async Task Bad_ids_and_names_are_400_naming_the_field_and_long_names_are_not_echoed()
    {
        long id = await ObamaAsync();
        await AssertFieldAsync(await Admin.PostAsync("/api/people/abc/name", Json("""{"name":"x"}""")), HttpStatusCode.BadRequest, "id");
        await AssertFieldAsync(await Admin.PostAsync("/api/people/0/name", Json("""{"name":"x"}""")), HttpStatusCode.BadRequest, "id");
        await AssertFieldAsync(await Admin.PostAsync("/api/people/987654/name", Json("""{"name":"x"}""")), HttpStatusCode.NotFound, "id");
        await AssertFieldAsync(await Admin.GetAsync("/api/people/-1"), HttpStatusCode.BadRequest, "id");
        await AssertFieldAsync(await Admin.GetAsync("/api/people?limit=0"), HttpStatusCode.BadRequest, "limit");
        await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/name", Json("""{"name":42}""")), HttpStatusCode.BadRequest, "name");
        await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/name", Json("""{"name":"two\nlines"}""")), HttpStatusCode.BadRequest, "name");
        await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/name", Json("not json")), HttpStatusCode.BadRequest, "body");
        await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/name", new StringContent("""{"name":"x"}""", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType, "body");
        await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/merge", Json("""{"from":"1"}""")), HttpStatusCode.BadRequest, "from");
        await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/merge", Json($$"""{"from":{{id}}}""")), HttpStatusCode.BadRequest, "from");
        await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/split", Json("""{"faces":["not-a-uuid"]}""")), HttpStatusCode.BadRequest, "faces");
        await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/split", Json("""{"faces":["00000000-0000-0000-0000-000000000001"]}""")), HttpStatusCode.BadRequest, "faces");
        await AssertFieldAsync(await Admin.GetAsync("/api/face?id=nope"), HttpStatusCode.BadRequest, null);

        string longName = "LongName" + new string('n', 5000);
        string body = await AssertFieldAsync(await Admin.PostAsync($"/api/people/{id}/name", Json(JsonSerializer.Serialize(new { name = longName }))), HttpStatusCode.BadRequest, "name");
        Assert.DoesNotContain("LongName", body, StringComparison.Ordinal);
        Assert.True(body.Length < 1000, $"{body.Length} characters of error");

        // A name of the maximum length is fine, and persists.
        string longest = new('a', 200);
        using JsonDocument named = await JsonAsync(await Admin.PostAsync($"/api/people/{id}/name", Json(JsonSerializer.Serialize(new { name = longest }))), HttpStatusCode.OK);
        Assert.Equal(longest, named.RootElement.GetProperty("name").GetString());
        using JsonDocument read = await JsonAsync(await Search.GetAsync($"/api/people/{id}"), HttpStatusCode.OK);
        Assert.Equal(longest, read.RootElement.GetProperty("person").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Split_merge_reject_and_hide_through_the_admin_key()
    {
        long obama = await ObamaAsync();
        using JsonDocument before = await JsonAsync(await Admin.GetAsync($"/api/people/{obama}?limit=1000"), HttpStatusCode.OK);
        int faces = before.RootElement.GetProperty("person").GetProperty("faceCount").GetInt32();
        string[] faceIds = [.. before.RootElement.GetProperty("page").EnumerateArray().SelectMany(p => p.GetProperty("faces").EnumerateArray()).Select(f => f.GetProperty("pointId").GetString()!)];
        Assert.Equal(faces, faceIds.Length);
        Assert.True(faces >= 3);

        using JsonDocument split = await JsonAsync(await Admin.PostAsync($"/api/people/{obama}/split", Json(JsonSerializer.Serialize(new { faces = new[] { faceIds[0] } }))), HttpStatusCode.OK);
        long created = split.RootElement.GetProperty("id").GetInt64();
        Assert.Equal(1, split.RootElement.GetProperty("faceCount").GetInt32());
        using JsonDocument merged = await JsonAsync(await Admin.PostAsync($"/api/people/{obama}/merge", Json($$"""{"from":{{created}}}""")), HttpStatusCode.OK);
        Assert.Equal(faces, merged.RootElement.GetProperty("faceCount").GetInt32());
        await AssertFieldAsync(await Admin.GetAsync($"/api/people/{created}"), HttpStatusCode.NotFound, "id");

        using JsonDocument rejected = await JsonAsync(await Admin.PostAsync($"/api/people/{obama}/reject", Json(JsonSerializer.Serialize(new { faces = new[] { faceIds[^1] } }))), HttpStatusCode.OK);
        Assert.Equal(faces - 1, rejected.RootElement.GetProperty("person").GetProperty("faceCount").GetInt32());

        using JsonDocument hidden = await JsonAsync(await Admin.PostAsync($"/api/people/{obama}/hide", Json("""{"hidden":true}""")), HttpStatusCode.OK);
        Assert.True(hidden.RootElement.GetProperty("hidden").GetBoolean());
        Assert.DoesNotContain(await IdsAsync("/api/people"), id => id == obama);
        Assert.Contains(await IdsAsync("/api/people?hidden=true"), id => id == obama);
        await JsonAsync(await Admin.PostAsync($"/api/people/{obama}/hide", Json("""{"hidden":false}""")), HttpStatusCode.OK);
        Assert.Contains(await IdsAsync("/api/people"), id => id == obama);
    }

    [Fact]
    public async Task Deleting_the_cover_photo_over_http_takes_it_out_of_the_person_and_chooses_a_new_cover()
    {
        long obama = await ObamaAsync();
        using JsonDocument before = await JsonAsync(await Search.GetAsync($"/api/people/{obama}?limit=1000"), HttpStatusCode.OK);
        JsonElement person = before.RootElement.GetProperty("person");
        string cover = person.GetProperty("coverFaceId").GetString()!;
        string coverPhoto = before.RootElement.GetProperty("page").EnumerateArray()
            .First(p => p.GetProperty("faces").EnumerateArray().Any(f => f.GetProperty("pointId").GetString() == cover)).GetProperty("imagePath").GetString()!;
        int faces = person.GetProperty("faceCount").GetInt32();

        using JsonDocument deleted = await JsonAsync(await Admin.DeleteAsync($"/api/images?path={Uri.EscapeDataString(coverPhoto)}"), HttpStatusCode.OK);
        long removed = deleted.RootElement.GetProperty("deleted").GetInt64();
        using JsonDocument after = await JsonAsync(await Search.GetAsync($"/api/people/{obama}?limit=1000"), HttpStatusCode.OK);
        JsonElement left = after.RootElement.GetProperty("person");
        Assert.Equal(faces - removed, left.GetProperty("faceCount").GetInt32());
        Assert.NotEqual(cover, left.GetProperty("coverFaceId").GetString());
        Assert.DoesNotContain(after.RootElement.GetProperty("page").EnumerateArray(), p => p.GetProperty("imagePath").GetString() == coverPhoto);
        using HttpResponseMessage newCover = await Search.GetAsync(left.GetProperty("cover").GetString());
        Assert.Equal(HttpStatusCode.OK, newCover.StatusCode);
    }

    /// <summary>The person with most of Obama's photos.</summary>
    private async Task<long> ObamaAsync()
    {
        var best = (Id: 0L, Count: 0);
        foreach (long id in await IdsAsync("/api/people?hidden=true"))
        {
            using JsonDocument person = await JsonAsync(await Search.GetAsync($"/api/people/{id}?limit=1000"), HttpStatusCode.OK);
            int count = person.RootElement.GetProperty("page").EnumerateArray().Count(p => p.GetProperty("imagePath").GetString()!.Contains("barack_obama", StringComparison.Ordinal));
            if (count > best.Count)
            {
                best = (id, count);
            }
        }

        Assert.True(best.Count >= 3, "no person holds Obama's photos");
        return best.Id;
    }

    private async Task<long[]> IdsAsync(string url)
    {
        using JsonDocument list = await JsonAsync(await Search.GetAsync(url), HttpStatusCode.OK);
        return [.. list.RootElement.GetProperty("people").EnumerateArray().Select(p => p.GetProperty("id").GetInt64())];
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private static async Task<JsonDocument> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body);
        }
    }

    /// <summary>Asserts a JSON error with this status naming <paramref name="field"/> (when given); returns the body.</summary>
    private static async Task<string> AssertFieldAsync(HttpResponseMessage response, HttpStatusCode expected, string? field)
    {
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
            Assert.EndsWith("json", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            using JsonDocument doc = JsonDocument.Parse(body);
            Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("error").GetString()), body);
            if (field is not null)
            {
                Assert.Equal(field, doc.RootElement.GetProperty("field").GetString());
            }

            return body;
        }
    }
}
