using System.Runtime.InteropServices;
using System.Text;
using FaceVector.Index;
using FaceVector.Index.Embedded;

namespace FaceVector.Ingestion.Erasure;

/// <summary>What a deletion removed, kept in memory only long enough to check that the store files no longer hold it.</summary>
/// <param name="Faces">Faces deleted from the index.</param>
/// <param name="Images">Distinct image paths of the deleted faces.</param>
/// <param name="ForgottenPaths">Paths with no face left, removed from the ingest journal (re-indexing brings them back).</param>
/// <param name="Checkpoint">Embedded store: how the WAL checkpoint after the delete went (null for Qdrant).</param>
public sealed record ErasedFaces(long Faces, IReadOnlyList<string> Images, IReadOnlyList<string> ForgottenPaths, WalCheckpoint? Checkpoint)
{
    /// <summary>Byte patterns of what was removed and must no longer be found: vector slices, gone paths and hashes.</summary>
    public IReadOnlyList<ErasureNeedle> Needles { get; init; } = [];

    /// <summary>Ids of the deleted faces, for what was derived from them (people forget them).</summary>
    public IReadOnlyList<Guid> FaceIds { get; init; } = [];
}

/// <summary>One byte pattern of removed data, and what it is (for the report; never the data itself).</summary>
public sealed record ErasureNeedle(string Kind, string Label, byte[] Bytes);

/// <summary>
/// Deletion by any route (CLI by path, folder or tag; gRPC DeleteImages; the HTTP API): deletes the faces, then
/// forgets in the ingest journal every path left without a face, so that the journal never claims a deleted photo
/// is indexed and re-indexing brings it back. The embedded store overwrites deleted rows (secure_delete) and
/// empties its WAL; <see cref="ErasureScan"/> then checks the files byte for byte.
/// </summary>
public static class FaceEraser
{
    private const int PageSize = 512;

    public static async Task<ErasedFaces> EraseAsync(IFaceIndex index, FaceFilter filter, IngestJournal? journal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty)
        {
            throw new ArgumentException("an empty filter would delete every face: give a path, folder, hash or tags", nameof(filter));
        }

        if (await index.GetCollectionAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            return new ErasedFaces(0, [], [], null);
        }

        // What is about to go, to check afterwards that it is gone from the files too.
        var faces = new List<FacePoint>();
        string? offset = null;
        do
        {
            FacePage page = await index.ListAsync(PageSize, offset, filter, withVectors: true, cancellationToken).ConfigureAwait(false);
            faces.AddRange(page.Points);
            offset = page.NextOffset;
        }
        while (offset is not null);

        long deleted = await index.DeleteAsync(filter, cancellationToken).ConfigureAwait(false);
        string[] images = [.. faces.Select(f => f.Payload.ImagePath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var gone = new List<string>();
        foreach (string path in images)
        {
            // A tag delete may leave other faces of the same photo: only photos without a face are forgotten.
            if (await index.CountAsync(new FaceFilter { ImagePath = path }, cancellationToken).ConfigureAwait(false) == 0)
            {
                gone.Add(path);
            }
        }

        journal?.Remove(gone);
        var needles = new List<ErasureNeedle>();
        foreach (FacePoint face in faces.Where(f => f.Vector is not null))
        {
            needles.AddRange(VectorNeedles(face.Id, face.Vector!));
        }

        needles.AddRange(gone.Select(p => new ErasureNeedle("path", p, Encoding.UTF8.GetBytes(p))));
        foreach (string hash in faces.Select(f => f.Payload.ImageHash).Distinct(StringComparer.Ordinal))
        {
            // A copy of the same photo elsewhere keeps its hash in the store legitimately.
            if (await index.CountAsync(new FaceFilter { ImageHash = hash }, cancellationToken).ConfigureAwait(false) == 0)
            {
                needles.Add(new ErasureNeedle("hash", hash, Encoding.ASCII.GetBytes(hash)));
            }
        }

        WalCheckpoint? checkpoint = index is SqliteFaceIndex sqlite ? sqlite.LastCheckpoint : null;
        return new ErasedFaces(deleted, images, gone, checkpoint) { Needles = needles, FaceIds = [.. faces.Select(f => f.Id)] };
    }

    /// <summary>
    /// Four 64-byte slices of the stored float32 vector: a remnant of any of them (a whole row, or a cell split over
    /// pages) is found, and 64 bytes of floats never occur by chance.
    /// </summary>
    private static IEnumerable<ErasureNeedle> VectorNeedles(Guid id, float[] vector)
    {
        byte[] bytes = MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
        const int slice = 64;
        int[] starts = bytes.Length <= slice ? [0] : [0, bytes.Length / 3, 2 * bytes.Length / 3, bytes.Length - slice];
        foreach (int start in starts.Distinct())
        {
            yield return new ErasureNeedle("vector", id.ToString(), bytes.AsSpan(start, Math.Min(slice, bytes.Length - start)).ToArray());
        }
    }
}
