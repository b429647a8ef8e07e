using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Tests.QdrantDouble;

/// <summary>
/// A TEST DOUBLE of Qdrant's gRPC API, NOT Qdrant: an in-memory stand-in that models exactly the calls and semantics
/// FaceVector's adapter relies on (qdrant-notes.md): cosine vectors normalised on upsert, score = dot product,
/// score_threshold strictly greater, Qdrant's error codes and messages for a missing collection, an existing collection
/// and a wrong vector size, keyword/integer filters with must/should/must_not, <c>wait=false</c> answered
/// Acknowledged, approximate points_count, int8 quantised scoring once a collection is marked indexed (re-scored only
/// when the query asks). Every other RPC answers Unimplemented (ASP.NET Core gRPC does that for unbound methods), and
/// every request option it does not model (read consistency, shard keys, named vectors, HNSW-only search options,
/// approximate counts, write ordering, optimiser/WAL/strict-mode settings...) answers Unimplemented too, so a gap shows
/// up as a failing test rather than a silent pass. A fault plan (<see cref="Fail"/>) makes it answer with Qdrant's
/// failover errors or unconfirmed write statuses. Passing against it does not prove compatibility with a real server:
/// that is what the QDRANT_URL-gated tests are for.
/// Collection aliases follow Qdrant's server code (lib/storage: toc resolve_name, update_aliases, alias_mapping): every
/// collection and point call resolves an alias first; UpdateAliases applies its actions in order under one lock (no call
/// sees a half-applied list; an action that fails leaves the earlier ones applied, as in Qdrant); CreateAlias needs an
/// existing collection (NotFound), refuses the name of a collection (AlreadyExists) and replaces an alias of the same name;
/// DeleteAlias of a missing alias is a no-op; RenameAlias of a missing alias is NotFound; a collection cannot be created
/// with an alias's name (InvalidArgument); deleting a collection (by its own name, never through an alias) deletes its aliases.
/// </summary>
[BindServiceMethod(typeof(QdrantTestDouble), nameof(BindService))]
public class QdrantTestDouble
{
    private const string Points = "qdrant.Points";
    private const string Collections = "qdrant.Collections";

    private readonly ConcurrentDictionary<string, DoubleCollection> _collections = new();
    private readonly Dictionary<string, string> _aliases = []; // alias -> collection, guarded by _aliasLock
    private readonly Lock _aliasLock = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<DoubleFault>> _faults = new();

    /// <summary>Every request received, in order, with its collection (for tests that check what the adapter sent).</summary>
    public ConcurrentQueue<(string Collection, IMessage Request)> Received { get; } = new();

    /// <summary>Queues answers for the next calls on <paramref name="collection"/>: each fault is used once, in order.</summary>
    public void Fail(string collection, params DoubleFault[] faults)
    {
        var queue = _faults.GetOrAdd(collection, _ => new ConcurrentQueue<DoubleFault>());
        foreach (var fault in faults) queue.Enqueue(fault);
    }

    /// <summary>Faults queued for <paramref name="collection"/> and not used yet.</summary>
    public int PendingFaults(string collection) => _faults.TryGetValue(collection, out var queue) ? queue.Count : 0;

    /// <summary>As if Qdrant had built the collection's vector index: quantised search becomes approximate (see <see cref="DoubleCollection"/>).</summary>
    public void MarkIndexed(string collection) => Find(collection).Indexed = true;

    /// <summary>Records the request and, if a fault is queued for its method, answers with it (an error, or a write status).</summary>
    private UpdateStatus Enter(string collection, string method, IMessage request)
    {
        Received.Enqueue((collection, request));
        if (_faults.TryGetValue(collection, out var queue) && queue.TryPeek(out var next) && (next.Method is null || next.Method == method) && queue.TryDequeue(out var fault))
        {
            if (fault.Error is { } error) throw error;
            return fault.Status;
        }
        return UpdateStatus.Completed;
    }

    /// <summary>Binds the handlers by gRPC method name; ASP.NET Core finds each handler by that name and its request type.</summary>
    public static void BindService(ServiceBinderBase binder, QdrantTestDouble? service)
    {
        Bind<HealthCheckRequest, HealthCheckReply>(binder, "qdrant.Qdrant", nameof(HealthCheck));
        Bind<CreateCollection, CollectionOperationResponse>(binder, Collections, nameof(Create));
        Bind<GetCollectionInfoRequest, GetCollectionInfoResponse>(binder, Collections, nameof(Get));
        Bind<ListCollectionsRequest, ListCollectionsResponse>(binder, Collections, nameof(List));
        Bind<DeleteCollection, CollectionOperationResponse>(binder, Collections, nameof(Delete));
        Bind<CollectionExistsRequest, CollectionExistsResponse>(binder, Collections, nameof(CollectionExists));
        Bind<UpsertPoints, PointsOperationResponse>(binder, Points, nameof(Upsert));
        Bind<DeletePoints, PointsOperationResponse>(binder, Points, nameof(Delete));
        Bind<GetPoints, GetResponse>(binder, Points, nameof(Get));
        Bind<QueryPoints, QueryResponse>(binder, Points, nameof(Query));
        Bind<ScrollPoints, ScrollResponse>(binder, Points, nameof(Scroll));
        Bind<CountPoints, CountResponse>(binder, Points, nameof(Count));
        Bind<CreateFieldIndexCollection, PointsOperationResponse>(binder, Points, nameof(CreateFieldIndex));
        Bind<UpdateCollection, CollectionOperationResponse>(binder, Collections, nameof(Update));
        Bind<ChangeAliases, CollectionOperationResponse>(binder, Collections, nameof(UpdateAliases));
        Bind<ListAliasesRequest, ListAliasesResponse>(binder, Collections, nameof(ListAliases));
        Bind<ListCollectionAliasesRequest, ListAliasesResponse>(binder, Collections, nameof(ListCollectionAliases));
    }

    private static void Bind<TRequest, TResponse>(ServiceBinderBase binder, string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, service, name,
            Marshallers.Create(m => m.ToByteArray(), new MessageParser<TRequest>(() => new TRequest()).ParseFrom),
            Marshallers.Create(m => m.ToByteArray(), new MessageParser<TResponse>(() => new TResponse()).ParseFrom));
        binder.AddMethod(method, (UnaryServerMethod<TRequest, TResponse>?)null);
    }

    // ---- qdrant.Qdrant ----

    public virtual Task<HealthCheckReply> HealthCheck(HealthCheckRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthCheckReply { Title = "qdrant TEST DOUBLE (FaceVector tests)", Version = "0.0.0-double" });

    // ---- qdrant.Collections ----

    public virtual Task<CollectionOperationResponse> Create(CreateCollection request, ServerCallContext context)
    {
        Enter(request.CollectionName, nameof(Create), request);
        // Named vectors and other distances can be created and described (an adapter must refuse them clearly),
        // but any point operation on such a collection answers Unimplemented (DoubleCollection.CheckDimension).
        var vectors = request.VectorsConfig?.ConfigCase == VectorsConfig.ConfigOneofCase.ParamsMap
            ? request.VectorsConfig.ParamsMap.Map.Values.First()
            : request.VectorsConfig?.Params ?? throw Unsupported("collections without dense vectors");
        if (vectors.HnswConfig is not null || vectors.QuantizationConfig is not null || vectors.HasDatatype || vectors.MultivectorConfig is not null)
            throw Unsupported("per-vector HNSW, quantisation, datatype or multivector settings");
        if (request.SparseVectorsConfig is not null) throw Unsupported("sparse vectors");
        if (request.HasShardingMethod && request.ShardingMethod != ShardingMethod.Auto) throw Unsupported("custom sharding");
        if (request.WalConfig is not null || request.StrictModeConfig is not null)
            throw Unsupported("WAL or strict-mode settings");
        if (request.QuantizationConfig is { } q && (q.QuantizationCase != QuantizationConfig.QuantizationOneofCase.Scalar || q.Scalar.Type != QuantizationType.Int8 || q.Scalar.HasQuantile))
            throw Unsupported("quantisation other than int8 scalar quantisation with the default quantile");
        var collection = new DoubleCollection(request);
        lock (_aliasLock)
        {
            if (_aliases.ContainsKey(request.CollectionName))
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"Wrong input: Can't create collection with name {request.CollectionName}. Alias with the same name already exists"));
        }
        if (!_collections.TryAdd(request.CollectionName, collection))
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"Wrong input: Collection `{request.CollectionName}` already exists!"));
        return Task.FromResult(new CollectionOperationResponse { Result = true });
    }

    public virtual Task<GetCollectionInfoResponse> Get(GetCollectionInfoRequest request, ServerCallContext context)
    {
        Enter(request.CollectionName, "GetCollectionInfo", request);
        var collection = Find(request.CollectionName);
        return Task.FromResult(new GetCollectionInfoResponse { Result = collection.Info() });
    }

    public virtual Task<ListCollectionsResponse> List(ListCollectionsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListCollectionsResponse { Collections = { _collections.Keys.Select(n => new CollectionDescription { Name = n }) } });

    /// <summary>By the collection's own name (an alias is not followed); its aliases go with it.</summary>
    public virtual Task<CollectionOperationResponse> Delete(DeleteCollection request, ServerCallContext context)
    {
        lock (_aliasLock)
        {
            foreach (var alias in _aliases.Where(a => a.Value == request.CollectionName).Select(a => a.Key).ToList()) _aliases.Remove(alias);
            return Task.FromResult(new CollectionOperationResponse { Result = _collections.TryRemove(request.CollectionName, out _) });
        }
    }

    public virtual Task<CollectionExistsResponse> CollectionExists(CollectionExistsRequest request, ServerCallContext context)
    {
        Enter(request.CollectionName, nameof(CollectionExists), request);
        return Task.FromResult(new CollectionExistsResponse { Result = new CollectionExists { Exists = _collections.ContainsKey(Resolve(request.CollectionName)) } });
    }

    public virtual Task<CollectionOperationResponse> UpdateAliases(ChangeAliases request, ServerCallContext context)
    {
        Enter(string.Empty, nameof(UpdateAliases), request);
        lock (_aliasLock)
        {
            foreach (var action in request.Actions)
            {
                switch (action.ActionCase)
                {
                    case AliasOperations.ActionOneofCase.CreateAlias:
                        var create = action.CreateAlias;
                        if (!_collections.ContainsKey(create.CollectionName))
                            throw new RpcException(new Status(StatusCode.NotFound, $"Not found: Collection `{create.CollectionName}` doesn't exist!"));
                        if (_collections.ContainsKey(create.AliasName))
                            throw new RpcException(new Status(StatusCode.AlreadyExists, $"Wrong input: Collection `{create.AliasName}` already exists!"));
                        _aliases[create.AliasName] = create.CollectionName;
                        break;
                    case AliasOperations.ActionOneofCase.DeleteAlias:
                        _aliases.Remove(action.DeleteAlias.AliasName);
                        break;
                    case AliasOperations.ActionOneofCase.RenameAlias:
                        var rename = action.RenameAlias;
                        if (!_aliases.Remove(rename.OldAliasName, out var target))
                            throw new RpcException(new Status(StatusCode.NotFound, $"Not found: Alias {rename.OldAliasName} does not exists!"));
                        _aliases[rename.NewAliasName] = target;
                        break;
                    default:
                        throw Unsupported("alias actions other than create, delete and rename");
                }
            }
        }
        return Task.FromResult(new CollectionOperationResponse { Result = true });
    }

    public virtual Task<ListAliasesResponse> ListAliases(ListAliasesRequest request, ServerCallContext context)
    {
        lock (_aliasLock)
        {
            return Task.FromResult(new ListAliasesResponse { Aliases = { _aliases.Select(a => new AliasDescription { AliasName = a.Key, CollectionName = a.Value }) } });
        }
    }

    public virtual Task<ListAliasesResponse> ListCollectionAliases(ListCollectionAliasesRequest request, ServerCallContext context)
    {
        lock (_aliasLock)
        {
            return Task.FromResult(new ListAliasesResponse
            {
                Aliases = { _aliases.Where(a => a.Value == request.CollectionName).Select(a => new AliasDescription { AliasName = a.Key, CollectionName = a.Value }) },
            });
        }
    }

    /// <summary>An alias's collection, else the name itself (Qdrant's resolve_name: aliases first).</summary>
    private string Resolve(string name)
    {
        lock (_aliasLock)
        {
            return _aliases.TryGetValue(name, out var collection) ? collection : name;
        }
    }

    /// <summary>Only metadata is modelled (merged key by key, as Qdrant does); any other change answers Unimplemented.</summary>
    public virtual Task<CollectionOperationResponse> Update(UpdateCollection request, ServerCallContext context)
    {
        Enter(request.CollectionName, nameof(Update), request);
        if (request.OptimizersConfig is not null || request.Params is not null || request.HnswConfig is not null || request.VectorsConfig is not null
            || request.QuantizationConfig is not null || request.SparseVectorsConfig is not null || request.StrictModeConfig is not null)
            throw Unsupported("collection updates other than metadata");
        var collection = Find(request.CollectionName);
        foreach (var (key, value) in request.Metadata) collection.Metadata[key] = value;
        return Task.FromResult(new CollectionOperationResponse { Result = true });
    }

    // ---- qdrant.Points ----

    public virtual Task<PointsOperationResponse> Upsert(UpsertPoints request, ServerCallContext context)
    {
        var status = Enter(request.CollectionName, nameof(Upsert), request);
        if (request.UpdateFilter is not null) throw Unsupported("conditional upsert");
        CheckWrite(request.Ordering, request.ShardKeySelector);
        Find(request.CollectionName).Upsert(request.Points);
        return Answer(request.HasWait && request.Wait, status);
    }

    public virtual Task<PointsOperationResponse> Delete(DeletePoints request, ServerCallContext context)
    {
        var status = Enter(request.CollectionName, nameof(Delete), request);
        CheckWrite(request.Ordering, request.ShardKeySelector);
        var collection = Find(request.CollectionName);
        switch (request.Points.PointsSelectorOneOfCase)
        {
            case PointsSelector.PointsSelectorOneOfOneofCase.Points:
                collection.Delete(request.Points.Points.Ids);
                break;
            case PointsSelector.PointsSelectorOneOfOneofCase.Filter:
                collection.Delete(request.Points.Filter);
                break;
            default:
                throw Unsupported("a delete without ids or filter");
        }
        return Answer(request.HasWait && request.Wait, status);
    }

    public virtual Task<GetResponse> Get(GetPoints request, ServerCallContext context)
    {
        Enter(request.CollectionName, "GetPoints", request);
        CheckRead(request.ReadConsistency, request.ShardKeySelector);
        var found = Find(request.CollectionName).Get(request.Ids, Payload(request.WithPayload, defaultValue: false), Vectors(request.WithVectors));
        return Task.FromResult(new GetResponse { Result = { found } });
    }

    public virtual Task<QueryResponse> Query(QueryPoints request, ServerCallContext context)
    {
        Enter(request.CollectionName, nameof(Query), request);
        CheckRead(request.ReadConsistency, request.ShardKeySelector);
        if (request.HasUsing || request.LookupFrom is not null) throw Unsupported("named vectors (using, lookup_from)");
        if (request.Params is { } p && (p.HasIndexedOnly || p.Acorn is not null))
            throw Unsupported("search params indexed_only or acorn");
        if (request.Prefetch.Count > 0 || request.Query?.VariantCase != global::Qdrant.Client.Grpc.Query.VariantOneofCase.Nearest)
            throw Unsupported("queries other than a plain nearest-vector query");
        var hits = Find(request.CollectionName).Nearest(DenseData(request.Query.Nearest), request.Filter,
            request.HasScoreThreshold ? request.ScoreThreshold : null, request.HasLimit ? (int)request.Limit : 10,
            request.HasOffset ? (int)request.Offset : 0, Payload(request.WithPayload, defaultValue: false), Vectors(request.WithVectors), request.Params);
        return Task.FromResult(new QueryResponse { Result = { hits } });
    }

    public virtual Task<ScrollResponse> Scroll(ScrollPoints request, ServerCallContext context)
    {
        Enter(request.CollectionName, nameof(Scroll), request);
        CheckRead(request.ReadConsistency, request.ShardKeySelector);
        if (request.OrderBy is not null) throw Unsupported("scroll with order_by");
        var (page, next) = Find(request.CollectionName).Scroll(request.Filter, request.Offset, request.HasLimit ? (int)request.Limit : 10,
            Payload(request.WithPayload, defaultValue: true), Vectors(request.WithVectors));
        var response = new ScrollResponse { Result = { page } };
        if (next is not null) response.NextPageOffset = next;
        return Task.FromResult(response);
    }

    public virtual Task<CountResponse> Count(CountPoints request, ServerCallContext context)
    {
        Enter(request.CollectionName, nameof(Count), request);
        CheckRead(request.ReadConsistency, request.ShardKeySelector);
        // Qdrant's default is an approximate count; the double only counts exactly, so it refuses to pretend otherwise.
        if (!(request.HasExact && request.Exact)) throw Unsupported("approximate counts (exact = false or unset)");
        return Task.FromResult(new CountResponse { Result = new CountResult { Count = (ulong)Find(request.CollectionName).Count(request.Filter) } });
    }

    public virtual Task<PointsOperationResponse> CreateFieldIndex(CreateFieldIndexCollection request, ServerCallContext context)
    {
        var status = Enter(request.CollectionName, nameof(CreateFieldIndex), request);
        CheckWrite(request.Ordering, null);
        if (request.FieldIndexParams is not null) throw Unsupported("payload index parameters");
        Find(request.CollectionName).IndexedFields[request.FieldName] = request.FieldType;
        return Answer(request.HasWait && request.Wait, status);
    }

    private DoubleCollection Find(string name) =>
        _collections.TryGetValue(Resolve(name), out var collection)
            ? collection
            : throw new RpcException(new Status(StatusCode.NotFound, $"Not found: Collection `{name}` doesn't exist!"));

    /// <summary>Completed when the caller waited, Acknowledged when it did not (Qdrant's answers), unless a fault says otherwise.</summary>
    private static Task<PointsOperationResponse> Answer(bool waited, UpdateStatus status) =>
        Task.FromResult(new PointsOperationResponse { Result = new UpdateResult { Status = status == UpdateStatus.Completed && !waited ? UpdateStatus.Acknowledged : status } });

    private static void CheckRead(ReadConsistency? consistency, ShardKeySelector? shardKey)
    {
        if (consistency is not null) throw Unsupported("read consistency (one replica holds everything here)");
        if (shardKey is not null) throw Unsupported("shard key selectors");
    }

    private static void CheckWrite(WriteOrdering? ordering, ShardKeySelector? shardKey)
    {
        if (ordering is not null && ordering.Type != WriteOrderingType.Weak) throw Unsupported($"write ordering {ordering.Type}");
        if (shardKey is not null) throw Unsupported("shard key selectors");
    }

    private static bool Payload(WithPayloadSelector? selector, bool defaultValue) =>
        selector is null ? defaultValue
        : selector.SelectorOptionsCase == WithPayloadSelector.SelectorOptionsOneofCase.Enable ? selector.Enable
        : throw Unsupported("payload include/exclude lists");

    private static bool Vectors(WithVectorsSelector? selector) =>
        selector is null ? false
        : selector.SelectorOptionsCase == WithVectorsSelector.SelectorOptionsOneofCase.Enable ? selector.Enable
        : throw Unsupported("named vector selection");

    // The deprecated flat `data` field is what older clients send; the typed `dense` field is the current one.
#pragma warning disable CS0612
    internal static float[] DenseData(Vector vector) => vector.Dense is { } dense ? [.. dense.Data] : [.. vector.Data];
    private static float[] DenseData(VectorInput input) =>
        input.VariantCase == VectorInput.VariantOneofCase.Dense ? [.. input.Dense.Data] : throw Unsupported("query inputs other than a dense vector");
#pragma warning restore CS0612

    internal static RpcException Unsupported(string what) =>
        new(new Status(StatusCode.Unimplemented, $"The Qdrant TEST DOUBLE does not model {what}."));
}
