using System.Text;
using Microsoft.Data.Sqlite;

namespace FaceVector.Index.Embedded;

/// <summary>A store (or journal) file that cannot be used, with a one-line message naming the file and the problem.</summary>
public sealed class StoreFileException(string path, string problem, Exception? inner = null) : IOException($"{path}: {problem}", inner)
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}

/// <summary>
/// Checks a SQLite file before FaceVector opens it, so that a wrong file is refused with a clear message and left
/// exactly as it was: missing (when it must exist; its folder is never created then), a directory, empty, not
/// readable or not writable, not a SQLite database (random bytes), or a SQLite database of something else.
/// </summary>
public static class StoreFile
{
    private static readonly byte[] SqliteHeader = Encoding.ASCII.GetBytes("SQLite format 3\0");

    /// <param name="mustExist">True for commands that only read or delete: they never create a store.</param>
    /// <param name="what">"store" or "ingest journal", for the message.</param>
    public static void Check(string path, bool mustExist, string what = "store")
    {
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new StoreFileException(full, $"is a directory, not a {what} file");
        }

        if (!File.Exists(full))
        {
            if (mustExist)
            {
                string? folder = System.IO.Path.GetDirectoryName(full);
                throw new StoreFileException(full, folder is not null && !Directory.Exists(folder)
                    ? $"no such {what}: the folder {folder} does not exist"
                    : $"no such {what} (nothing indexed here yet? 'facevector index DIR --db {full}' makes one)");
            }

            return;
        }

        var info = new FileInfo(full);
        if (info.Length == 0)
        {
            // In WAL mode a new store's pages may all still be in its -wal file (a run killed before the first
            // checkpoint): with SQLite's files beside it, an empty file is a store to open, not a mistake. And an
            // empty file is what SQLite creates first, so a command that may create a store (index, serve) takes
            // one as new: a run killed at that moment must not block the next.
            if (!mustExist || File.Exists(full + "-wal") || File.Exists(full + "-shm"))
            {
                CheckWritable(full, what);
                return;
            }

            throw new StoreFileException(full, $"is empty (0 bytes), not a {what} (nothing indexed into it yet?)");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(full) & ReadBits) == 0)
        {
            // Root could read it anyway; a file nobody may read is not meant to be opened.
            throw new StoreFileException(full, "cannot be read (no read permission)");
        }

        byte[] header = new byte[SqliteHeader.Length];
        try
        {
            using FileStream stream = new(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (read < header.Length || !header.AsSpan().SequenceEqual(SqliteHeader))
            {
                throw new StoreFileException(full, $"is not a {what} (not a SQLite database: the file is corrupt or something else)");
            }
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StoreFileException(full, "cannot be read (permission denied)", ex);
        }

        CheckWritable(full, what);
    }

    private static void CheckWritable(string full, string what)
    {
        if (!CanWrite(full))
        {
            throw new StoreFileException(full, $"is read-only: FaceVector writes to the {what} (and its -wal/-shm files beside it); make it writable or copy it");
        }
    }

    /// <summary>Turns what SQLite says about a file that passed <see cref="Check"/> into a one-line store error.</summary>
    public static StoreFileException Explain(string path, SqliteException ex, string what = "store") => ex.SqliteErrorCode switch
    {
        11 => new StoreFileException(path, $"is corrupt (SQLite: {ex.Message.Split('\'').Last().Trim(' ', '.')}): restore it from a backup or index again", ex), // SQLITE_CORRUPT
        26 => new StoreFileException(path, $"is not a {what} (not a SQLite database)", ex), // SQLITE_NOTADB
        8 => new StoreFileException(path, "is read-only (SQLite could not write it or its -wal/-shm files)", ex), // SQLITE_READONLY
        14 => new StoreFileException(path, "cannot be opened (SQLite: unable to open the file or its -wal/-shm files; check the folder's permissions)", ex), // SQLITE_CANTOPEN
        _ => new StoreFileException(path, $"cannot be used: {ex.Message}", ex),
    };

    private static bool CanWrite(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return !new FileInfo(path).IsReadOnly;
        }

        // access(2) decides as the kernel will; a file without any write bit is read-only by intent, even for root.
        return Access(path, WOk) == 0 && (File.GetUnixFileMode(path) & WriteBits) != 0;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int Access([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int mode);

    private const int WOk = 2;
    private const UnixFileMode ReadBits = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode WriteBits = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
}
