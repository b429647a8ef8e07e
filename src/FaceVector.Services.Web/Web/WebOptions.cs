namespace FaceVector.Services.Web;

/// <summary>Settings of the search page and its HTTP API (section <c>FaceVector:Web</c>, docs/web.md).</summary>
public sealed class WebOptions
{
    public const string Section = "FaceVector:Web";

    /// <summary>Ingest journal read by <c>GET /api/ingest-report</c>; unset or missing: no report.</summary>
    public string? JournalPath { get; set; }

    /// <summary>Memory kept for thumbnails (and image sizes), in bytes; least recently used ones go first.</summary>
    public long ThumbnailCacheBytes { get; set; } = 64L << 20;

    /// <summary>Thumbnail side when the request names none, in pixels.</summary>
    public int ThumbnailSize { get; set; } = 200;

    /// <summary>
    /// Host names (besides localhost, 127.0.0.1 and ::1) that the web port answers to, e.g. the name of a reverse
    /// proxy; any other <c>Host</c> header gets 421 (DNS rebinding). "*" allows any (not recommended).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>How long browsers may keep thumbnails and images without asking again.</summary>
    public int ImageMaxAgeSeconds { get; set; } = 3600;
}
