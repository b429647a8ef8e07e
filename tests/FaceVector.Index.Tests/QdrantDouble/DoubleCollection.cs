using System.Numerics.Tensors;
using Google.Protobuf.Collections;
using Grpc.Core;
using Qdrant.Client.Grpc;

namespace FaceVector.Index.Tests.QdrantDouble;

/// <summary>
/// One collection of the Qdrant TEST DOUBLE: points in memory, exact cosine scan, Qdrant's filter rules. Once marked
/// indexed (<see cref="Indexed"/>), a collection with int8 scalar quantisation scores with int8 codes like an indexed
/// Qdrant segment does, unless the query asks for rescore (or ignore/exact); points_count, like Qdrant's, is approximate
/// (deleted points stay counted until the collection is "optimised", which the double never does).
/// </summary>
internal sealed class DoubleCollection(CreateCollection spec)
{
    private readonly Lock _lock = new();
    private long _deletedNotVacuumed;
    // Keyed by the UUID's text: ordinal order of that text is Qdrant's order of UUID point ids (scroll pages).
    private readonly SortedDictionary<string, (float[] Vector, MapField<string, Value> Payload)> _points = new(StringComparer.Ordinal);

    public Dictionary<string, FieldType> IndexedFields { get; } = [];

    /// <summary>Metadata as created, plus whatever UpdateCollection merged in.</summary>
    public Google.Protobuf.Collections.MapField<string, Value> Metadata { get; } = new() { spec.Metadata };

    /// <summary>As if Qdrant had built its index: quantised collections then search on int8 codes unless asked to rescore.</summary>
    public bool Indexed { get; set; }

    private bool Quantized => spec.QuantizationConfig is not null;

    private int Dimension => (int)(spec.VectorsConfig.Params?.Size ?? 0);

    public global::Qdrant.Client.Grpc.CollectionInfo Info()
    {
        lock (_lock)
        {
            return new global::Qdrant.Client.Grpc.CollectionInfo
            {
                Status = CollectionStatus.Green,
                PointsCount = (ulong)(_points.Count + _deletedNotVacuumed),
                PayloadSchema = { IndexedFields.ToDictionary(f => f.Key, f => new PayloadSchemaInfo { DataType = Enum.Parse<PayloadSchemaType>(f.Value.ToString()) }) },
                Config = new CollectionConfig
                {
                    Params = new CollectionParams
                    {
                        VectorsConfig = spec.VectorsConfig,
                        ShardNumber = spec.ShardNumber,
                        ReplicationFactor = spec.ReplicationFactor,
                        WriteConsistencyFactor = spec.WriteConsistencyFactor,
                    },
                    HnswConfig = new HnswConfigDiff(spec.HnswConfig ?? new HnswConfigDiff()),
                    OptimizerConfig = new OptimizersConfigDiff(spec.OptimizersConfig ?? new OptimizersConfigDiff()),
                    WalConfig = new WalConfigDiff(),
                    QuantizationConfig = spec.QuantizationConfig,
                    Metadata = { Metadata },
                },
            };
        }
    }

    public void Upsert(IEnumerable<PointStruct> points)
    {
        var prepared = points.Select(p => (Key: Key(p.Id), Vector: Normalized(QdrantTestDouble.DenseData(p.Vectors.Vector)), p.Payload)).ToList();
        lock (_lock)
        {
            foreach (var (key, vector, payload) in prepared) _points[key] = (vector, new MapField<string, Value> { payload });
        }
    }

    public void Delete(IEnumerable<PointId> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids) _deletedNotVacuumed += _points.Remove(Key(id)) ? 1 : 0;
        }
    }

    public void Delete(Filter filter)
    {
        lock (_lock)
        {
            foreach (var key in _points.Where(p => Matches(filter, p.Key, p.Value.Payload)).Select(p => p.Key).ToList()) _deletedNotVacuumed += _points.Remove(key) ? 1 : 0;
        }
    }

    public IEnumerable<RetrievedPoint> Get(IEnumerable<PointId> ids, bool withPayload, bool withVectors)
    {
        lock (_lock)
        {
            return [.. ids.Select(Key).Distinct().Where(_points.ContainsKey).Select(k => Retrieved(k, withPayload, withVectors))];
        }
    }

    public IEnumerable<ScoredPoint> Nearest(float[] query, Filter? filter, float? threshold, int limit, int offset, bool withPayload, bool withVectors, SearchParams? searchParams = null)
    {
        CheckDimension(query.Length);
        var unit = Normalized(query);
        var quantization = searchParams?.Quantization;
        var approximate = Indexed && Quantized && searchParams?.Exact != true && quantization?.Ignore != true;
        var rescore = approximate && quantization?.Rescore == true;
        lock (_lock)
        {
            var candidates = _points.Where(p => Matches(filter, p.Key, p.Value.Payload));
            IEnumerable<(string Key, float Score)> scored;
            if (!approximate)
            {
                scored = candidates.Select(p => (p.Key, Score: TensorPrimitives.Dot(unit, p.Value.Vector)));
            }
            else
            {
                // Int8 codes of query and points (one scale for the whole collection), as an indexed quantised segment scores.
                var scale = _points.Values.Max(p => TensorPrimitives.MaxMagnitude(p.Vector)) / 127f;
                var codedQuery = Int8(unit, scale);
                var approx = candidates.Select(p => (p.Key, Score: TensorPrimitives.Dot(codedQuery, Int8(p.Value.Vector, scale)))).ToList();
                if (rescore)
                {
                    // Qdrant: take limit x oversampling candidates by the codes, then score those with the original vectors.
                    var take = (int)Math.Ceiling((offset + limit) * Math.Max(1.0, quantization!.HasOversampling ? quantization.Oversampling : 1.0));
                    approx = [.. approx.OrderByDescending(h => h.Score).Take(take).Select(h => (h.Key, TensorPrimitives.Dot(unit, _points[h.Key].Vector)))];
                }
                scored = approx;
            }
            return [.. scored
                .Where(h => threshold is not { } t || h.Score > t) // Qdrant keeps only scores strictly above the threshold
                .OrderByDescending(h => h.Score)
                .Skip(offset)
                .Take(limit)
                .Select(h =>
                {
                    var point = Retrieved(h.Key, withPayload, withVectors);
                    var scored = new ScoredPoint { Id = point.Id, Score = h.Score, Payload = { point.Payload } };
                    if (withVectors) scored.Vectors = point.Vectors;
                    return scored;
                })];
        }
    }

    public (IEnumerable<RetrievedPoint> Page, PointId? Next) Scroll(Filter? filter, PointId? offset, int limit, bool withPayload, bool withVectors)
    {
        lock (_lock)
        {
            var from = offset is null ? "" : Key(offset);
            var keys = _points.Where(p => string.CompareOrdinal(p.Key, from) >= 0 && Matches(filter, p.Key, p.Value.Payload))
                .Select(p => p.Key).Take(limit + 1).ToList();
            var page = keys.Take(limit).Select(k => Retrieved(k, withPayload, withVectors)).ToList();
            return (page, keys.Count > limit ? new PointId { Uuid = keys[limit] } : null);
        }
    }

    public long Count(Filter? filter)
    {
        lock (_lock)
        {
            return _points.Count(p => Matches(filter, p.Key, p.Value.Payload));
        }
    }

    /// <summary>Each component rounded to the nearest of 255 levels and mapped back: what int8 codes keep of a vector.</summary>
    private static float[] Int8(float[] vector, float scale) => [.. vector.Select(v => MathF.Round(Math.Clamp(v / scale, -127f, 127f)) * scale)];

    private RetrievedPoint Retrieved(string key, bool withPayload, bool withVectors)
    {
        var (vector, payload) = _points[key];
        var point = new RetrievedPoint { Id = new PointId { Uuid = key } };
        if (withPayload) point.Payload.Add(payload);
        if (withVectors) point.Vectors = new VectorsOutput { Vector = new VectorOutput { Dense = new DenseVector { Data = { vector } } } };
        return point;
    }

    private float[] Normalized(float[] vector)
    {
        CheckDimension(vector.Length);
        var norm = TensorPrimitives.Norm(vector);
        return norm > 0 ? [.. vector.Select(v => v / norm)] : vector;
    }

    private void CheckDimension(int length)
    {
        if (spec.VectorsConfig.ConfigCase != VectorsConfig.ConfigOneofCase.Params || spec.VectorsConfig.Params.Distance != Distance.Cosine)
            throw QdrantTestDouble.Unsupported("points in collections with named vectors or a distance other than cosine");
        if (length != Dimension)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Wrong input: Vector dimension error: expected dim: {Dimension}, got {length}"));
    }

    private static string Key(PointId id) => id.PointIdOptionsCase == PointId.PointIdOptionsOneofCase.Uuid
        ? Guid.Parse(id.Uuid).ToString("D")
        : throw QdrantTestDouble.Unsupported("numeric point ids");

    // ---- filters: must (all), should (at least one, if any), must_not (none) ----

    private static bool Matches(Filter? filter, string key, MapField<string, Value> payload)
    {
        if (filter is null) return true;
        if (filter.MinShould is not null) throw QdrantTestDouble.Unsupported("min_should");
        return filter.Must.All(c => Matches(c, key, payload))
            && (filter.Should.Count == 0 || filter.Should.Any(c => Matches(c, key, payload)))
            && !filter.MustNot.Any(c => Matches(c, key, payload));
    }

    private static bool Matches(Condition condition, string key, MapField<string, Value> payload) => condition.ConditionOneOfCase switch
    {
        Condition.ConditionOneOfOneofCase.Field => Matches(condition.Field, payload),
        Condition.ConditionOneOfOneofCase.Filter => Matches(condition.Filter, key, payload),
        Condition.ConditionOneOfOneofCase.HasId => condition.HasId.HasId.Any(id => Key(id) == key),
        var other => throw QdrantTestDouble.Unsupported($"{other} conditions"),
    };

    /// <summary>A field condition holds when any value of the field (a list matches element-wise) matches.</summary>
    private static bool Matches(FieldCondition field, MapField<string, Value> payload)
    {
        if (field.Match is null) throw QdrantTestDouble.Unsupported("field conditions other than match");
        if (!payload.TryGetValue(field.Key, out var value)) return false;
        var values = value.KindCase == Value.KindOneofCase.ListValue ? value.ListValue.Values : [value];
        return values.Any(v => field.Match.MatchValueCase switch
        {
            Match.MatchValueOneofCase.Keyword => v.KindCase == Value.KindOneofCase.StringValue && v.StringValue == field.Match.Keyword,
            Match.MatchValueOneofCase.Keywords => v.KindCase == Value.KindOneofCase.StringValue && field.Match.Keywords.Strings.Contains(v.StringValue),
            Match.MatchValueOneofCase.Integer => v.KindCase == Value.KindOneofCase.IntegerValue && v.IntegerValue == field.Match.Integer,
            Match.MatchValueOneofCase.Boolean => v.KindCase == Value.KindOneofCase.BoolValue && v.BoolValue == field.Match.Boolean,
            var other => throw QdrantTestDouble.Unsupported($"match {other}"),
        });
    }
}
