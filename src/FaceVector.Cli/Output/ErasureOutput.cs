using System.Globalization;
using FaceVector.Index;
using FaceVector.Ingestion.Erasure;

namespace FaceVector.Cli.Output;

/// <summary>The erasure report of <c>facevector erase</c> (and <c>delete --verify</c>), as text or JSON.</summary>
internal static class ErasureOutput
{
    /// <summary>Exit code when removed bytes were found (or could not be checked): the erasure is not proven.</summary>
    public const int NotVerified = 1;

    public const string QdrantCaveat =
        "Qdrant: the points are deleted through its API, which cannot prove erasure: deleted points stay in segment files " +
        "until the optimizer rewrites them, and snapshots, the WAL until it is flushed, and other replicas still hold them (docs/security.md).";

    public static int Print(ErasureReport report, FaceIndexOptions store, bool json)
    {
        bool qdrant = store.Provider == FaceIndexOptions.QdrantProvider;
        bool verified = report.Verified && !qdrant;
        if (json)
        {
            Json.Write(new
            {
                faces = report.Erased.Faces,
                images = report.Erased.Images,
                journalForgot = report.Erased.ForgottenPaths,
                walCheckpoint = report.Erased.Checkpoint is { } c ? (c.Complete ? "complete" : "incomplete: another connection is reading the store") : null,
                scanned = report.Files.Select(f => new { path = f.Path, bytes = f.Bytes }),
                checkedVectors = report.VectorsChecked,
                checkedPaths = report.PathsChecked,
                checkedHashes = report.HashesChecked,
                found = report.Findings.Select(f => new { file = f.File, offset = f.Offset, kind = f.Kind, what = f.Label }),
                verified,
                caveat = qdrant ? QdrantCaveat : null,
            });
            return verified ? 0 : NotVerified;
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(inv, "erased {0} face(s) of {1} photo(s); the ingest journal forgot {2} photo(s)",
            report.Erased.Faces, report.Erased.Images.Count, report.Erased.ForgottenPaths.Count));
        foreach (string image in report.Erased.Images)
        {
            Console.WriteLine($"  {image}");
        }

        if (qdrant)
        {
            Console.WriteLine(QdrantCaveat);
            Console.WriteLine("only the ingest journal can be scanned here; the Qdrant store cannot.");
        }

        if (report.Erased.Checkpoint is { Complete: false })
        {
            Console.WriteLine("WAL checkpoint incomplete: another process (a running 'serve'?) has the store open, so old pages may remain in the -wal file until it closes");
        }

        Console.WriteLine("byte scan of the store files:");
        foreach (ScannedFile file in report.Files)
        {
            int found = report.Findings.Count(f => f.File == file.Path);
            Console.WriteLine(string.Format(inv, "  {0} ({1:N0} bytes): {2}", file.Path, file.Bytes, found == 0 ? "clean" : $"{found} remnant(s)"));
        }

        Console.WriteLine(string.Format(inv, "looked for {0} removed vector(s), {1} path(s), {2} content hash(es): found {3} vector(s), {4} path(s), {5} hash(es)",
            report.VectorsChecked, report.PathsChecked, report.HashesChecked,
            Distinct(report, "vector"), Distinct(report, "path"), Distinct(report, "hash")));
        Console.WriteLine(verified
            ? "erasure verified: none of the removed faces' bytes remain in the store files"
            : qdrant ? "erasure not verifiable on Qdrant (see above)" : "erasure NOT verified: removed bytes remain (listed above)");
        return verified ? 0 : NotVerified;
    }

    private static int Distinct(ErasureReport report, string kind) =>
        report.Findings.Where(f => f.Kind == kind).Select(f => f.Label).Distinct(StringComparer.Ordinal).Count();
}
