using FaceVector.Ingestion;
using Microsoft.Extensions.Options;

namespace FaceVector.Services.Web;

/// <summary>What the last ingests into this store left behind: totals, failed files and skipped faces with reasons.</summary>
/// <param name="Available">False when the server knows no ingest journal (none configured, or nothing indexed yet).</param>
public sealed record IngestReport(
    bool Available,
    string? Journal,
    long Files,
    long Indexed,
    long Failed,
    long Faces,
    IReadOnlyList<IngestReport.FailedFile> Failures,
    IReadOnlyList<IngestReport.SkippedFaceRow> SkippedFaces)
{
    public sealed record FailedFile(string Path, string? Reason, DateTimeOffset UpdatedAt);

    public sealed record SkippedFaceRow(string Path, int FaceIndex, string Reason);
}

/// <summary>Reads the report from the ingest journal named by <see cref="WebOptions.JournalPath"/>, when it exists.</summary>
public sealed class IngestReportReader(IOptions<WebOptions> options)
{
    public IngestReport Read()
    {
        string? path = options.Value.JournalPath;
        // Never create a journal just to read it.
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return new IngestReport(false, path, 0, 0, 0, 0, [], []);
        }

        using var journal = new IngestJournal(path);
        (long files, long indexed, long failed, long faces) = journal.Totals();
        return new IngestReport(true, journal.Path, files, indexed, failed, faces,
            [.. journal.Failures().Select(f => new IngestReport.FailedFile(f.Path, f.Reason, f.UpdatedAt))],
            [.. journal.SkippedFaces().Select(s => new IngestReport.SkippedFaceRow(s.Path, s.FaceIndex, s.Reason))]);
    }
}
