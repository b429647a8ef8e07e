namespace FaceVector.Index.Migration;

/// <summary>
/// A model migration's record, kept with its target collection so that a killed run resumes and a later
/// <c>migrate --finish</c> knows what to drop.
/// </summary>
/// <param name="Alias">The configured collection name every reader uses; after the switch an alias of <paramref name="Target"/>.</param>
/// <param name="Source">The collection the alias stood for when the migration started.</param>
/// <param name="Target">The new collection, made by the new recognizer.</param>
/// <param name="OldKeptAs">Where the source's faces stay after the switch, until dropped (the source itself, or its copy).</param>
public sealed record CollectionMigration(string Alias, string Source, string Target, string SourceModelId, string TargetModelId, string OldKeptAs);

/// <summary>
/// The collections and aliases of one store, for model migration: the embedded file (an <c>aliases</c> table, switched
/// in one transaction) or a Qdrant server (its own collection aliases, switched in one UpdateAliases request).
/// </summary>
public interface ICollectionCatalog : IAsyncDisposable
{
    /// <summary>The store, for reports: the file or the Qdrant address.</summary>
    string Location { get; }

    /// <summary>
    /// True when an alias may carry the name of an existing collection and hides it (embedded store). Qdrant refuses
    /// that, so a collection that has the alias's name must be moved away before the switch.
    /// </summary>
    bool AliasMayShadowCollection { get; }

    /// <summary>The collection <paramref name="alias"/> stands for, or null when no such alias exists.</summary>
    Task<string?> AliasTargetAsync(string alias, CancellationToken cancellationToken = default);

    /// <summary>Whether a collection of exactly this name exists (aliases are not followed).</summary>
    Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary>Opens a collection by its own name (aliases not followed).</summary>
    IFaceIndex OpenCollection(string collection);

    /// <summary>Points <paramref name="alias"/> at <paramref name="collection"/> in one atomic step (made, or moved from another collection).</summary>
    Task SwitchAliasAsync(string alias, string collection, CancellationToken cancellationToken = default);

    /// <summary>Deletes a collection (by its own name) with its faces and the aliases that point at it.</summary>
    Task DropCollectionAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary>The migration record kept with <paramref name="target"/>, or null.</summary>
    Task<CollectionMigration?> GetMigrationAsync(string target, CancellationToken cancellationToken = default);

    Task SaveMigrationAsync(CollectionMigration migration, CancellationToken cancellationToken = default);

    Task ForgetMigrationAsync(string target, CancellationToken cancellationToken = default);
}
