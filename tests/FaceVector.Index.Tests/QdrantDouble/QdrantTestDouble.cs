using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Tests.QdrantDouble;

/// <summary>
/// A TEST DOUBLE of Qdrant's gRPC API, NOT Qdrant: an in-memory stand-in that models exactly the calls and semantics
/// FaceVector's adapter relies on (qdrant-notes.md): cosine vectors normalised on upsert, score = dot product,
/// score_threshold strictly greater, Qdrant's error codes and messages for a missing collection, an existing collection
/// and a wrong vector size, keyword/integer filters with must/should/must_not. Every other RPC answers Unimplemented
/// (ASP.NET Core gRPC does that for unbound methods), and unsupported request options fail loudly, so a gap shows up
/// as a failing test rather than a silent pass. Passing against it does not prove compatibility with a real server:
/// that is what the QDRANT_URL-gated tests are for.
/// </summary>
[BindServiceMethod(typeof(QdrantTestDouble), nameof(BindService))]
public class QdrantTestDouble
{
    private const string Points = "qdrant.Points";
    private const string Collections = "qdrant.Collections";

    private readonly ConcurrentDictionary<string, DoubleCollection> _collections = new();

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
        var vectors = request.VectorsConfig?.Params ?? throw Unsupported("collections without one unnamed dense vector");
        if (vectors.Distance != Distance.Cosine) throw Unsupported($"distance {vectors.Distance}");
        var collection = new DoubleCollection(request);
        if (!_collections.TryAdd(request.CollectionName, collection))
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"Wrong input: Collection `{request.CollectionName}` already exists!"));
        return Task.FromResult(new CollectionOperationResponse { Result = true });
    }

    public virtual Task<GetCollectionInfoResponse> Get(GetCollectionInfoRequest request, ServerCallContext context)
    {
        var collection = Find(request.CollectionName);
        return Task.FromResult(new GetCollectionInfoResponse { Result = collection.Info() });
    }

    public virtual Task<ListCollectionsResponse> List(ListCollectionsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListCollectionsResponse { Collections = { _collections.Keys.Select(n => new CollectionDescription { Name = n }) } });

    public virtual Task<CollectionOperationResponse> Delete(DeleteCollection request, ServerCallContext context) =>
        Task.FromResult(new CollectionOperationResponse { Result = _collections.TryRemove(request.CollectionName, out _) });

    public virtual Task<CollectionExistsResponse> CollectionExists(CollectionExistsRequest request, ServerCallContext context) =>
        Task.FromResult(new CollectionExistsResponse { Result = new CollectionExists { Exists = _collections.ContainsKey(request.CollectionName) } });

    // ---- qdrant.Points ----

    public virtual Task<PointsOperationResponse> Upsert(UpsertPoints request, ServerCallContext context)
    {
        if (request.UpdateFilter is not null) throw Unsupported("conditional upsert");
        Find(request.CollectionName).Upsert(request.Points);
        return Completed();
    }

    public virtual Task<PointsOperationResponse> Delete(DeletePoints request, ServerCallContext context)
    {
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
        return Completed();
    }

    public virtual Task<GetResponse> Get(GetPoints request, ServerCallContext context)
    {
        var found = Find(request.CollectionName).Get(request.Ids, Payload(request.WithPayload, defaultValue: false), Vectors(request.WithVectors));
        return Task.FromResult(new GetResponse { Result = { found } });
    }

    public virtual Task<QueryResponse> Query(QueryPoints request, ServerCallContext context)
    {
        if (request.Prefetch.Count > 0 || request.Query?.VariantCase != global::Qdrant.Client.Grpc.Query.VariantOneofCase.Nearest)
            throw Unsupported("queries other than a plain nearest-vector query");
        var hits = Find(request.CollectionName).Nearest(DenseData(request.Query.Nearest), request.Filter,
            request.HasScoreThreshold ? request.ScoreThreshold : null, request.HasLimit ? (int)request.Limit : 10,
            request.HasOffset ? (int)request.Offset : 0, Payload(request.WithPayload, defaultValue: false), Vectors(request.WithVectors));
        return Task.FromResult(new QueryResponse { Result = { hits } });
    }

    public virtual Task<ScrollResponse> Scroll(ScrollPoints request, ServerCallContext context)
    {
        if (request.OrderBy is not null) throw Unsupported("scroll with order_by");
        var (page, next) = Find(request.CollectionName).Scroll(request.Filter, request.Offset, request.HasLimit ? (int)request.Limit : 10,
            Payload(request.WithPayload, defaultValue: true), Vectors(request.WithVectors));
        var response = new ScrollResponse { Result = { page } };
        if (next is not null) response.NextPageOffset = next;
        return Task.FromResult(response);
    }

    public virtual Task<CountResponse> Count(CountPoints request, ServerCallContext context) =>
        Task.FromResult(new CountResponse { Result = new CountResult { Count = (ulong)Find(request.CollectionName).Count(request.Filter) } });

    public virtual Task<PointsOperationResponse> CreateFieldIndex(CreateFieldIndexCollection request, ServerCallContext context)
    {
        Find(request.CollectionName).IndexedFields[request.FieldName] = request.FieldType;
        return Completed();
    }

    private DoubleCollection Find(string name) =>
        _collections.TryGetValue(name, out var collection)
            ? collection
            : throw new RpcException(new Status(StatusCode.NotFound, $"Not found: Collection `{name}` doesn't exist!"));

    private static Task<PointsOperationResponse> Completed() =>
        Task.FromResult(new PointsOperationResponse { Result = new UpdateResult { Status = UpdateStatus.Completed } });

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
