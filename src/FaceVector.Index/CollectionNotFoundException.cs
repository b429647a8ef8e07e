namespace FaceVector.Index;

/// <summary>The collection an index instance works on does not exist (yet): call EnsureCollectionAsync first.</summary>
public sealed class CollectionNotFoundException(string collection, Exception? innerException = null)
    : InvalidOperationException($"Collection '{collection}' does not exist. Create it with EnsureCollectionAsync (e.g. by indexing some photos) first.", innerException)
{
    public string Collection { get; } = collection;
}
