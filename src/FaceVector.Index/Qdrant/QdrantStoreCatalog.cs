using System.Text.Json;
using FaceVector.Index.Migration;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Qdrant;

/// <summary>
/// Qdrant's own collection aliases for model migration. Qdrant resolves an alias in every collection and point call,
/// so every FaceVector reader configured with the alias's name follows a switch at once; the switch is one
/// UpdateAliases request (delete + create, applied under Qdrant's collection lock, so no search sees a half-switched
/// state). Qdrant refuses an alias that has the name of a collection (<see cref="AliasMayShadowCollection"/> is false).
/// The migration record is a JSON string in the target collection's metadata.
/// </summary>
public sealed class QdrantStoreCatalog : ICollectionCatalog
{
    private const string MigrationKey = "facevector_migration";

    private readonly QdrantIndexOptions _options;
    private readonly QdrantGrpcClient? _client;
    private readonly QdrantFaceIndex _calls; // its retries, failover and error mapping serve the catalog's calls too

    public QdrantStoreCatalog(QdrantIndexOptions options)
    {
        _options = options;
        _calls = new QdrantFaceIndex(options);
    }

    /// <summary>On a caller-made channel (tests); collections it opens share it.</summary>
    public QdrantStoreCatalog(QdrantGrpcClient client, QdrantIndexOptions options)
    {
        _options = options;
        _client = client;
        _calls = new QdrantFaceIndex(client, options);
    }

    public string Location => string.Join(",", _options.EffectiveEndpoints);

    public bool AliasMayShadowCollection => false;

    public async Task<string?> AliasTargetAsync(string alias, CancellationToken cancellationToken = default)
    {
        var aliases = await _calls.CallAsync((c, ct) => c.ListAliasesAsync(ct), cancellationToken).ConfigureAwait(false);
        return aliases.FirstOrDefault(a => a.AliasName == alias)?.CollectionName;
    }

    public async Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default) =>
        (await _calls.CallAsync((c, ct) => c.ListCollectionsAsync(ct), cancellationToken).ConfigureAwait(false)).Contains(collection);

    public IFaceIndex OpenCollection(string collection) =>
        _client is null ? new QdrantFaceIndex(_options with { Collection = collection }) : new QdrantFaceIndex(_client, _options with { Collection = collection });

    public Task SwitchAliasAsync(string alias, string collection, CancellationToken cancellationToken = default) =>
        _calls.CallAsync((c, ct) => c.UpdateAliasesAsync(
        [
            new AliasOperations { DeleteAlias = new DeleteAlias { AliasName = alias } },
            new AliasOperations { CreateAlias = new CreateAlias { AliasName = alias, CollectionName = collection } },
        ], cancellationToken: ct), cancellationToken);

    public Task DropCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        _calls.CallAsync((c, ct) => c.DeleteCollectionAsync(collection, cancellationToken: ct), cancellationToken);

    public async Task<CollectionMigration?> GetMigrationAsync(string target, CancellationToken cancellationToken = default)
    {
        if (!await CollectionExistsAsync(target, cancellationToken).ConfigureAwait(false)) return null;
        var info = await _calls.CallAsync((c, ct) => c.GetCollectionInfoAsync(target, ct), cancellationToken).ConfigureAwait(false);
        return info.Config.Metadata.TryGetValue(MigrationKey, out var value) && value.StringValue is { Length: > 0 } json
            ? JsonSerializer.Deserialize<CollectionMigration>(json)
            : null;
    }

    public Task SaveMigrationAsync(CollectionMigration migration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(migration);
        return SetRecordAsync(migration.Target, JsonSerializer.Serialize(migration), cancellationToken);
    }

    public Task ForgetMigrationAsync(string target, CancellationToken cancellationToken = default) => SetRecordAsync(target, string.Empty, cancellationToken);

    private Task SetRecordAsync(string target, string value, CancellationToken cancellationToken) =>
        _calls.CallAsync((c, ct) => c.UpdateCollectionAsync(target, metadata: new Dictionary<string, Value> { [MigrationKey] = value }, cancellationToken: ct), cancellationToken);

    public ValueTask DisposeAsync() => _calls.DisposeAsync();
}
