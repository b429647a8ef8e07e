using FaceVector.Core.Search;
using Grpc.Core;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Qdrant;

/// <summary>
/// Face index on a Qdrant server or cluster (gRPC). The collection's model id, vector size and index id live in the
/// collection metadata, so the same model guard holds as in the embedded store. Every call has a deadline; retryable
/// answers (<see cref="QdrantErrors.IsRetryable"/>) and unconfirmed writes are retried on the next endpoint (writes are
/// idempotent: point ids are deterministic); counts are exact; searches of a quantised collection are re-scored.
/// </summary>
public sealed class QdrantFaceIndex : IFaceIndex
{
    /// <summary>Ids per retrieve call, so that an answer with vectors stays far below the receive limit.</summary>
    private const int RetrieveChunk = 512;

    private readonly QdrantEndpoints _endpoints;
    private readonly QdrantIndexOptions _options;
    private Known? _known; // model, size, id and quantisation; cached to save a round trip per search (see KnownAsync)
    private long _knownAt;

    private sealed record Known(CollectionInfo Info, bool Quantized);

    public QdrantFaceIndex(QdrantIndexOptions options)
        : this(QdrantEndpoints.Open(options), options) { }

    /// <summary>Uses a caller-made channel (tests, custom TLS or interceptors); the deadline still comes from the options.</summary>
    public QdrantFaceIndex(QdrantGrpcClient grpcClient, QdrantIndexOptions options)
        : this([grpcClient], options) { }

    /// <summary>Caller-made channels, one per node, used in turn as <see cref="QdrantIndexOptions.Endpoints"/> would be.</summary>
    public QdrantFaceIndex(IReadOnlyList<QdrantGrpcClient> grpcClients, QdrantIndexOptions options)
        : this(new QdrantEndpoints([.. grpcClients.Select((c, i) => ($"node {i}", new QdrantClient(c, options.CallTimeout)))]), options) { }

    private QdrantFaceIndex(QdrantEndpoints endpoints, QdrantIndexOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Collection);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.UpsertBatchSize, 1);
        _endpoints = endpoints;
        _options = options;
    }

    public string Collection => _options.Collection;

    /// <summary>Differences between the existing collection and the options found by the last <see cref="EnsureCollectionAsync"/>.</summary>
    public IReadOnlyList<string> LayoutWarnings { get; private set; } = [];

    public async Task<CollectionInfo> EnsureCollectionAsync(CollectionSpec spec, CancellationToken cancellationToken = default)
    {
        FaceGuards.CheckSpecShape(spec);
        var quantize = spec.Quantization || _options.ScalarQuantization;
        var found = await ReadCollectionAsync(cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            try
            {
                await CallAsync((c, ct) => c.CreateCollectionAsync(Collection,
                    VectorParams(spec),
                    metadata: new Dictionary<string, Value>
                    {
                        [QdrantPayload.ModelIdKey] = spec.ModelId,
                        [QdrantPayload.VectorSizeKey] = spec.VectorSize,
                        [QdrantPayload.IndexIdKey] = spec.IndexId ?? Guid.NewGuid().ToString("N"),
                    },
                    shardNumber: _options.ShardNumber,
                    replicationFactor: _options.ReplicationFactor,
                    writeConsistencyFactor: _options.WriteConsistencyFactor,
                    hnswConfig: new HnswConfigDiff { M = _options.HnswM, EfConstruct = _options.HnswEfConstruct },
                    quantizationConfig: quantize ? Int8InRam() : null,
                    cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                // Someone else created it between our check and our create: it is checked below like any existing one.
            }
            found = await ReadCollectionAsync(cancellationToken).ConfigureAwait(false) ?? throw new CollectionNotFoundException(Collection);
        }
        var (info, indexedFields, config) = found.Value;
        FaceGuards.CheckSpec(Collection, spec, info);
        LayoutWarnings = CompareLayout(config, quantize);
        foreach (var warning in LayoutWarnings) _options.Warn?.Invoke(warning);
        if (info.IndexId is null)
        {
            // Made by an older FaceVector: give it an id now, so that ingest journals can tell it from a recreated one.
            await CallAsync((c, ct) => c.UpdateCollectionAsync(Collection,
                metadata: new Dictionary<string, Value> { [QdrantPayload.IndexIdKey] = Guid.NewGuid().ToString("N") },
                cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            info = (await ReadCollectionAsync(cancellationToken).ConfigureAwait(false))?.Info ?? throw new CollectionNotFoundException(Collection);
        }
        // Indexes are made apart from the collection, so a crash in between must not leave them missing for good.
        foreach (var field in QdrantPayload.IndexedKeywords.Except(indexedFields))
        {
            await CreatePayloadIndexAsync(field, cancellationToken).ConfigureAwait(false);
        }
        return info;
    }

    public async Task<CollectionInfo?> GetCollectionAsync(CancellationToken cancellationToken = default) =>
        (await ReadCollectionAsync(cancellationToken).ConfigureAwait(false))?.Info;

    /// <summary>The collection as FaceVector sees it (with an exact face count), its indexed payload fields and config; null when missing.</summary>
    private async Task<(CollectionInfo Info, IReadOnlyCollection<string> IndexedFields, CollectionConfig Config)?> ReadCollectionAsync(CancellationToken cancellationToken)
    {
        if (!await CallAsync((c, ct) => c.CollectionExistsAsync(Collection, ct), cancellationToken).ConfigureAwait(false)) return null;
        global::Qdrant.Client.Grpc.CollectionInfo info;
        long faces;
        try
        {
            info = await CallAsync((c, ct) => c.GetCollectionInfoAsync(Collection, ct), cancellationToken).ConfigureAwait(false);
            Remember(info);
            // points_count is documented as approximate (summed per shard); what FaceVector reports is an exact count.
            faces = await CountAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (CollectionNotFoundException)
        {
            return null; // deleted between the calls
        }
        return (_known!.Info with { Faces = faces }, info.PayloadSchema.Keys.ToList(), info.Config);
    }

    /// <summary>One unnamed dense vector with cosine distance, or a clear refusal (named vectors once threw a NullReferenceException).</summary>
    private VectorParams CheckVectors(CollectionConfig config)
    {
        var vectors = config.Params.VectorsConfig;
        if (vectors?.ConfigCase == VectorsConfig.ConfigOneofCase.ParamsMap)
            throw new CollectionLayoutException(
                $"Collection '{Collection}' has named vectors ({string.Join(", ", vectors.ParamsMap.Map.Keys)}); FaceVector stores one unnamed dense vector per face. Use another collection name.");
        if (vectors?.Params is not { } single)
            throw new CollectionLayoutException($"Collection '{Collection}' has no dense vector; FaceVector stores one unnamed dense vector per face. Use another collection name.");
        if (single.Distance != Distance.Cosine)
            throw new CollectionLayoutException(
                $"Collection '{Collection}' compares vectors by {single.Distance}; FaceVector's scores and thresholds are cosine similarities. Use another collection name.");
        return single;
    }

    /// <summary>Layout settings that only apply when a collection is created: an existing one that differs is used, with a note why it may not behave as configured.</summary>
    private List<string> CompareLayout(CollectionConfig config, bool quantize)
    {
        var p = config.Params;
        var notes = new List<string>();
        void Differs(string what, object found, object configured) =>
            notes.Add($"Collection '{Collection}' has {what} {found}, the options say {configured}; the collection is used as it is (changing it needs Qdrant's own tools or a new collection).");
        if (p.ShardNumber != _options.ShardNumber) Differs("shard_number", p.ShardNumber, _options.ShardNumber);
        if (p.ReplicationFactor != _options.ReplicationFactor) Differs("replication_factor", p.ReplicationFactor, _options.ReplicationFactor);
        if (p.WriteConsistencyFactor != _options.WriteConsistencyFactor) Differs("write_consistency_factor", p.WriteConsistencyFactor, _options.WriteConsistencyFactor);
        var quantized = config.QuantizationConfig is not null;
        if (quantized != quantize) Differs("scalar quantisation", quantized ? "on" : "off", quantize ? "on" : "off");
#pragma warning disable CS0612 // on_disk: see VectorParams below
        if (p.VectorsConfig.Params.OnDisk != _options.OnDiskVectors) Differs("on-disk vectors", p.VectorsConfig.Params.OnDisk, _options.OnDiskVectors);
#pragma warning restore CS0612
        return notes;
    }

    /// <summary>
    /// Asks for a keyword index without waiting, then polls until Qdrant lists it: on a large collection building it
    /// takes longer than one call's deadline, and a call cut off by its deadline would be repeated from scratch.
    /// </summary>
    private async Task CreatePayloadIndexAsync(string field, CancellationToken cancellationToken)
    {
        await CallAsync(async (c, ct) =>
        {
            var result = await c.CreatePayloadIndexAsync(Collection, field, PayloadSchemaType.Keyword, wait: false, cancellationToken: ct).ConfigureAwait(false);
            return result.Status is UpdateStatus.Acknowledged or UpdateStatus.Completed ? result : throw NotConfirmed($"creating the payload index on '{field}'", result.Status);
        }, cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + _options.IndexBuildTimeout;
        for (var poll = TimeSpan.FromMilliseconds(50); ; poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, TimeSpan.TicksPerSecond * 2)))
        {
            var info = await CallAsync((c, ct) => c.GetCollectionInfoAsync(Collection, ct), cancellationToken).ConfigureAwait(false);
            if (info.PayloadSchema.ContainsKey(field)) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Qdrant has not built the payload index on '{field}' of collection '{Collection}' within {_options.IndexBuildTimeout}; it may still be building. Run again later or raise IndexBuildTimeout.");
            await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task UpsertAsync(IReadOnlyList<FacePoint> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0) return;
        FaceGuards.CheckFaces(Collection, (await KnownAsync(cancellationToken).ConfigureAwait(false)).Info, faces);
        foreach (var batch in faces.Chunk(_options.UpsertBatchSize))
        {
            var points = batch.Select(QdrantPayload.ToPoint).ToList();
            await WriteAsync("an upsert", (c, ct) => c.UpsertAsync(Collection, points, wait: true, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
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
        FaceGuards.CheckFaces(Collection, (await KnownAsync(cancellationToken).ConfigureAwait(false)).Info, faces);
        foreach (var batch in faces.Chunk(_options.UpsertBatchSize))
        {
            var points = batch.Select(QdrantPayload.ToPoint).ToList();
            await WriteAsync("an upsert", (c, ct) => c.UpsertAsync(Collection, points, wait: true, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        var replaced = images.Where(i => !i.NewImage).Select(i => i.ImagePath).ToList();
        if (replaced.Count == 0) return;
        var stale = QdrantPayload.OtherFacesOf(replaced, [.. faces.Select(f => f.Id)]);
        await WriteAsync("a delete of replaced faces", (c, ct) => c.DeleteAsync(Collection, stale, wait: true, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<FaceMatch>> SearchAsync(FaceQuery query, CancellationToken cancellationToken = default)
    {
        var known = await KnownAsync(cancellationToken).ConfigureAwait(false);
        FaceGuards.CheckQuery(Collection, known.Info, query);
        var searchParams = new SearchParams();
        if (_options.HnswEf is { } ef) searchParams.HnswEf = ef;
        if (known.Quantized)
        {
            // Qdrant scans the int8 codes and, unless asked, scores and thresholds with those approximations.
            searchParams.Quantization = new QuantizationSearchParams { Rescore = true, Oversampling = _options.Oversampling };
        }
        var hits = await CallAsync((c, ct) => c.QueryAsync(Collection, query.Vector,
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
        var found = new List<FacePoint>();
        foreach (var chunk in ids.Chunk(RetrieveChunk))
        {
            var points = await CallAsync((c, ct) => c.RetrieveAsync(Collection, [.. chunk.Select(id => (PointId)id)], withPayload: true, withVectors: withVectors, cancellationToken: ct),
                cancellationToken).ConfigureAwait(false);
            found.AddRange(points.Select(p => ToFacePoint(p, withVectors)));
        }
        return found;
    }

    public Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return ids.Count == 0 ? Task.CompletedTask : WriteAsync("a delete by id", (c, ct) => c.DeleteAsync(Collection, ids, wait: true, cancellationToken: ct), cancellationToken);
    }

    /// <summary>Qdrant does not say how many points a delete removed, so the count is taken just before.</summary>
    public async Task<long> DeleteAsync(FaceFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var count = await CountAsync(filter, cancellationToken).ConfigureAwait(false);
        var selector = QdrantPayload.ToFilter(filter) ?? new Filter();
        await WriteAsync("a delete by filter", (c, ct) => c.DeleteAsync(Collection, selector, wait: true, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return count;
    }

    public async Task<long> CountAsync(FaceFilter? filter = null, CancellationToken cancellationToken = default) =>
        (long)await CallAsync((c, ct) => c.CountAsync(Collection, QdrantPayload.ToFilter(filter), exact: true, cancellationToken: ct), cancellationToken)
            .ConfigureAwait(false);

    public async Task<FacePage> ListAsync(int limit, string? offset = null, FaceFilter? filter = null, bool withVectors = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        PointId? from = offset is null ? null : Guid.TryParse(offset, out var id) ? id
            : throw new ArgumentException($"Offset '{offset}' is not a page offset returned by ListAsync.", nameof(offset));
        var page = await CallAsync((c, ct) => c.ScrollAsync(Collection, QdrantPayload.ToFilter(filter), (uint)limit, from,
            payloadSelector: true, vectorsSelector: withVectors, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return new FacePage([.. page.Result.Select(p => ToFacePoint(p, withVectors))], page.NextPageOffset?.Uuid);
    }

    public ValueTask DisposeAsync()
    {
        _endpoints.Dispose();
        return ValueTask.CompletedTask;
    }

    // on_disk and always_ram are deprecated in the 1.20 client in favour of `memory`, which 1.19 servers do not know yet.
#pragma warning disable CS0612
    private VectorParams VectorParams(CollectionSpec spec) =>
        new() { Size = (ulong)spec.VectorSize, Distance = Distance.Cosine, OnDisk = _options.OnDiskVectors };

    /// <summary>Int8 codes stay in RAM even when the original vectors are on disk: search scans codes, then re-scores (asked for per search).</summary>
    private static QuantizationConfig Int8InRam() =>
        new() { Scalar = new ScalarQuantization { Type = QuantizationType.Int8, AlwaysRam = true } };
#pragma warning restore CS0612

    private static FacePoint ToFacePoint(RetrievedPoint point, bool withVectors) =>
        new(Guid.Parse(point.Id.Uuid), QdrantPayload.ToPayload(point.Payload),
            withVectors ? [.. point.Vectors.Vector.GetDenseVector()!.Data] : null);

    /// <summary>
    /// The collection's model, size and quantisation, re-read (one GetCollectionInfo) once older than
    /// <see cref="QdrantIndexOptions.CollectionInfoLifetime"/>: the name may be an alias that a migration switches to a
    /// collection of another model, and the model guard must follow within that time.
    /// </summary>
    private async Task<Known> KnownAsync(CancellationToken cancellationToken)
    {
        if (_known is { } known && (_options.CollectionInfoLifetime == Timeout.InfiniteTimeSpan || System.Diagnostics.Stopwatch.GetElapsedTime(_knownAt) < _options.CollectionInfoLifetime)) return known;
        var info = await CallAsync((c, ct) => c.GetCollectionInfoAsync(Collection, ct), cancellationToken).ConfigureAwait(false);
        return Remember(info);
    }

    private Known Remember(global::Qdrant.Client.Grpc.CollectionInfo info)
    {
        var vectors = CheckVectors(info.Config);
        var metadata = info.Config.Metadata;
        var modelId = metadata.TryGetValue(QdrantPayload.ModelIdKey, out var model) ? model.StringValue : "(none: not made by FaceVector)";
        var indexId = metadata.TryGetValue(QdrantPayload.IndexIdKey, out var id) && id.StringValue is { Length: > 0 } text ? text : null;
        _knownAt = System.Diagnostics.Stopwatch.GetTimestamp();
        return _known = new Known(new CollectionInfo(Collection, (int)vectors.Size, modelId, 0) { IndexId = indexId }, info.Config.QuantizationConfig is not null);
    }

    private QdrantWriteNotConfirmedException NotConfirmed(string operation, UpdateStatus status, int attempts = 1) =>
        new(Collection, operation, status, attempts);

    /// <summary>A write that waits for Qdrant: only <see cref="UpdateStatus.Completed"/> counts as done; anything else is retried, then refused.</summary>
    private Task WriteAsync(string operation, Func<QdrantClient, CancellationToken, Task<UpdateResult>> write, CancellationToken cancellationToken) =>
        CallAsync(async (c, ct) =>
        {
            var result = await write(c, ct).ConfigureAwait(false);
            return result.Status == UpdateStatus.Completed ? result : throw NotConfirmed(operation, result.Status);
        }, cancellationToken);

    /// <summary>
    /// Runs one call with retries on the next endpoint for retryable answers and unconfirmed writes; a missing collection
    /// becomes <see cref="CollectionNotFoundException"/>, an answer over the receive limit <see cref="QdrantAnswerTooLargeException"/>.
    /// </summary>
    internal async Task<T> CallAsync<T>(Func<QdrantClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var node = _endpoints.Current;
            TimeSpan? hint = null;
            try
            {
                return await call(node.Client, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                _known = null;
                throw new CollectionNotFoundException(Collection, e);
            }
            catch (RpcException e) when (QdrantErrors.IsMessageTooLarge(e))
            {
                throw new QdrantAnswerTooLargeException(Collection, _options.MaxReceiveMessageBytes, e);
            }
            catch (RpcException e) when (QdrantErrors.IsRetryable(e) && attempt < _options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                hint = QdrantErrors.RetryAfter(e);
                _endpoints.Failed(node.Index);
            }
            catch (QdrantWriteNotConfirmedException e) when (attempt >= _options.MaxRetries)
            {
                throw NotConfirmed(e.Operation, e.Status, attempt + 1);
            }
            catch (QdrantWriteNotConfirmedException) when (!cancellationToken.IsCancellationRequested)
            {
                _endpoints.Failed(node.Index);
            }
            var backoff = TimeSpan.FromTicks((long)Math.Min(_options.RetryBackoff.Ticks * Math.Pow(2, attempt), _options.MaxRetryBackoff.Ticks));
            await Task.Delay(hint is { } h && h > backoff ? h : backoff, cancellationToken).ConfigureAwait(false);
        }
    }

    internal Task CallAsync(Func<QdrantClient, CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync(async (c, ct) => { await call(c, ct).ConfigureAwait(false); return true; }, cancellationToken);
}
