using FaceVector.Index.Embedded;
using Microsoft.Data.Sqlite;

namespace FaceVector.Ingestion;

/// <summary>What happened to a file the last time it was ingested.</summary>
public enum FileState
{
    /// <summary>Faces (possibly none) are in the index.</summary>
    Indexed,
    /// <summary>The file could not be used (unreadable, not an image, too large, corrupt); <see cref="JournalEntry.Reason"/> says why.</summary>
    Failed,
}

/// <param name="Sha256">Content hash; with the model id it decides whether the file needs work again.</param>
/// <param name="Faces">Faces stored in the index for this file.</param>
public sealed record JournalEntry(string Path, long Size, long ModifiedTicks, string? Sha256, string ModelId, FileState State, int Faces, string? Reason, DateTimeOffset UpdatedAt);

/// <summary>A face that was detected but not indexed, and why (like Rekognition's UnindexedFaces).</summary>
public sealed record SkippedFace(string Path, int FaceIndex, string Reason);

/// <summary>
/// The ingest journal: one SQLite file (WAL, synchronous=FULL) recording each file's state, written in the same
/// batches as the index, after the index write. A run killed at any moment leaves either the old or the new state
/// of a batch, and the next run redoes any file whose journal row is missing or stale; point ids are
/// deterministic, so a redone file overwrites rather than duplicates.
/// </summary>
public sealed class IngestJournal : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    public IngestJournal(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        StoreFile.Check(Path, mustExist: false, "ingest journal");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        try
        {
            _connection.Open();
            Execute("""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA busy_timeout=10000;
                PRAGMA secure_delete=ON;
                CREATE TABLE IF NOT EXISTS files(
                    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL, sha256 TEXT, model_id TEXT NOT NULL,
                    state TEXT NOT NULL, faces INTEGER NOT NULL, reason TEXT, updated_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS skipped_faces(
                    path TEXT NOT NULL, face_index INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(path, face_index));
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """);
        }
        catch (SqliteException ex)
        {
            _connection.Dispose();
            throw StoreFile.Explain(Path, ex, "ingest journal");
        }
    }

    /// <summary>
    /// The <see cref="FaceVector.Index.CollectionInfo.IndexId"/> of the index this journal describes; null for a new
    /// journal or one written before journals were bound to an index.
    /// </summary>
    public string? IndexId
    {
        get
        {
            lock (_lock)
            {
                using SqliteCommand cmd = Command("SELECT value FROM meta WHERE key = 'index_id'");
                return cmd.ExecuteScalar() as string;
            }
        }
    }

    /// <summary>Records which index the journal describes from now on.</summary>
    public void BindTo(string indexId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(indexId);
        lock (_lock)
        {
            using SqliteCommand cmd = Command("INSERT INTO meta(key, value) VALUES('index_id', $v) ON CONFLICT(key) DO UPDATE SET value = $v", ("$v", indexId));
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Forgets every file (the index it described is gone): the next ingest treats every file as new.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            Execute("DELETE FROM files; DELETE FROM skipped_faces;");
        }
    }

    /// <summary>Every file the journal says has faces in the index, with how many.</summary>
    public IReadOnlyList<JournalEntry> IndexedWithFaces() =>
        Query("SELECT path, size, mtime, sha256, model_id, state, faces, reason, updated_at FROM files WHERE state = 'Indexed' AND faces > 0 ORDER BY path");

    public string Path { get; }

    /// <summary>
    /// Where the journal of ingests into a store and collection lives unless configured: beside an embedded store file,
    /// or in the data folder for a Qdrant collection. The CLI, the worker and the search page all use this.
    /// </summary>
    public static string DefaultPathFor(FaceVector.Index.FaceIndexOptions store) =>
        store.Provider == FaceVector.Index.FaceIndexOptions.QdrantProvider && store.QdrantUrl is { } url
            ? PathFor($"{url.Host}_{url.Port}_{store.Collection}", FaceVector.Index.FaceIndexOptions.DefaultDataDirectory())
            : $"{store.DbPath}.{store.Collection}.ingest.db";

    private static string PathFor(string storeKey, string dataDirectory)
    {
        string safe = string.Concat(storeKey.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
        return System.IO.Path.Combine(dataDirectory, $"ingest-{safe}.journal.db");
    }

    public JournalEntry? Find(string path)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = Command("SELECT path, size, mtime, sha256, model_id, state, faces, reason, updated_at FROM files WHERE path = $p", ("$p", path));
            using SqliteDataReader r = cmd.ExecuteReader();
            return r.Read() ? Read(r) : null;
        }
    }

    /// <summary>Records a batch of outcomes atomically (one transaction). Null skipped faces keep the file's old list.</summary>
    public void Record(IReadOnlyList<(JournalEntry Entry, IReadOnlyList<SkippedFace>? Skipped)> batch)
    {
        lock (_lock)
        {
            using SqliteTransaction tx = _connection.BeginTransaction();
            foreach ((JournalEntry e, IReadOnlyList<SkippedFace>? skipped) in batch)
            {
                Exec(tx, """
                    INSERT INTO files(path, size, mtime, sha256, model_id, state, faces, reason, updated_at)
                    VALUES($p, $s, $m, $h, $model, $state, $faces, $reason, $at)
                    ON CONFLICT(path) DO UPDATE SET size=$s, mtime=$m, sha256=$h, model_id=$model, state=$state, faces=$faces, reason=$reason, updated_at=$at
                    """,
                    ("$p", e.Path), ("$s", e.Size), ("$m", e.ModifiedTicks), ("$h", e.Sha256), ("$model", e.ModelId),
                    ("$state", e.State.ToString()), ("$faces", e.Faces), ("$reason", e.Reason), ("$at", e.UpdatedAt.ToString("O")));
                if (skipped is null)
                {
                    continue;
                }

                Exec(tx, "DELETE FROM skipped_faces WHERE path = $p", ("$p", e.Path));
                foreach (SkippedFace s in skipped)
                {
                    Exec(tx, "INSERT INTO skipped_faces(path, face_index, reason) VALUES($p, $i, $r)", ("$p", s.Path), ("$i", s.FaceIndex), ("$r", s.Reason));
                }
            }

            tx.Commit();
        }
    }

    /// <summary>Forgets files (and their skipped faces), so that a later ingest treats them as new; erases the rows' bytes.</summary>
    public void Remove(IEnumerable<string> paths)
    {
        lock (_lock)
        {
            using SqliteTransaction tx = _connection.BeginTransaction();
            foreach (string p in paths)
            {
                Exec(tx, "DELETE FROM files WHERE path = $p", ("$p", p));
                Exec(tx, "DELETE FROM skipped_faces WHERE path = $p", ("$p", p));
            }

            tx.Commit();
            // Forgotten paths leave no copy in the WAL either (secure_delete zeroes them in the main file).
            Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    /// <summary>Journal rows whose path lies under <paramref name="root"/> (a folder) or equals it.</summary>
    public IReadOnlyList<JournalEntry> Under(string root)
    {
        string prefix = root.EndsWith(System.IO.Path.DirectorySeparatorChar) ? root : root + System.IO.Path.DirectorySeparatorChar;
        return Query("SELECT path, size, mtime, sha256, model_id, state, faces, reason, updated_at FROM files WHERE path = $r OR substr(path, 1, length($p)) = $p ORDER BY path",
            ("$r", root), ("$p", prefix));
    }

    public IReadOnlyList<JournalEntry> Failures() =>
        Query("SELECT path, size, mtime, sha256, model_id, state, faces, reason, updated_at FROM files WHERE state = 'Failed' ORDER BY path");

    public IReadOnlyList<SkippedFace> SkippedFaces()
    {
        lock (_lock)
        {
            using SqliteCommand cmd = Command("SELECT path, face_index, reason FROM skipped_faces ORDER BY path, face_index");
            using SqliteDataReader r = cmd.ExecuteReader();
            var list = new List<SkippedFace>();
            while (r.Read())
            {
                list.Add(new SkippedFace(r.GetString(0), r.GetInt32(1), r.GetString(2)));
            }

            return list;
        }
    }

    public (long Files, long Indexed, long Failed, long Faces) Totals()
    {
        lock (_lock)
        {
            using SqliteCommand cmd = Command("SELECT count(*), coalesce(sum(state = 'Indexed'), 0), coalesce(sum(state = 'Failed'), 0), coalesce(sum(faces), 0) FROM files");
            using SqliteDataReader r = cmd.ExecuteReader();
            r.Read();
            return (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3));
        }
    }

    private List<JournalEntry> Query(string sql, params (string Name, object? Value)[] args)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = Command(sql, args);
            using SqliteDataReader r = cmd.ExecuteReader();
            var list = new List<JournalEntry>();
            while (r.Read())
            {
                list.Add(Read(r));
            }

            return list;
        }
    }

    private static JournalEntry Read(SqliteDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4),
        Enum.Parse<FileState>(r.GetString(5)), r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7), DateTimeOffset.Parse(r.GetString(8), System.Globalization.CultureInfo.InvariantCulture));

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] args)
    {
        SqliteCommand cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        foreach ((string name, object? value) in args)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    private void Exec(SqliteTransaction tx, string sql, params (string Name, object? Value)[] args)
    {
        using SqliteCommand cmd = Command(sql, args);
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    private void Execute(string sql)
    {
        using SqliteCommand cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
