using FaceVector.Core.Search;
using Grpc.Core;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Qdrant;

/// <summary>
/// Face index on a Qdrant server or cluster (gRPC). The collection's model id and vector size live in the collection
/// metadata, so the same model guard holds as in the embedded store. Every call has a deadline and transient failures
/// are retried (upserts are idempotent: point ids are deterministic).
/// </summary>
public sealed class QdrantFaceIndex : IFaceIndex
{
    private static readonly StatusCode[] TransientCodes =
        [StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.ResourceExhausted, StatusCode.Aborted];

    private readonly QdrantClient _client;
    private readonly QdrantIndexOptions _options;
    private CollectionInfo? _known; // model and size do not change once created; cached to save a round trip per search

    public QdrantFaceIndex(QdrantIndexOptions options)
        : this(new QdrantClient(options.Endpoint, options.ApiKey, options.CallTimeout), options) { }

    /// <summary>Uses a caller-made channel (tests, custom TLS or interceptors); the deadline still comes from the options.</summary>
    public QdrantFaceIndex(QdrantGrpcClient grpcClient, QdrantIndexOptions options)
        : this(new QdrantClient(grpcClient, options.CallTimeout), options) { }

    private QdrantFaceIndex(QdrantClient client, QdrantIndexOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Collection);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.UpsertBatchSize, 1);
        _client = client;
        _options = options;
    }

    public string Collection => _options.Collection;

    public async Task<CollectionInfo> EnsureCollectionAsync(CollectionSpec spec, CancellationToken cancellationToken = default)
    {
        FaceGuards.CheckSpecShape(spec);
        var found = await ReadCollectionAsync(cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            try
            {
                await CallAsync(ct => _client.CreateCollectionAsync(Collection,
                    VectorParams(spec),
                    metadata: new Dictionary<string, Value> { [QdrantPayload.ModelIdKey] = spec.ModelId, [QdrantPayload.VectorSizeKey] = spec.VectorSize },
                    shardNumber: _options.ShardNumber,
                    replicationFactor: _options.ReplicationFactor,
                    writeConsistencyFactor: _options.WriteConsistencyFactor,
                    hnswConfig: new HnswConfigDiff { M = _options.HnswM, EfConstruct = _options.HnswEfConstruct },
                    quantizationConfig: spec.Quantization || _options.ScalarQuantization ? Int8InRam() : null,
                    cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                // Someone else created it between our check and our create: it is checked below like any existing one.
            }
            found = await ReadCollectionAsync(cancellationToken).ConfigureAwait(false) ?? throw new CollectionNotFoundException(Collection);
        }
        var (info, indexedFields) = found.Value;
        FaceGuards.CheckSpec(Collection, spec, info);
        // Indexes are made apart from the collection, so a crash in between must not leave them missing for good.
        foreach (var field in QdrantPayload.IndexedKeywords.Except(indexedFields))
        {
            await CallAsync(ct => _client.CreatePayloadIndexAsync(Collection, field, PayloadSchemaType.Keyword, wait: true, cancellationToken: ct), cancellationToken)
                .ConfigureAwait(false);
        }
        return info;
    }

    public async Task<CollectionInfo?> GetCollectionAsync(CancellationToken cancellationToken = default) =>
        (await ReadCollectionAsync(cancellationToken).ConfigureAwait(false))?.Info;

    /// <summary>The collection as FaceVector sees it, plus the payload fields Qdrant has indexes for; null when missing.</summary>
    private async Task<(CollectionInfo Info, IReadOnlyCollection<string> IndexedFields)?> ReadCollectionAsync(CancellationToken cancellationToken)
    {
        if (!await CallAsync(ct => _client.CollectionExistsAsync(Collection, ct), cancellationToken).ConfigureAwait(false)) return null;
        global::Qdrant.Client.Grpc.CollectionInfo info;
        try
        {
            info = await CallAsync(ct => _client.GetCollectionInfoAsync(Collection, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (CollectionNotFoundException)
        {
            return null; // deleted between the two calls
        }
        var modelId = info.Config.Metadata.TryGetValue(QdrantPayload.ModelIdKey, out var model) ? model.StringValue : "(none: not made by FaceVector)";
        _known = new CollectionInfo(Collection, (int)info.Config.Params.VectorsConfig.Params.Size, modelId, 0);
        return (_known with { Faces = (long)info.PointsCount }, info.PayloadSchema.Keys.ToList());
    }

    public async Task UpsertAsync(IReadOnlyList<FacePoint> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0) return;
        FaceGuards.CheckFaces(Collection, await KnownAsync(cancellationToken).ConfigureAwait(false), faces);
        foreach (var batch in faces.Chunk(_options.UpsertBatchSize))
        {
            var points = batch.Select(QdrantPayload.ToPoint).ToList();
            await CallAsync(ct => _client.UpsertAsync(Collection, points, wait: true, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One upsert of every new face, then one delete of the named images' other faces (a filter on their paths that
    /// spares the new ids). Upserting first means a reader never sees an image without faces midway; the two calls are
    /// not atomic, but both are idempotent, so re-running the batch after a failure ends in the same state.
    /// </summary>
    public async Task ReplaceImagesAsync(IReadOnlyList<ImageReplacement> images, CancellationToken cancellationToken = default)
    {
        var faces = FaceGuards.CheckReplacements(images);
        if (images.Count == 0) return;
        FaceGuards.CheckFaces(Collection, await KnownAsync(cancellationToken).ConfigureAwait(false), faces);
        foreach (var batch in faces.Chunk(_options.UpsertBatchSize))
        {
            var points = batch.Select(QdrantPayload.ToPoint).ToList();
            await CallAsync(ct => _client.UpsertAsync(Collection, points, wait: true, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        var replaced = images.Where(i => !i.NewImage).Select(i => i.ImagePath).ToList();
        if (replaced.Count == 0) return;
        var stale = QdrantPayload.OtherFacesOf(replaced, [.. faces.Select(f => f.Id)]);
        await CallAsync(ct => _client.DeleteAsync(Collection, stale, wait: true, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<FaceMatch>> SearchAsync(FaceQuery query, CancellationToken cancellationToken = default)
    {
        FaceGuards.CheckQuery(Collection, await KnownAsync(cancellationToken).ConfigureAwait(false), query);
        var searchParams = new SearchParams();
        if (_options.HnswEf is { } ef) searchParams.HnswEf = ef;
        var hits = await CallAsync(ct => _client.QueryAsync(Collection, query.Vector,
            filter: QdrantPayload.ToFilter(query.Filter),
            searchParams: searchParams,
            limit: (ulong)query.Limit,
            scoreThreshold: query.ScoreThreshold is { } t ? ScoreThreshold.ForStrictComparison(t) : null,
            cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return [.. hits.Select(h => new FaceMatch(Guid.Parse(h.Id.Uuid), h.Score, QdrantPayload.ToPayload(h.Payload)))];
    }

    public async Task<IReadOnlyList<FacePoint>> GetAsync(IReadOnlyList<Guid> ids, bool withVectors = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0) return [];
        var points = await CallAsync(ct => _client.RetrieveAsync(Collection, [.. ids.Select(id => (PointId)id)], withPayload: true, withVectors: withVectors, cancellationToken: ct),
            cancellationToken).ConfigureAwait(false);
        return [.. points.Select(p => ToFacePoint(p, withVectors))];
    }

    public Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return ids.Count == 0 ? Task.CompletedTask : CallAsync(ct => _client.DeleteAsync(Collection, ids, wait: true, cancellationToken: ct), cancellationToken);
    }

    /// <summary>Qdrant does not say how many points a delete removed, so the count is taken just before.</summary>
    public async Task<long> DeleteAsync(FaceFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var count = await CountAsync(filter, cancellationToken).ConfigureAwait(false);
        var selector = QdrantPayload.ToFilter(filter) ?? new Filter();
        await CallAsync(ct => _client.DeleteAsync(Collection, selector, wait: true, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return count;
    }

    public async Task<long> CountAsync(FaceFilter? filter = null, CancellationToken cancellationToken = default) =>
        (long)await CallAsync(ct => _client.CountAsync(Collection, QdrantPayload.ToFilter(filter), exact: true, cancellationToken: ct), cancellationToken)
            .ConfigureAwait(false);

    public async Task<FacePage> ListAsync(int limit, string? offset = null, FaceFilter? filter = null, bool withVectors = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        PointId? from = offset is null ? null : Guid.TryParse(offset, out var id) ? id
            : throw new ArgumentException($"Offset '{offset}' is not a page offset returned by ListAsync.", nameof(offset));
        var page = await CallAsync(ct => _client.ScrollAsync(Collection, QdrantPayload.ToFilter(filter), (uint)limit, from,
            payloadSelector: true, vectorsSelector: withVectors, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return new FacePage([.. page.Result.Select(p => ToFacePoint(p, withVectors))], page.NextPageOffset?.Uuid);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    // on_disk and always_ram are deprecated in the 1.20 client in favour of `memory`, which 1.19 servers do not know yet.
#pragma warning disable CS0612
    private VectorParams VectorParams(CollectionSpec spec) =>
        new() { Size = (ulong)spec.VectorSize, Distance = Distance.Cosine, OnDisk = _options.OnDiskVectors };

    /// <summary>Int8 codes stay in RAM even when the original vectors are on disk: search scans codes, then rescores.</summary>
    private static QuantizationConfig Int8InRam() =>
        new() { Scalar = new ScalarQuantization { Type = QuantizationType.Int8, AlwaysRam = true } };
#pragma warning restore CS0612

    private static FacePoint ToFacePoint(RetrievedPoint point, bool withVectors) =>
        new(Guid.Parse(point.Id.Uuid), QdrantPayload.ToPayload(point.Payload),
            withVectors ? [.. point.Vectors.Vector.GetDenseVector()!.Data] : null);

    private async Task<CollectionInfo> KnownAsync(CancellationToken cancellationToken) =>
        _known ?? await GetCollectionAsync(cancellationToken).ConfigureAwait(false) ?? throw new CollectionNotFoundException(Collection);

    /// <summary>Runs one call with retries for transient failures; a missing collection becomes <see cref="CollectionNotFoundException"/>.</summary>
    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                _known = null;
                throw new CollectionNotFoundException(Collection, e);
            }
            catch (RpcException e) when (TransientCodes.Contains(e.StatusCode) && attempt < _options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_options.RetryBackoff * Math.Pow(2, attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task CallAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync(async ct => { await call(ct).ConfigureAwait(false); return true; }, cancellationToken);
}
