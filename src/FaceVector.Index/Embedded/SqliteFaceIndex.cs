using Microsoft.Data.Sqlite;

namespace FaceVector.Index.Embedded;

/// <summary>
/// The embedded face store: one SQLite file (WAL, synchronous=FULL) is the durable truth, and each collection's vectors
/// are mirrored in memory for exact SIMD search. Every write batch is one transaction, so a crash leaves a batch either
/// fully present or absent. Another process may write the same file: before each read the instance checks
/// <c>PRAGMA data_version</c> and applies what changed since (rows and tombstones newer than the revision it holds).
/// </summary>
/// <remarks>
/// Thread-safe: searches run concurrently over the in-memory table; the SQLite connection (not thread-safe) is used by
/// one caller at a time. Microsoft.Data.Sqlite has no real async I/O, so the work runs synchronously inside the tasks.
/// </remarks>
public sealed class SqliteFaceIndex : IFaceIndex, IFaceNeighbourSearch
{
    private const string Columns = "id, image_path, image_hash, face_index, box, det_score, keypoints, model_id, ingested_at, tags, vector";

    internal static readonly string[] Schema =
    [
        """
        CREATE TABLE IF NOT EXISTS collections (
            name TEXT PRIMARY KEY, vector_size INTEGER NOT NULL, model_id TEXT NOT NULL,
            quantization INTEGER NOT NULL, created TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0, index_id TEXT)
        """,
        """
        CREATE TABLE IF NOT EXISTS faces (
            collection TEXT NOT NULL, id BLOB NOT NULL, image_path TEXT NOT NULL, image_hash TEXT NOT NULL,
            face_index INTEGER NOT NULL, box TEXT NOT NULL, det_score REAL NOT NULL, keypoints TEXT NOT NULL,
            model_id TEXT NOT NULL, ingested_at TEXT NOT NULL, tags TEXT NOT NULL, vector BLOB NOT NULL,
            revision INTEGER NOT NULL, PRIMARY KEY (collection, id))
        """,
        "CREATE INDEX IF NOT EXISTS faces_path ON faces (collection, image_path)",
        "CREATE INDEX IF NOT EXISTS faces_hash ON faces (collection, image_hash)",
        "CREATE INDEX IF NOT EXISTS faces_revision ON faces (collection, revision)",
        // Deletes leave a tombstone so that other instances on the same file can catch up without a full reload.
        "CREATE TABLE IF NOT EXISTS tombstones (collection TEXT NOT NULL, id BLOB NOT NULL, revision INTEGER NOT NULL, PRIMARY KEY (collection, id))",
        // A name that stands for a collection (model migration): readers resolve it on every catch-up, so switching
        // the row (one transaction) moves every reader of the file to the other collection at once.
        "CREATE TABLE IF NOT EXISTS aliases (name TEXT PRIMARY KEY, collection TEXT NOT NULL)",
        // A model migration's record, kept with its target collection (SqliteStoreCatalog).
        """
        CREATE TABLE IF NOT EXISTS migrations (
            target TEXT PRIMARY KEY, alias TEXT NOT NULL, source TEXT NOT NULL, source_model TEXT NOT NULL, target_model TEXT NOT NULL,
            old_kept TEXT, started TEXT NOT NULL)
        """,
    ];

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _connectionGate = new(1, 1);
    private readonly bool _resolveAlias;
    private string _physical; // the collection the configured name stands for now (itself, or an alias's target)
    private CollectionState? _state;
    private long _dataVersion = -1;

    public SqliteFaceIndex(SqliteIndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Collection);
        Collection = options.Collection;
        _physical = options.Collection;
        _resolveAlias = options.ResolveAlias;
        Path = System.IO.Path.GetFullPath(options.Path);
        // A wrong file is refused before SQLite touches it (no folder created, no -wal beside random bytes).
        StoreFile.Check(Path, mustExist: !options.CreateIfMissing);
        if (options.CreateIfMissing) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = options.CreateIfMissing ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false, // closing the index releases the file
            DefaultTimeout = (int)options.BusyTimeout.TotalSeconds,
        };
        _connection = new SqliteConnection(builder.ToString());
        try
        {
            _connection.Open();
            Execute(null, $"PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds}");
            CheckIsFaceStore();
            // A face row is ~2.3 KB (the float32 vector is 2 KB): 4 KB pages would hold one row each and waste 40%.
            // Only takes effect on a new file, before the first table (and before WAL is set).
            Execute(null, "PRAGMA page_size = 8192");
            Execute(null, "PRAGMA journal_mode = WAL");
            Execute(null, "PRAGMA synchronous = FULL");
            // Deleted faces are biometric data: freed cells and pages are overwritten with zeros, not just unlinked.
            Execute(null, "PRAGMA secure_delete = ON");
            using var tx = _connection.BeginTransaction();
            foreach (var statement in Schema) Execute(tx, statement);
            // Files made before collections had an index id (CollectionInfo.IndexId) get the column; rows get an id on Ensure.
            using (var columns = Command(tx, "SELECT count(*) FROM pragma_table_info('collections') WHERE name = 'index_id'"))
            {
                if ((long)columns.ExecuteScalar()! == 0) Execute(tx, "ALTER TABLE collections ADD COLUMN index_id TEXT");
            }
            tx.Commit();
        }
        catch (SqliteException ex)
        {
            _connection.Dispose();
            throw StoreFile.Explain(Path, ex);
        }
        catch (StoreFileException)
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>Another program's SQLite database is refused rather than given FaceVector's tables.</summary>
    private void CheckIsFaceStore()
    {
        using var tables = Command(null, "SELECT count(*), coalesce(sum(name = 'faces'), 0) FROM sqlite_schema WHERE type = 'table'");
        using var reader = tables.ExecuteReader(); // reading the schema also proves the file is a readable database
        reader.Read();
        if (reader.GetInt64(0) > 0 && reader.GetInt64(1) == 0)
        {
            throw new StoreFileException(Path, "is a SQLite database of something else, not a FaceVector store");
        }
    }

    public SqliteFaceIndex(string path, string collection = FaceIndexOptions.DefaultCollection)
        : this(new SqliteIndexOptions(path, collection)) { }

    public string Collection { get; }

    /// <summary>The collection the name resolved to at the last catch-up: <see cref="Collection"/>, or its alias's target.</summary>
    public string ResolvedCollection => _physical;

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Bytes of vector memory held for this collection (0 before it is loaded).</summary>
    public long VectorMemoryBytes => _state?.Table.VectorBytes ?? 0;

    public async Task<CollectionInfo> EnsureCollectionAsync(CollectionSpec spec, CancellationToken cancellationToken = default)
    {
        FaceGuards.CheckSpecShape(spec);
        var state = await WriteAsync(tx =>
        {
            if (_state is { } existing)
            {
                FaceGuards.CheckSpec(Collection, spec, existing.Info);
                if (existing.Info.IndexId is not null) return existing;
                // Made before collections had ids: give it one now (ingest journals compare it).
                var id = NewIndexId();
                Execute(tx, "UPDATE collections SET index_id = $id WHERE name = $c", ("$id", id));
                existing.Info = existing.Info with { IndexId = id };
                return existing;
            }
            var indexId = spec.IndexId ?? NewIndexId();
            Execute(tx, "INSERT INTO collections (name, vector_size, model_id, quantization, created, index_id) VALUES ($c, $size, $model, $q, $created, $id)",
                ("$size", spec.VectorSize), ("$model", spec.ModelId), ("$q", spec.Quantization ? 1 : 0),
                ("$created", PayloadCodec.Timestamp(DateTimeOffset.UtcNow)), ("$id", indexId));
            return new CollectionState(new CollectionInfo(Collection, spec.VectorSize, spec.ModelId, 0) { IndexId = indexId }, spec.Quantization, 0);
        }, InstallState, requireCollection: false, cancellationToken).ConfigureAwait(false);
        return state.Info with { Faces = state.Table.Count };
    }

    public async Task<CollectionInfo?> GetCollectionAsync(CancellationToken cancellationToken = default)
    {
        var state = await ReadStateAsync(requireCollection: false, cancellationToken).ConfigureAwait(false);
        return state is null ? null : state.Info with { Faces = state.Table.Count };
    }

    public Task UpsertAsync(IReadOnlyList<FacePoint> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0) return Task.CompletedTask;
        return WriteAsync(tx =>
        {
            FaceGuards.CheckFaces(Collection, _state!.Info, faces);
            var revision = NextRevision(tx);
            return new Change(revision, [], InsertRows(tx, faces, revision));
        }, change => Commit(change), requireCollection: true, cancellationToken);
    }

    /// <summary>
    /// One transaction for the whole batch: the old faces of the named images are found in the in-memory path map
    /// (no scan), the ones not given again are deleted (with tombstones), and the new ones inserted.
    /// </summary>
    public Task ReplaceImagesAsync(IReadOnlyList<ImageReplacement> images, CancellationToken cancellationToken = default)
    {
        var faces = FaceGuards.CheckReplacements(images);
        if (images.Count == 0) return Task.CompletedTask;
        return WriteAsync(tx =>
        {
            var state = _state!;
            FaceGuards.CheckFaces(Collection, state.Info, faces);
            var kept = faces.Select(f => f.Id).ToHashSet();
            var removed = state.Table.IdsOfImages(images.Where(i => !i.NewImage).Select(i => i.ImagePath)).Where(id => !kept.Contains(id)).ToList();
            if (removed.Count == 0 && faces.Count == 0) return (Change?)null; // nothing stored, nothing to store: no revision, no fsync
            var revision = NextRevision(tx);
            DeleteRows(tx, removed, revision);
            return new Change(revision, removed, InsertRows(tx, faces, revision));
        }, change => { if (change is not null) Commit(change); }, requireCollection: true, cancellationToken);
    }

    public async Task<IReadOnlyList<FaceMatch>> SearchAsync(FaceQuery query, CancellationToken cancellationToken = default)
    {
        var state = (await ReadStateAsync(requireCollection: true, cancellationToken).ConfigureAwait(false))!;
        FaceGuards.CheckQuery(Collection, state.Info, query);
        return state.Table.Search(VectorMath.Normalized(query.Vector), query.Limit, query.ScoreThreshold, query.Filter, useCodes: state.Quantized);
    }

    public async Task<IReadOnlyList<FacePoint>> GetAsync(IReadOnlyList<Guid> ids, bool withVectors = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var state = (await ReadStateAsync(requireCollection: true, cancellationToken).ConfigureAwait(false))!;
        return [.. ids.Select(id => state.Table.Get(id, withVectors)).OfType<FacePoint>()];
    }

    public async Task<IReadOnlyList<FaceNeighbours>> NeighboursAsync(IReadOnlyList<Guid>? ids, int k, float minScore, CancellationToken cancellationToken = default)
    {
        var state = (await ReadStateAsync(requireCollection: true, cancellationToken).ConfigureAwait(false))!;
        return state.Table.Neighbours(ids, k, minScore);
    }

    public Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return ids.Count == 0 ? Task.CompletedTask : DeleteWhereAsync(_ => ids, cancellationToken);
    }

    public Task<long> DeleteAsync(FaceFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return DeleteWhereAsync(table => table.Matching(filter), cancellationToken);
    }

    public async Task<long> CountAsync(FaceFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var state = (await ReadStateAsync(requireCollection: true, cancellationToken).ConfigureAwait(false))!;
        return state.Table.CountMatching(filter);
    }

    public async Task<FacePage> ListAsync(int limit, string? offset = null, FaceFilter? filter = null, bool withVectors = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var from = offset is null ? Guid.Empty : Guid.TryParse(offset, out var parsed) ? parsed
            : throw new ArgumentException($"Offset '{offset}' is not a page offset returned by ListAsync.", nameof(offset));
        await _connectionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = RefreshIfChanged() ?? throw new CollectionNotFoundException(Collection);
            // SQLite's primary key gives the stable order; the in-memory table gives payloads and the filter.
            using var ids = Command(null, "SELECT id FROM faces WHERE collection = $c AND id >= $from ORDER BY id", ("$from", PayloadCodec.Id(from)));
            using var reader = ids.ExecuteReader();
            var points = new List<FacePoint>(limit);
            while (reader.Read())
            {
                if (state.Table.Get(PayloadCodec.Id((byte[])reader[0]), withVectors) is not { } point || !filter.Matches(point.Payload)) continue;
                if (points.Count == limit) return new FacePage(points, point.Id.ToString());
                points.Add(point);
            }
            return new FacePage(points, null);
        }
        finally { _connectionGate.Release(); }
    }

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        _connectionGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record CollectionState(CollectionInfo Info, bool Quantized, long Revision)
    {
        public VectorTable Table { get; } = new(Info.VectorSize, Quantized);
        public long Revision { get; set; } = Revision;
        public CollectionInfo Info { get; set; } = Info;
    }

    /// <summary>What one committed write did, applied to memory only after the commit succeeded.</summary>
    private sealed record Change(long Revision, IReadOnlyList<Guid> Removed, IReadOnlyCollection<(Guid Id, FacePayload Payload, float[] UnitVector)> Upserted);

    private Task<long> DeleteWhereAsync(Func<VectorTable, IEnumerable<Guid>> select, CancellationToken cancellationToken) =>
        WriteAsync(tx =>
        {
            var ids = select(_state!.Table).Distinct().ToList();
            var revision = NextRevision(tx);
            var deleted = DeleteRows(tx, ids, revision);
            return (Deleted: deleted, Change: new Change(revision, ids, []));
        }, result =>
        {
            Commit(result.Change);
            if (result.Deleted > 0) LastCheckpoint = TruncateWal();
            return result.Deleted;
        }, requireCollection: true, cancellationToken);

    /// <summary>
    /// How the last delete's write-ahead log checkpoint went: complete when the WAL file was emptied, so the deleted
    /// rows' old page images are gone from it too. Busy when another connection (a running <c>serve</c>) was reading.
    /// </summary>
    public WalCheckpoint? LastCheckpoint { get; private set; }

    /// <summary>
    /// Copies the WAL into the database file and truncates it to zero bytes (with secure_delete the copied pages no
    /// longer hold deleted rows). Readers of the same file on other connections can make it incomplete.
    /// </summary>
    public async Task<WalCheckpoint> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await _connectionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { return LastCheckpoint = TruncateWal(); }
        finally { _connectionGate.Release(); }
    }

    private WalCheckpoint TruncateWal()
    {
        using var command = Command(null, "PRAGMA wal_checkpoint(TRUNCATE)");
        using var reader = command.ExecuteReader();
        reader.Read();
        return new WalCheckpoint(Busy: reader.GetInt64(0) != 0, LogFrames: reader.GetInt64(1), CheckpointedFrames: reader.GetInt64(2));
    }

    /// <summary>Writes the faces (normalised) at <paramref name="revision"/>; returns the rows for memory.</summary>
    private List<(Guid Id, FacePayload Payload, float[] UnitVector)> InsertRows(SqliteTransaction tx, IReadOnlyList<FacePoint> faces, long revision)
    {
        var rows = faces.Select(f => (f.Id, f.Payload, UnitVector: VectorMath.Normalized(f.Vector!))).ToList();
        if (rows.Count == 0) return rows;
        using var insert = Command(tx, $"INSERT OR REPLACE INTO faces (collection, {Columns}, revision) VALUES ($c, $id, $path, $hash, $fi, $box, $score, $kp, $model, $at, $tags, $vector, $rev)");
        foreach (var (id, p, unit) in rows)
        {
            SetParameters(insert, ("$id", PayloadCodec.Id(id)), ("$path", p.ImagePath), ("$hash", p.ImageHash), ("$fi", p.FaceIndex),
                ("$box", PayloadCodec.Box(p.Box)), ("$score", p.DetectionScore), ("$kp", PayloadCodec.Floats(p.Keypoints)),
                ("$model", p.ModelId), ("$at", PayloadCodec.Timestamp(p.IngestedAt)), ("$tags", PayloadCodec.Tags(p.Tags)),
                ("$vector", PayloadCodec.Vector(unit)), ("$rev", revision));
            insert.ExecuteNonQuery();
        }
        return rows;
    }

    /// <summary>Deletes the rows and leaves a tombstone for each at <paramref name="revision"/>; returns how many rows existed.</summary>
    private long DeleteRows(SqliteTransaction tx, IReadOnlyList<Guid> ids, long revision)
    {
        if (ids.Count == 0) return 0;
        using var delete = Command(tx, "DELETE FROM faces WHERE collection = $c AND id = $id");
        using var tombstone = Command(tx, "INSERT OR REPLACE INTO tombstones (collection, id, revision) VALUES ($c, $id, $rev)", ("$rev", revision));
        var deleted = 0L;
        foreach (var id in ids)
        {
            SetParameters(delete, ("$id", PayloadCodec.Id(id)));
            deleted += delete.ExecuteNonQuery();
            SetParameters(tombstone, ("$id", PayloadCodec.Id(id)));
            tombstone.ExecuteNonQuery();
        }
        return deleted;
    }

    /// <summary>
    /// Runs <paramref name="write"/> in one IMMEDIATE transaction (the file's write lock is taken up front, so this
    /// instance first catches up with every other writer), then applies its result to memory after the commit.
    /// </summary>
    private async Task<TResult> WriteAsync<TWrite, TResult>(Func<SqliteTransaction, TWrite> write, Func<TWrite, TResult> afterCommit,
        bool requireCollection, CancellationToken cancellationToken)
    {
        await _connectionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            TWrite written;
            using (var tx = _connection.BeginTransaction(deferred: false))
            {
                if (CatchUp(tx) is null && requireCollection) throw new CollectionNotFoundException(Collection);
                written = write(tx);
                tx.Commit();
            }
            return afterCommit(written);
        }
        finally { _connectionGate.Release(); }
    }

    private Task WriteAsync<TWrite>(Func<SqliteTransaction, TWrite> write, Action<TWrite> afterCommit, bool requireCollection, CancellationToken cancellationToken) =>
        WriteAsync(write, w => { afterCommit(w); return true; }, requireCollection, cancellationToken);

    private void Commit(Change change)
    {
        var state = _state!;
        state.Table.Apply(change.Removed, change.Upserted);
        state.Revision = change.Revision;
    }

    private long NextRevision(SqliteTransaction tx)
    {
        using var command = Command(tx, "UPDATE collections SET revision = revision + 1 WHERE name = $c RETURNING revision");
        return (long)command.ExecuteScalar()!;
    }

    private async Task<CollectionState?> ReadStateAsync(bool requireCollection, CancellationToken cancellationToken)
    {
        await _connectionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = RefreshIfChanged();
            return state is null && requireCollection ? throw new CollectionNotFoundException(Collection) : state;
        }
        finally { _connectionGate.Release(); }
    }

    /// <summary><c>PRAGMA data_version</c> changes only when another connection committed: the common case costs one tiny query.</summary>
    private CollectionState? RefreshIfChanged()
    {
        long version;
        using (var dataVersion = Command(null, "PRAGMA data_version")) version = (long)dataVersion.ExecuteScalar()!;
        if (version == _dataVersion && _state is not null) return _state;
        using var tx = _connection.BeginTransaction(deferred: true);
        var state = CatchUp(tx);
        tx.Commit();
        _dataVersion = version;
        return state;
    }

    /// <summary>Brings memory up to the file's revision of the collection: a full load the first time, then only newer rows and tombstones.</summary>
    private CollectionState? CatchUp(SqliteTransaction tx)
    {
        if (_resolveAlias && ResolveAlias(tx) is var physical && physical != _physical)
        {
            // The alias was switched (by this or another process): the other collection is loaded from scratch.
            _physical = physical;
            _state = null;
        }
        using var collection = Command(tx, "SELECT vector_size, model_id, quantization, revision, index_id FROM collections WHERE name = $c");
        using var reader = collection.ExecuteReader();
        if (!reader.Read()) return _state = null;
        var info = new CollectionInfo(Collection, reader.GetInt32(0), reader.GetString(1), 0) { IndexId = reader.IsDBNull(4) ? null : reader.GetString(4) };
        var revision = reader.GetInt64(3);
        var state = _state;
        if (state is null || state.Info != info)
        {
            state = new CollectionState(info, reader.GetInt64(2) != 0, -1);
        }
        if (state.Revision == revision) return InstallState(state);

        var since = state.Revision;
        var removed = new List<Guid>();
        using (var tombstones = Command(tx, "SELECT id FROM tombstones WHERE collection = $c AND revision > $since", ("$since", since)))
        using (var rows = tombstones.ExecuteReader())
        {
            while (rows.Read()) removed.Add(PayloadCodec.Id((byte[])rows[0]));
        }
        // A first load scans the table in storage order (sequential I/O on a cold cache); catch-ups use the revision index.
        var select = since < 0
            ? Command(tx, $"SELECT {Columns} FROM faces NOT INDEXED WHERE collection = $c")
            : Command(tx, $"SELECT {Columns} FROM faces WHERE collection = $c AND revision > $since", ("$since", since));
        var upserted = new List<(Guid, FacePayload, float[])>();
        using (select)
        using (var faceRows = select.ExecuteReader())
        {
            while (faceRows.Read()) upserted.Add(ReadFace(faceRows));
        }
        state.Table.Apply(removed, upserted);
        state.Revision = revision;
        return InstallState(state);
    }

    private CollectionState InstallState(CollectionState state) => _state = state;

    private string ResolveAlias(SqliteTransaction tx)
    {
        using var alias = Command(tx, "SELECT collection FROM aliases WHERE name = $alias", ("$alias", Collection));
        return alias.ExecuteScalar() as string ?? Collection;
    }

    private static string NewIndexId() => Guid.NewGuid().ToString("N");

    private static (Guid, FacePayload, float[]) ReadFace(SqliteDataReader row) =>
        (PayloadCodec.Id((byte[])row[0]), new FacePayload
        {
            ImagePath = row.GetString(1),
            ImageHash = row.GetString(2),
            FaceIndex = row.GetInt32(3),
            Box = PayloadCodec.Box(row.GetString(4)),
            DetectionScore = row.GetFloat(5),
            Keypoints = PayloadCodec.Floats(row.GetString(6)),
            ModelId = row.GetString(7),
            IngestedAt = PayloadCodec.Timestamp(row.GetString(8)),
            Tags = PayloadCodec.Tags(row.GetString(9)),
        }, PayloadCodec.Vector((byte[])row[10]));

    /// <summary>A command with the collection bound as <c>$c</c>, plus any other parameters.</summary>
    private SqliteCommand Command(SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.Parameters.AddWithValue("$c", _physical); // statements that do not use it ignore it
        SetParameters(command, parameters);
        return command;
    }

    private static void SetParameters(SqliteCommand command, params (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (command.Parameters.Contains(name)) command.Parameters[name].Value = value;
            else command.Parameters.AddWithValue(name, value);
        }
    }

    private void Execute(SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        command.ExecuteNonQuery();
    }
}

/// <summary>Result of <c>PRAGMA wal_checkpoint(TRUNCATE)</c>: complete when not busy (the WAL is then empty).</summary>
public sealed record WalCheckpoint(bool Busy, long LogFrames, long CheckpointedFrames)
{
    public bool Complete => !Busy;
}
