using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace FaceVector.Services.Web;

/// <summary>
/// A photo sent to the web API, as the <c>image</c> file of a multipart form or as the raw request body, with the
/// form fields (or query parameters) that came with it.
/// </summary>
internal sealed class PhotoUpload
{
    public const string FileField = "image";

    /// <summary>Bytes a multipart form may hold beside the photo: its other fields and the part headers.</summary>
    private const long FormOverheadBytes = 1 << 20;

    private readonly IFormCollection? _form;
    private readonly IQueryCollection _query;

    private PhotoUpload(byte[] bytes, string name, IFormCollection? form, IQueryCollection query)
    {
        Bytes = bytes;
        Name = name;
        _form = form;
        _query = query;
    }

    public byte[] Bytes { get; }

    public string Name { get; }

    public static async Task<PhotoUpload> ReadAsync(HttpRequest request, long maxBytes, CancellationToken ct)
    {
        try
        {
            return IsMultipart(request) ? await ReadFormAsync(request, maxBytes, ct) : await ReadBodyAsync(request, maxBytes, ct);
        }
        catch (InvalidDataException ex)
        {
            // The form reader's refusals: a bad or missing boundary, more than 1024 fields, a section too long.
            throw Bad($"the multipart form could not be read: {ex.Message}");
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's: a body over its limit (413), one that stalls (408), a malformed chunked encoding (400).
            throw new WebApiException(ex.StatusCode, $"the request body could not be read: {ex.Message}");
        }
    }

    /// <summary>
    /// Only <c>multipart/form-data</c> is read as a form: it is the only form that can carry a file. Any other type,
    /// <c>application/x-www-form-urlencoded</c> too (what <c>curl --data-binary @photo.jpg</c> sends), is the raw photo.
    /// </summary>
    private static bool IsMultipart(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type)
        && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    private static async Task<PhotoUpload> ReadFormAsync(HttpRequest request, long maxBytes, CancellationToken ct)
    {
        // Refused before a byte is read: the photo plus room for the other fields and the part headers.
        if (request.ContentLength is { } declared && declared > maxBytes + FormOverheadBytes)
        {
            throw new WebApiException(StatusCodes.Status413PayloadTooLarge, $"the request body ({declared:N0} bytes) is over the limit of {maxBytes:N0} bytes for a photo");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (IOException ex) when (!ct.IsCancellationRequested)
        {
            // The multipart reader's "Unexpected end of Stream": a body that ends before its closing boundary.
            throw Bad($"the multipart form could not be read: it ends before its closing boundary ({ex.Message})");
        }

        IFormFile file = form.Files.GetFile(FileField) ?? form.Files.FirstOrDefault()
            ?? throw Bad($"the form has no file: send the photo as form field '{FileField}'");
        CheckSize(file.Length, maxBytes, file.FileName);
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, ct);
        return new PhotoUpload(buffer.ToArray(), NameOf(file.FileName), form, request.Query);
    }

    private static async Task<PhotoUpload> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken ct)
    {
        if (request.ContentLength is { } declared)
        {
            CheckSize(declared, maxBytes, "the request body");
        }

        using var body = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            CheckSize(body.Length + read, maxBytes, "the request body");
            body.Write(chunk, 0, read);
        }

        string name = request.Query["name"] is { Count: > 0 } n && !string.IsNullOrWhiteSpace(n[0]) ? NameOf(n[0]!) : "upload";
        return body.Length == 0
            ? throw Bad("no photo: send it as multipart form field 'image' or as the request body")
            : new PhotoUpload(body.ToArray(), name, null, request.Query);
    }

    /// <summary>An integer field of the form or query; null when absent.</summary>
    public int? Int(string field) =>
        Value(field) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
        : throw Bad($"'{field}' must be an integer, not '{text}'");

    /// <summary>A number field of the form or query; null when absent.</summary>
    public float? Float(string field) =>
        Value(field) is not { } text ? null
        : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) ? v
        : throw Bad($"'{field}' must be a number, not '{text}'");

    private string? Value(string field)
    {
        string? text = _form?[field] is { Count: > 0 } f ? f[0] : _query[field] is { Count: > 0 } q ? q[0] : null;
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    private static void CheckSize(long bytes, long maxBytes, string what)
    {
        if (bytes == 0)
        {
            throw Bad($"{what} is empty (0 bytes)");
        }

        if (bytes > maxBytes)
        {
            throw new WebApiException(StatusCodes.Status413PayloadTooLarge, $"{what} is over the limit of {maxBytes:N0} bytes");
        }
    }

    // Only the file name: a client's folder names mean nothing here and should not end up in logs.
    private static string NameOf(string fileName) => string.IsNullOrWhiteSpace(fileName) ? "upload" : Path.GetFileName(fileName);

    private static WebApiException Bad(string message) => new(StatusCodes.Status400BadRequest, message);
}
