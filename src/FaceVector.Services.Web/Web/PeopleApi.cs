using System.Globalization;
using System.Text.Json;
using FaceVector.Index;
using FaceVector.People;
using FaceVector.Services.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Web;

/// <summary>
/// The people of the index over HTTP/JSON (docs/web.md, docs/people.md): list, one person's photos, and the user's
/// corrections. Every endpoint calls the same <see cref="PeopleService"/> (through <see cref="PeopleProvider"/>) as
/// gRPC People, so a correction from the page is the same correction; mutations need the admin key.
/// </summary>
internal static class PeopleApi
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    // A correction's body is a name or a list of face ids: small. Anything larger is refused before it is parsed.
    private const int MaxBodyBytes = 256 * 1024;

    public static RouteGroupBuilder MapPeopleApi(this RouteGroupBuilder api)
    {
        api.MapGet("/people", ListAsync);
        api.MapGet("/people/{id}", GetAsync);
        api.MapGet("/face", FaceAsync);
        api.MapPost("/people/{id}/name", NameAsync).WithMetadata(new AdminOnly());
        api.MapPost("/people/{id}/merge", MergeAsync).WithMetadata(new AdminOnly());
        api.MapPost("/people/{id}/split", SplitAsync).WithMetadata(new AdminOnly());
        api.MapPost("/people/{id}/reject", RejectAsync).WithMetadata(new AdminOnly());
        api.MapPost("/people/{id}/hide", HideAsync).WithMetadata(new AdminOnly());
        return api;
    }

    /// <summary><c>GET /api/people?offset=&amp;limit=&amp;hidden=true</c>: people with most faces first, a page of them.</summary>
    private static async Task<IResult> ListAsync(HttpContext http, string? offset, string? limit, string? hidden, PeopleProvider provider)
    {
        (int skip, int take) = Page(offset, limit);
        bool includeHidden = hidden is not null && (bool.TryParse(hidden, out bool h) ? h
            : throw new WebApiException(StatusCodes.Status400BadRequest, "'hidden' must be true or false", "hidden"));
        PeopleService people = await provider.GetAsync(http.RequestAborted);
        IReadOnlyList<Person> all = [.. people.List(includeHidden).OrderByDescending(p => p.FaceCount).ThenBy(p => p.Id)];
        List<Person> page = [.. all.Skip(skip).Take(take)];
        var json = new List<PersonJson>(page.Count);
        foreach (Person p in page)
        {
            IReadOnlyList<FacePoint> faces = await people.FacesAsync(p.Id, http.RequestAborted);
            json.Add(PersonJson.From(p, PhotoCount(faces)));
        }

        return Results.Ok(new PeopleListJson(all.Count, skip + take < all.Count ? skip + take : null, json));
    }

    /// <summary><c>GET /api/people/ID?offset=&amp;limit=</c>: the person and a page of its photos (each with the person's faces in it).</summary>
    private static async Task<IResult> GetAsync(HttpContext http, string id, string? offset, string? limit, PeopleProvider provider)
    {
        (int skip, int take) = Page(offset, limit);
        PeopleService people = await provider.GetAsync(http.RequestAborted);
        Person person = Find(people, ParseId(id, "id"), "id");
        IReadOnlyList<FacePoint> faces = await people.FacesAsync(person.Id, http.RequestAborted);
        // FacesAsync orders by path, so a photo's faces are together and pages are stable.
        List<IGrouping<string, FacePoint>> photos = [.. faces.GroupBy(f => f.Payload.ImagePath, StringComparer.Ordinal)];
        var page = photos.Skip(skip).Take(take).Select(g =>
        {
            string first = Uri.EscapeDataString(g.First().Id.ToString());
            return new PersonPhotoJson(g.Key, $"/api/thumbnail?id={first}", $"/api/image?id={first}", [.. g.Select(FaceJsonOf)]);
        }).ToList();
        return Results.Ok(new PersonPageJson(PersonJson.From(person, photos.Count), photos.Count, skip + take < photos.Count ? skip + take : null, page));
    }

    /// <summary><c>GET /api/face?id=POINT&amp;size=N</c>: the face cut out of its indexed photo (covers), through the safe serving path.</summary>
    private static async Task<IResult> FaceAsync(HttpContext http, string? id, string? size, IndexedImages images, Thumbnailer thumbnails, IOptions<WebOptions> options)
    {
        FacePayload face = await images.ByIdAsync(id, http.RequestAborted);
        int side = size is null ? options.Value.ThumbnailSize
            : int.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s is >= Thumbnailer.MinSize and <= Thumbnailer.MaxSize ? s
            : throw new WebApiException(StatusCodes.Status400BadRequest, $"'size' must be a whole number of pixels from {Thumbnailer.MinSize} to {Thumbnailer.MaxSize}", "size");
        string etag = FormattableString.Invariant($"\"{face.ImageHash}-face{face.FaceIndex}-{side}\"");
        http.Response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"private, max-age={options.Value.ImageMaxAgeSeconds}");
        http.Response.Headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch == etag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.File(await thumbnails.FaceJpegAsync(face, side, http.RequestAborted), "image/jpeg");
    }

    /// <summary><c>POST /api/people/ID/name {"name": "..."}</c>; an empty or null name removes it.</summary>
    private static async Task<IResult> NameAsync(HttpContext http, string id, PeopleProvider provider)
    {
        long personId = ParseId(id, "id");
        JsonElement body = await ReadBodyAsync(http);
        string? name = body.TryGetProperty("name", out JsonElement n) ? n.ValueKind switch
        {
            JsonValueKind.String => n.GetString(),
            JsonValueKind.Null => null,
            _ => throw new WebApiException(StatusCodes.Status400BadRequest, "'name' must be a string or null", "name"),
        } : throw new WebApiException(StatusCodes.Status400BadRequest, "give 'name' (a string; empty removes the name)", "name");
        PeopleService people = await provider.GetAsync(http.RequestAborted);
        Find(people, personId, "id");
        Person named = Correct(() => people.Name(personId, name), "name");
        return Results.Ok(await WithPhotosAsync(people, named, http.RequestAborted));
    }

    /// <summary><c>POST /api/people/ID/merge {"from": OTHER}</c>: OTHER's faces join ID; OTHER disappears.</summary>
    private static async Task<IResult> MergeAsync(HttpContext http, string id, PeopleProvider provider)
    {
        long into = ParseId(id, "id");
        JsonElement body = await ReadBodyAsync(http);
        long from = body.TryGetProperty("from", out JsonElement f) && f.ValueKind == JsonValueKind.Number && f.TryGetInt64(out long v) && v > 0 ? v
            : throw new WebApiException(StatusCodes.Status400BadRequest, "'from' must be the id (a positive whole number) of the person to merge in", "from");
        PeopleService people = await provider.GetAsync(http.RequestAborted);
        Find(people, into, "id");
        Find(people, from, "from");
        Person merged = Correct(() => people.Merge(into, from), "from");
        return Results.Ok(await WithPhotosAsync(people, merged, http.RequestAborted));
    }

    /// <summary><c>POST /api/people/ID/split {"faces": [POINT...]}</c>: the faces move to a new person (returned).</summary>
    private static async Task<IResult> SplitAsync(HttpContext http, string id, PeopleProvider provider)
    {
        long personId = ParseId(id, "id");
        List<Guid> faces = FaceIds(await ReadBodyAsync(http));
        PeopleService people = await provider.GetAsync(http.RequestAborted);
        Find(people, personId, "id");
        Person created = await CorrectAsync(() => people.SplitAsync(personId, faces, http.RequestAborted), "faces");
        return Results.Ok(await WithPhotosAsync(people, created, http.RequestAborted));
    }

    /// <summary><c>POST /api/people/ID/reject {"faces": [POINT...]}</c>: "not this person"; answers the person, or null when it is left empty.</summary>
    private static async Task<IResult> RejectAsync(HttpContext http, string id, PeopleProvider provider)
    {
        long personId = ParseId(id, "id");
        List<Guid> faces = FaceIds(await ReadBodyAsync(http));
        PeopleService people = await provider.GetAsync(http.RequestAborted);
        Find(people, personId, "id");
        await CorrectAsync(async () => { await people.RejectAsync(personId, faces, http.RequestAborted); return true; }, "faces");
        Person? left = people.Store.Person(personId);
        return Results.Ok(new RejectJson(left is null ? null : await WithPhotosAsync(people, left, http.RequestAborted)));
    }

    /// <summary><c>POST /api/people/ID/hide {"hidden": true|false}</c>.</summary>
    private static async Task<IResult> HideAsync(HttpContext http, string id, PeopleProvider provider)
    {
        long personId = ParseId(id, "id");
        JsonElement body = await ReadBodyAsync(http);
        bool hidden = body.TryGetProperty("hidden", out JsonElement h) && h.ValueKind is JsonValueKind.True or JsonValueKind.False ? h.GetBoolean()
            : throw new WebApiException(StatusCodes.Status400BadRequest, "'hidden' must be true or false", "hidden");
        PeopleService people = await provider.GetAsync(http.RequestAborted);
        Find(people, personId, "id");
        Person person = Correct(() => people.Hide(personId, hidden), "id");
        return Results.Ok(await WithPhotosAsync(people, person, http.RequestAborted));
    }

    private static (int Skip, int Take) Page(string? offset, string? limit)
    {
        int skip = offset is null ? 0
            : int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out int o) ? o
            : throw new WebApiException(StatusCodes.Status400BadRequest, "'offset' must be a whole number, 0 or more", "offset");
        int take = limit is null ? DefaultLimit
            : int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out int l) && l is >= 1 and <= MaxLimit ? l
            : throw new WebApiException(StatusCodes.Status400BadRequest, $"'limit' must be a whole number from 1 to {MaxLimit}", "limit");
        return (skip, take);
    }

    private static long ParseId(string? text, string field) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && id > 0 ? id
            : throw new WebApiException(StatusCodes.Status400BadRequest, $"'{field}' must be a person id (a positive whole number)", field);

    private static Person Find(PeopleService people, long id, string field) =>
        people.Store.Person(id) ?? throw new WebApiException(StatusCodes.Status404NotFound, FormattableString.Invariant($"no person {id}"), field);

    private static List<Guid> FaceIds(JsonElement body)
    {
        if (!body.TryGetProperty("faces", out JsonElement faces) || faces.ValueKind != JsonValueKind.Array || faces.GetArrayLength() == 0)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, "'faces' must be a non-empty array of face point ids (UUIDs)", "faces");
        }

        var ids = new List<Guid>(faces.GetArrayLength());
        foreach (JsonElement f in faces.EnumerateArray())
        {
            // The bad entry is not echoed: it is the client's text, of any length.
            ids.Add(f.ValueKind == JsonValueKind.String && Guid.TryParse(f.GetString(), out Guid g) ? g
                : throw new WebApiException(StatusCodes.Status400BadRequest, FormattableString.Invariant($"'faces' entry {ids.Count} is not a face point id (a UUID)"), "faces"));
        }

        return ids;
    }

    /// <summary>A JSON object body: JSON content type (so a cross-site form cannot post it without a CORS preflight), bounded size.</summary>
    private static async Task<JsonElement> ReadBodyAsync(HttpContext http)
    {
        HttpRequest request = http.Request;
        if (!request.HasJsonContentType())
        {
            throw new WebApiException(StatusCodes.Status415UnsupportedMediaType, "send the body as application/json", "body");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            throw new WebApiException(StatusCodes.Status413PayloadTooLarge, $"the body is over {MaxBodyBytes} bytes", "body");
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new WebApiException(StatusCodes.Status413PayloadTooLarge, $"the body is over {MaxBodyBytes} bytes", "body");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone()
                : throw new WebApiException(StatusCodes.Status400BadRequest, "the body must be a JSON object", "body");
        }
        catch (JsonException)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, "the body is not valid JSON", "body");
        }
    }

    /// <summary>The service's refusals (an ArgumentException naming what is wrong) as 400 naming the field.</summary>
    private static T Correct<T>(Func<T> action, string field)
    {
        try
        {
            return action();
        }
        catch (PersonNotFoundException ex)
        {
            throw new WebApiException(StatusCodes.Status404NotFound, ex.Message, field);
        }
        catch (ArgumentException ex)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, Plain(ex), field);
        }
    }

    private static async Task<T> CorrectAsync<T>(Func<Task<T>> action, string field)
    {
        try
        {
            return await action();
        }
        catch (PersonNotFoundException ex)
        {
            throw new WebApiException(StatusCodes.Status404NotFound, ex.Message, field);
        }
        catch (ArgumentException ex)
        {
            throw new WebApiException(StatusCodes.Status400BadRequest, Plain(ex), field);
        }
    }

    private static string Plain(ArgumentException ex) =>
        ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);

    private static async Task<PersonJson> WithPhotosAsync(PeopleService people, Person person, CancellationToken ct) =>
        PersonJson.From(person, PhotoCount(await people.FacesAsync(person.Id, ct)));

    private static int PhotoCount(IReadOnlyList<FacePoint> faces) => faces.Select(f => f.Payload.ImagePath).Distinct(StringComparer.Ordinal).Count();

    private static PersonFaceJson FaceJsonOf(FacePoint f)
    {
        string id = f.Id.ToString();
        return new PersonFaceJson(id, f.Payload.FaceIndex, [f.Payload.Box.X1, f.Payload.Box.Y1, f.Payload.Box.X2, f.Payload.Box.Y2], $"/api/face?id={Uri.EscapeDataString(id)}");
    }
}

/// <summary>A person as the web API shows it; <see cref="Cover"/> is the URL of the cover face's crop.</summary>
public sealed record PersonJson(long Id, string? Name, int FaceCount, int PhotoCount, string? CoverFaceId, string? Cover, bool Hidden, DateTimeOffset Created, DateTimeOffset Updated)
{
    public static PersonJson From(Person p, int photoCount)
    {
        string? cover = p.CoverFace?.ToString();
        return new PersonJson(p.Id, p.Name, p.FaceCount, photoCount, cover, cover is null ? null : $"/api/face?id={Uri.EscapeDataString(cover)}", p.Hidden, p.Created, p.Updated);
    }
}

/// <summary>Answer of <c>GET /api/people</c>: <see cref="Total"/> people in all, this page, and the next page's offset (null on the last).</summary>
public sealed record PeopleListJson(int Total, int? NextOffset, IReadOnlyList<PersonJson> People);

/// <summary>One of a person's faces: its point id, index in the photo, box in upright pixels, crop URL.</summary>
public sealed record PersonFaceJson(string PointId, int FaceIndex, float[] Box, string Face);

/// <summary>A photo of a person, with the person's faces in it.</summary>
public sealed record PersonPhotoJson(string ImagePath, string Thumbnail, string Image, IReadOnlyList<PersonFaceJson> Faces);

/// <summary>Answer of <c>GET /api/people/ID</c>: the person, its photo count, a page of photos, the next page's offset.</summary>
public sealed record PersonPageJson(PersonJson Person, int Photos, int? NextOffset, IReadOnlyList<PersonPhotoJson> Page);

/// <summary>Answer of <c>POST /api/people/ID/reject</c>: the person after, or null when no face was left.</summary>
public sealed record RejectJson(PersonJson? Person);
