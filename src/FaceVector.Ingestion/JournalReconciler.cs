using FaceVector.Index;

namespace FaceVector.Ingestion;

/// <summary>A file the journal calls indexed whose faces are not (all) in the index.</summary>
public sealed record MissingFaces(string Path, int Journal, int Index);

/// <summary>How the journal and the index differ.</summary>
/// <param name="JournalIndexId">Index the journal was written for (null: a journal from before ids, or a new one).</param>
/// <param name="StoreIndexId">Id of the collection in the store now (null: the collection does not exist).</param>
/// <param name="Missing">Files with faces in the journal but fewer in the index.</param>
/// <param name="Unjournaled">Image paths with faces in the index that the journal does not list as indexed (other writers, or a crash between index and journal write).</param>
public sealed record JournalIndexDiff(string? JournalIndexId, string? StoreIndexId, int JournalFiles, long JournalFaces, long IndexFaces,
    IReadOnlyList<MissingFaces> Missing, IReadOnlyList<string> Unjournaled)
{
    /// <summary>The journal was written for another index (the store was recreated or replaced).</summary>
    public bool OtherIndex => JournalIndexId is not null && StoreIndexId is not null && JournalIndexId != StoreIndexId;

    public bool InStep => !OtherIndex && Missing.Count == 0;
}

/// <summary>
/// Keeps the ingest journal honest about the index it describes. The journal lives apart from the index (another file,
/// another volume, another machine), so either can be lost alone: a journal that trusted itself would report files as
/// "unchanged" whose faces are gone. The journal remembers the collection's index id; an id that changed means the
/// index was recreated, and faces the journal counts but the index lacks mean it lost them. Either way the files
/// concerned are forgotten by the journal, so the next ingest re-embeds them.
/// </summary>
public static class JournalReconciler
{
    private const int PageSize = 1000;

    /// <summary>Compares journal and index face by face (one pass over the index's payloads, no vectors).</summary>
    public static async Task<JournalIndexDiff> CompareAsync(IngestJournal journal, IFaceIndex index, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(index);
        CollectionInfo? info = await index.GetCollectionAsync(ct).ConfigureAwait(false);
        IReadOnlyList<JournalEntry> indexed = journal.IndexedWithFaces();
        var inIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        if (info is not null)
        {
            string? offset = null;
            do
            {
                FacePage page = await index.ListAsync(PageSize, offset, cancellationToken: ct).ConfigureAwait(false);
                foreach (FacePoint point in page.Points)
                {
                    inIndex[point.Payload.ImagePath] = inIndex.GetValueOrDefault(point.Payload.ImagePath) + 1;
                }

                offset = page.NextOffset;
            }
            while (offset is not null);
        }

        var journaled = indexed.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var missing = indexed.Where(e => inIndex.GetValueOrDefault(e.Path) < e.Faces).Select(e => new MissingFaces(e.Path, e.Faces, inIndex.GetValueOrDefault(e.Path))).ToList();
        var unjournaled = inIndex.Keys.Where(p => !journaled.ContainsKey(p)).Order(StringComparer.Ordinal).ToList();
        return new JournalIndexDiff(journal.IndexId, info?.IndexId, indexed.Count, indexed.Sum(e => (long)e.Faces), inIndex.Values.Sum(v => (long)v), missing, unjournaled);
    }

    /// <summary>Makes the journal forget what the index does not hold, and binds it to the index; returns how many files will be re-embedded.</summary>
    public static int Repair(IngestJournal journal, JournalIndexDiff diff)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(diff);
        int forgotten;
        if (diff.OtherIndex)
        {
            forgotten = diff.JournalFiles;
            journal.Clear();
        }
        else
        {
            forgotten = diff.Missing.Count;
            journal.Remove(diff.Missing.Select(m => m.Path));
        }

        if (diff.StoreIndexId is not null)
        {
            journal.BindTo(diff.StoreIndexId);
        }

        return forgotten;
    }

    /// <summary>
    /// The check an ingest makes before it trusts the journal: cheap when all is well (the ids and one exact count),
    /// a full comparison only when the index holds fewer faces than the journal says. Returns the files to re-embed
    /// (already forgotten by the journal) and a sentence for the log, or (0, null) when journal and index agree.
    /// </summary>
    public static async Task<(int Reembed, string? Message)> EnsureInStepAsync(IngestJournal journal, IFaceIndex index, CollectionInfo info, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(info);
        string? bound = journal.IndexId;
        (long files, long _, long _, long faces) = journal.Totals();
        if (files == 0)
        {
            BindIfKnown(journal, info);
            return (0, null);
        }

        if (bound is not null && info.IndexId is not null && bound != info.IndexId)
        {
            journal.Clear();
            journal.BindTo(info.IndexId);
            return ((int)files, $"journal {journal.Path} was written for index {bound}, but collection '{info.Name}' is index {info.IndexId} (recreated or replaced): re-embedding all {files} file(s) it listed");
        }

        if (info.Faces >= faces)
        {
            BindIfKnown(journal, info);
            return (0, null);
        }

        JournalIndexDiff diff = await CompareAsync(journal, index, ct).ConfigureAwait(false);
        int forgotten = Repair(journal, diff);
        return forgotten == 0 ? (0, null)
            : (forgotten, $"journal lists {diff.JournalFaces} face(s) but collection '{info.Name}' holds {diff.IndexFaces}: {forgotten} file(s) whose faces are missing from the index are re-embedded");
    }

    private static void BindIfKnown(IngestJournal journal, CollectionInfo info)
    {
        if (info.IndexId is not null && journal.IndexId != info.IndexId)
        {
            journal.BindTo(info.IndexId);
        }
    }
}
