using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FaceVector.People.Storage;

/// <summary>
/// Persons, face assignments and the user's corrections in SQLite. For the embedded index these tables live in the
/// index's own file (its own connection; the index's tables are never touched); for Qdrant, in a small file of their
/// own (<see cref="PeopleStoreLocation"/>). Every change is one transaction. Tables are keyed by collection, so one
/// file can hold the people of several collections.
/// </summary>
public sealed class PeopleStore : IDisposable
{
    private static readonly string[] Schema =
    [
        """
        CREATE TABLE IF NOT EXISTS people_persons (
            id INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, name TEXT, cover_face BLOB, cover_chosen INTEGER NOT NULL DEFAULT 0,
            hidden INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, updated TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS people_faces (
            collection TEXT NOT NULL, face_id BLOB NOT NULL, person_id INTEGER, pinned INTEGER NOT NULL DEFAULT 0, excluded TEXT,
            PRIMARY KEY (collection, face_id))
        """,
        "CREATE INDEX IF NOT EXISTS people_faces_person ON people_faces (collection, person_id)",
        // "Not this person": the face never (re)joins that person, whatever the clustering says.
        "CREATE TABLE IF NOT EXISTS people_settings (collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (collection, key))",
        "CREATE TABLE IF NOT EXISTS people_cannot_link (collection TEXT NOT NULL, face_id BLOB NOT NULL, person_id INTEGER NOT NULL, PRIMARY KEY (collection, face_id, person_id))",
    ];

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    public PeopleStore(string path, string collection)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(collection);
        Collection = collection;
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        _connection.Open();
        Execute(null, "PRAGMA busy_timeout = 30000");
        Execute(null, "PRAGMA journal_mode = WAL");
        Execute(null, "PRAGMA synchronous = FULL");
        Write(w => { foreach (var statement in Schema) w.Execute(statement); });
    }

    public string Collection { get; }
    public string Path { get; }

    /// <summary>Whether the file exists and holds people tables (read-only check: creates nothing).</summary>
    public static bool Exists(string path)
    {
        if (!File.Exists(path)) return false;
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'people_faces'";
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Persons with their face counts, by id.</summary>
    public IReadOnlyList<Person> Persons(bool includeHidden = true)
    {
        lock (_gate)
        {
            using var command = Command(null, """
                SELECT p.id, p.name, p.cover_face, p.hidden, p.created, p.updated,
                       (SELECT COUNT(*) FROM people_faces f WHERE f.collection = p.collection AND f.person_id = p.id)
                FROM people_persons p WHERE p.collection = $c ORDER BY p.id
                """);
            using var reader = command.ExecuteReader();
            var persons = new List<Person>();
            while (reader.Read())
            {
                var person = new Person(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.IsDBNull(2) ? null : new Guid((byte[])reader[2]), reader.GetInt32(6),
                    ParseTime(reader.GetString(4)), ParseTime(reader.GetString(5)), reader.GetInt64(3) != 0);
                if (includeHidden || !person.Hidden) persons.Add(person);
            }
            return persons;
        }
    }

    public Person? Person(long id) => Persons().FirstOrDefault(p => p.Id == id);

    /// <summary>Every face the people store has seen, by face id.</summary>
    public Dictionary<Guid, PersonFaceState> Faces()
    {
        lock (_gate)
        {
            using var command = Command(null, "SELECT face_id, person_id, pinned, excluded FROM people_faces WHERE collection = $c");
            using var reader = command.ExecuteReader();
            var faces = new Dictionary<Guid, PersonFaceState>();
            while (reader.Read())
            {
                var id = new Guid((byte[])reader[0]);
                faces[id] = new PersonFaceState(id, reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetInt64(2) != 0, reader.IsDBNull(3) ? null : reader.GetString(3));
            }
            return faces;
        }
    }

    /// <summary>What the store knows about these faces (unknown ids are left out), without reading every face.</summary>
    public Dictionary<Guid, PersonFaceState> Faces(IEnumerable<Guid> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        lock (_gate)
        {
            using var command = Command(null, "SELECT person_id, pinned, excluded FROM people_faces WHERE collection = $c AND face_id = $f", ("$f", Array.Empty<byte>()));
            var faces = new Dictionary<Guid, PersonFaceState>();
            foreach (var id in ids.Distinct())
            {
                command.Parameters["$f"].Value = id.ToByteArray();
                using var reader = command.ExecuteReader();
                if (reader.Read()) faces[id] = new PersonFaceState(id, reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetInt64(1) != 0, reader.IsDBNull(2) ? null : reader.GetString(2));
            }
            return faces;
        }
    }

    /// <summary>The faces of one person, pinned ones first, then by id.</summary>
    public List<Guid> FaceIdsOf(long person)
    {
        lock (_gate)
        {
            using var command = Command(null, "SELECT face_id FROM people_faces WHERE collection = $c AND person_id = $p ORDER BY pinned DESC, face_id", ("$p", person));
            using var reader = command.ExecuteReader();
            var ids = new List<Guid>();
            while (reader.Read()) ids.Add(new Guid((byte[])reader[0]));
            return ids;
        }
    }

    /// <summary>The link threshold the people were made with (recorded by every full clustering), or null before the first.</summary>
    public float? LinkThreshold
    {
        get
        {
            lock (_gate)
            {
                using var command = Command(null, "SELECT value FROM people_settings WHERE collection = $c AND key = 'link_threshold'");
                return command.ExecuteScalar() is string text ? float.Parse(text, CultureInfo.InvariantCulture) : null;
            }
        }
    }

    public long PersonCount()
    {
        lock (_gate)
        {
            using var command = Command(null, "SELECT COUNT(*) FROM people_persons WHERE collection = $c");
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>Face → persons it must never join.</summary>
    public Dictionary<Guid, HashSet<long>> CannotLinks()
    {
        lock (_gate)
        {
            using var command = Command(null, "SELECT face_id, person_id FROM people_cannot_link WHERE collection = $c");
            using var reader = command.ExecuteReader();
            var links = new Dictionary<Guid, HashSet<long>>();
            while (reader.Read())
            {
                var id = new Guid((byte[])reader[0]);
                if (!links.TryGetValue(id, out var set)) links[id] = set = [];
                set.Add(reader.GetInt64(1));
            }
            return links;
        }
    }

    /// <summary>Runs <paramref name="write"/> in one IMMEDIATE transaction: all of it lands, or none.</summary>
    public T Write<T>(Func<PeopleWriter, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (_gate)
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            var result = write(new PeopleWriter(this, tx));
            tx.Commit();
            return result;
        }
    }

    public void Write(Action<PeopleWriter> write) => Write(w => { write(w); return true; });

    public void Dispose() => _connection.Dispose();

    internal SqliteCommand Command(SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.Parameters.AddWithValue("$c", Collection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private void Execute(SqliteTransaction? tx, string sql)
    {
        using var command = Command(tx, sql);
        command.ExecuteNonQuery();
    }

    internal static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
    private static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}

/// <summary>The writes of one people transaction.</summary>
public sealed class PeopleWriter
{
    private readonly PeopleStore _store;
    private readonly SqliteTransaction _tx;
    private readonly string _now = PeopleStore.Time(DateTimeOffset.UtcNow);

    internal PeopleWriter(PeopleStore store, SqliteTransaction tx) => (_store, _tx) = (store, tx);

    public void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _store.Command(_tx, sql, parameters);
        command.ExecuteNonQuery();
    }

    public long CreatePerson(string? name = null, bool hidden = false)
    {
        using var command = _store.Command(_tx, "INSERT INTO people_persons (collection, name, hidden, created, updated) VALUES ($c, $name, $hidden, $now, $now) RETURNING id",
            ("$name", name), ("$hidden", hidden ? 1 : 0), ("$now", _now));
        return (long)command.ExecuteScalar()!;
    }

    public void DeletePerson(long id)
    {
        Execute("DELETE FROM people_persons WHERE collection = $c AND id = $id", ("$id", id));
        Execute("UPDATE people_faces SET person_id = NULL, pinned = 0 WHERE collection = $c AND person_id = $id", ("$id", id));
        Execute("DELETE FROM people_cannot_link WHERE collection = $c AND person_id = $id", ("$id", id));
    }

    public void SetLinkThreshold(float threshold) =>
        Execute("INSERT OR REPLACE INTO people_settings (collection, key, value) VALUES ($c, 'link_threshold', $v)", ("$v", threshold.ToString("R", CultureInfo.InvariantCulture)));

    public void SetName(long id, string? name) => Execute("UPDATE people_persons SET name = $name, updated = $now WHERE collection = $c AND id = $id", ("$id", id), ("$name", name), ("$now", _now));
    public void SetHidden(long id, bool hidden) => Execute("UPDATE people_persons SET hidden = $h, updated = $now WHERE collection = $c AND id = $id", ("$id", id), ("$h", hidden ? 1 : 0), ("$now", _now));
    public void Touch(long id) => Execute("UPDATE people_persons SET updated = $now WHERE collection = $c AND id = $id", ("$id", id), ("$now", _now));

    /// <summary>Sets the cover face; <paramref name="chosen"/> marks the user's choice, which clustering keeps while the face is there.</summary>
    public void SetCover(long id, Guid? face, bool chosen = false) =>
        Execute("UPDATE people_persons SET cover_face = $f, cover_chosen = $chosen WHERE collection = $c AND id = $id AND (cover_chosen = 0 OR $chosen = 1 OR cover_face IS NULL OR NOT EXISTS (SELECT 1 FROM people_faces WHERE collection = $c AND face_id = cover_face AND person_id = $id))",
            ("$id", id), ("$f", face?.ToByteArray()), ("$chosen", chosen ? 1 : 0));

    public void SetFace(Guid face, long? person, bool pinned = false, string? excluded = null) =>
        Execute("INSERT OR REPLACE INTO people_faces (collection, face_id, person_id, pinned, excluded) VALUES ($c, $f, $p, $pinned, $ex)",
            ("$f", face.ToByteArray()), ("$p", person), ("$pinned", pinned ? 1 : 0), ("$ex", excluded));

    /// <summary>Forgets a face entirely: its assignment and every "not this person" about it (erasure).</summary>
    public void ForgetFace(Guid face)
    {
        Execute("DELETE FROM people_faces WHERE collection = $c AND face_id = $f", ("$f", face.ToByteArray()));
        Execute("DELETE FROM people_cannot_link WHERE collection = $c AND face_id = $f", ("$f", face.ToByteArray()));
    }

    public void CannotLink(Guid face, long person) =>
        Execute("INSERT OR IGNORE INTO people_cannot_link (collection, face_id, person_id) VALUES ($c, $f, $p)", ("$f", face.ToByteArray()), ("$p", person));

    /// <summary>Deletes persons left without faces; returns their ids.</summary>
    public List<long> DeleteEmptyPersons()
    {
        using var command = _store.Command(_tx, "SELECT id FROM people_persons p WHERE collection = $c AND NOT EXISTS (SELECT 1 FROM people_faces f WHERE f.collection = $c AND f.person_id = p.id)");
        var ids = new List<long>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read()) ids.Add(reader.GetInt64(0));
        }
        foreach (var id in ids) DeletePerson(id);
        return ids;
    }
}

/// <summary>Where the people tables of an index live.</summary>
public static class PeopleStoreLocation
{
    /// <summary>
    /// Embedded index: its own file (people are erased with the file, backed up with it). Qdrant: a small SQLite file
    /// in the data folder named after the server and collection (Qdrant holds only vectors and payloads).
    /// </summary>
    public static string For(FaceVector.Index.FaceIndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Provider.Equals(FaceVector.Index.FaceIndexOptions.SqliteProvider, StringComparison.OrdinalIgnoreCase)) return options.DbPath;
        var host = options.QdrantUrl is { } url ? $"{url.Host}_{url.Port}" : "qdrant";
        return System.IO.Path.Combine(FaceVector.Index.FaceIndexOptions.DefaultDataDirectory(), $"people-{host}-{options.Collection}.db");
    }
}
