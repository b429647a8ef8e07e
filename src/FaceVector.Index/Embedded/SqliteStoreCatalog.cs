using FaceVector.Index.Migration;
using Microsoft.Data.Sqlite;

namespace FaceVector.Index.Embedded;

/// <summary>
/// Aliases and migration records of an embedded store file. An alias is a row of the <c>aliases</c> table; switching it
/// is one transaction (crash-safe: before the commit every reader sees the old collection, after it the new one), and
/// every <see cref="SqliteFaceIndex"/> on the file, in any process, follows it at its next read (it re-resolves on every
/// catch-up). An alias may carry the name of an existing collection and then hides it (unlike Qdrant).
/// </summary>
public sealed class SqliteStoreCatalog : ICollectionCatalog
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public SqliteStoreCatalog(string path, TimeSpan? busyTimeout = null)
    {
        Location = Path.GetFullPath(path);
        StoreFile.Check(Location, mustExist: true);
        var timeout = busyTimeout ?? TimeSpan.FromSeconds(30);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Location, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = (int)timeout.TotalSeconds,
        }.ToString());
        try
        {
            _connection.Open();
            Execute(null, $"PRAGMA busy_timeout = {(int)timeout.TotalMilliseconds}");
            Execute(null, "PRAGMA secure_delete = ON"); // dropped faces are biometric data (see SqliteFaceIndex)
            using var tx = _connection.BeginTransaction();
            foreach (var statement in SqliteFaceIndex.Schema) Execute(tx, statement);
            tx.Commit();
        }
        catch (SqliteException ex)
        {
            _connection.Dispose();
            throw StoreFile.Explain(Location, ex);
        }
    }

    public string Location { get; }

    public bool AliasMayShadowCollection => true;

    public Task<string?> AliasTargetAsync(string alias, CancellationToken cancellationToken = default) =>
        Locked(() => Scalar(null, "SELECT collection FROM aliases WHERE name = $a", ("$a", alias)) as string, cancellationToken);

    public Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default) =>
        Locked(() => Scalar(null, "SELECT count(*) FROM collections WHERE name = $c", ("$c", collection)) is long n && n > 0, cancellationToken);

    public IFaceIndex OpenCollection(string collection) => new SqliteFaceIndex(new SqliteIndexOptions(Location, collection) { ResolveAlias = false, CreateIfMissing = false });

    public Task SwitchAliasAsync(string alias, string collection, CancellationToken cancellationToken = default) => Locked(() =>
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        if (Scalar(tx, "SELECT count(*) FROM collections WHERE name = $c", ("$c", collection)) is not long n || n == 0)
            throw new CollectionNotFoundException(collection);
        Execute(tx, "INSERT OR REPLACE INTO aliases (name, collection) VALUES ($a, $c)", ("$a", alias), ("$c", collection));
        tx.Commit();
        return true;
    }, cancellationToken);

    public Task DropCollectionAsync(string collection, CancellationToken cancellationToken = default) => Locked(() =>
    {
        using (var tx = _connection.BeginTransaction(deferred: false))
        {
            foreach (var sql in new[]
            {
                "DELETE FROM faces WHERE collection = $c", "DELETE FROM tombstones WHERE collection = $c",
                "DELETE FROM collections WHERE name = $c", "DELETE FROM aliases WHERE collection = $c",
            })
            {
                Execute(tx, sql, ("$c", collection));
            }
            tx.Commit();
        }
        // With secure_delete the freed pages are zeroed; emptying the WAL drops the old page images too.
        Execute(null, "PRAGMA wal_checkpoint(TRUNCATE)");
        return true;
    }, cancellationToken);

    public Task<CollectionMigration?> GetMigrationAsync(string target, CancellationToken cancellationToken = default) => Locked(() =>
    {
        using var command = Command(null, "SELECT alias, source, target, source_model, target_model, old_kept FROM migrations WHERE target = $t", ("$t", target));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new CollectionMigration(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? reader.GetString(1) : reader.GetString(5))
            : null;
    }, cancellationToken);

    public Task SaveMigrationAsync(CollectionMigration migration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(migration);
        return Locked(() =>
        {
            Execute(null, "INSERT OR REPLACE INTO migrations (target, alias, source, source_model, target_model, old_kept, started) VALUES ($t, $a, $s, $sm, $tm, $k, $at)",
                ("$t", migration.Target), ("$a", migration.Alias), ("$s", migration.Source), ("$sm", migration.SourceModelId), ("$tm", migration.TargetModelId),
                ("$k", migration.OldKeptAs), ("$at", PayloadCodec.Timestamp(DateTimeOffset.UtcNow)));
            return true;
        }, cancellationToken);
    }

    public Task ForgetMigrationAsync(string target, CancellationToken cancellationToken = default) =>
        Locked(() => { Execute(null, "DELETE FROM migrations WHERE target = $t", ("$t", target)); return true; }, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<T> Locked<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { return work(); }
        catch (SqliteException ex) { throw StoreFile.Explain(Location, ex); }
        finally { _gate.Release(); }
    }

    private SqliteCommand Command(SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    private object? Scalar(SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        return command.ExecuteScalar();
    }

    private void Execute(SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(tx, sql, parameters);
        command.ExecuteNonQuery();
    }
}
