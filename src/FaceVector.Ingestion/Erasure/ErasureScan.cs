using FaceVector.Index;

namespace FaceVector.Ingestion.Erasure;

/// <summary>A store file that was scanned, and its size.</summary>
public sealed record ScannedFile(string Path, long Bytes);

/// <summary>Removed data found in a store file: what it was (kind and label: a face id, a path, a hash) and where.</summary>
public sealed record ErasureFinding(string File, long Offset, string Kind, string Label);

/// <summary>The erasure report: what was removed and whether any of its bytes are still in the store files.</summary>
public sealed record ErasureReport(ErasedFaces Erased, IReadOnlyList<ScannedFile> Files, int VectorsChecked, int PathsChecked, int HashesChecked,
    IReadOnlyList<ErasureFinding> Findings)
{
    /// <summary>Nothing removed was found in any scanned file.</summary>
    public bool Verified => Findings.Count == 0 && Files.Count > 0;
}

/// <summary>
/// Reads store files byte for byte looking for the removed faces' vectors (64-byte slices), paths and content
/// hashes. Files are read in chunks (overlapping by the longest pattern), so a store of any size is scanned in
/// bounded memory; patterns are found by their last 8 bytes first, then compared in full.
/// </summary>
public static class ErasureScan
{
    private const int ChunkBytes = 8 << 20;
    private const int KeyBytes = 8;

    /// <summary>The files of an embedded store and of its ingest journal: database, WAL and shared-memory index.</summary>
    public static IReadOnlyList<string> StoreFiles(FaceIndexOptions store, string? journalPath)
    {
        var files = new List<string>();
        if (store.Provider == FaceIndexOptions.SqliteProvider)
        {
            files.AddRange(SqliteFiles(Path.GetFullPath(store.DbPath)));
        }

        if (journalPath is not null)
        {
            files.AddRange(SqliteFiles(Path.GetFullPath(journalPath)));
        }

        return files;
    }

    public static ErasureReport Scan(ErasedFaces erased, IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(erased);
        IReadOnlyList<ErasureNeedle> needles = erased.Needles;
        // Shorter patterns cannot be told from chance; paths and hashes are longer, vector slices are 64 bytes.
        var byKey = needles.Where(n => n.Bytes.Length >= KeyBytes)
            .GroupBy(n => BitConverter.ToUInt64(n.Bytes, n.Bytes.Length - KeyBytes))
            .ToDictionary(g => g.Key, g => g.ToArray());
        int longest = needles.Count == 0 ? KeyBytes : needles.Max(n => n.Bytes.Length);
        var scanned = new List<ScannedFile>();
        var findings = new List<ErasureFinding>();
        foreach (string file in files.Where(File.Exists))
        {
            scanned.Add(new ScannedFile(file, new FileInfo(file).Length));
            findings.AddRange(ScanFile(file, byKey, longest));
        }

        return new ErasureReport(erased, scanned, needles.Where(n => n.Kind == "vector").Select(n => n.Label).Distinct().Count(),
            needles.Count(n => n.Kind == "path"), needles.Count(n => n.Kind == "hash"), findings);
    }

    private static IEnumerable<string> SqliteFiles(string db) => [db, db + "-wal", db + "-shm"];

    private static List<ErasureFinding> ScanFile(string file, Dictionary<ulong, ErasureNeedle[]> byKey, int longest)
    {
        var findings = new List<ErasureFinding>();
        if (byKey.Count == 0)
        {
            return findings;
        }

        using FileStream stream = new(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        byte[] buffer = new byte[ChunkBytes + longest];
        int carried = 0;
        long bufferStart = 0; // file offset of buffer[0]
        var seen = new HashSet<(string Kind, string Label, long Offset)>();
        while (true)
        {
            int read = stream.ReadAtLeast(buffer.AsSpan(carried, ChunkBytes), ChunkBytes, throwOnEndOfStream: false);
            int length = carried + read;
            // A pattern ending at index end-1 (key = bytes end-8 .. end-1); the carried tail is seen twice, hence 'seen'.
            for (int end = KeyBytes; end <= length; end++)
            {
                ulong key = BitConverter.ToUInt64(buffer, end - KeyBytes);
                if (!byKey.TryGetValue(key, out ErasureNeedle[]? candidates))
                {
                    continue;
                }

                foreach (ErasureNeedle needle in candidates)
                {
                    int start = end - needle.Bytes.Length;
                    if (start >= 0 && buffer.AsSpan(start, needle.Bytes.Length).SequenceEqual(needle.Bytes)
                        && seen.Add((needle.Kind, needle.Label, bufferStart + start)))
                    {
                        findings.Add(new ErasureFinding(file, bufferStart + start, needle.Kind, needle.Label));
                    }
                }
            }

            if (read < ChunkBytes)
            {
                return findings;
            }

            // Keep the tail so that a pattern across the chunk boundary is seen whole in the next round.
            carried = Math.Min(longest, length);
            Buffer.BlockCopy(buffer, length - carried, buffer, 0, carried);
            bufferStart += length - carried;
        }
    }
}
