using System.Numerics.Tensors;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.People.Storage;

namespace FaceVector.People.Tests;

/// <summary>
/// Seeded synthetic faces in an embedded store: identity centres in 512-d with faces scattered around them so that
/// same-identity pairs score about 0.55 and strangers about 0, like ArcFace embeddings.
/// </summary>
internal sealed class SyntheticFaces : IAsyncDisposable
{
    public const string Model = "w600k_mbf_int8@test";
    public const float Threshold = 0.33f;
    private readonly Random _random = new(11);
    private readonly Dictionary<int, float[]> _centres = [];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"people-tests-{Guid.NewGuid():N}");
    private int _photos;

    public SyntheticFaces(PeopleOptions? options = null, Func<SqliteFaceIndex, IFaceIndex>? wrap = null)
    {
        Directory.CreateDirectory(_directory);
        DbPath = Path.Combine(_directory, "faces.db");
        Embedded = new SqliteFaceIndex(DbPath);
        Embedded.EnsureCollectionAsync(new CollectionSpec(512, Model)).GetAwaiter().GetResult();
        Index = wrap?.Invoke(Embedded) ?? Embedded;
        Store = new PeopleStore(DbPath, Embedded.Collection);
        People = new PeopleService(Index, Store, options ?? new PeopleOptions { LinkThreshold = Threshold, MinFaceSize = 20 });
    }

    public string DbPath { get; }
    public SqliteFaceIndex Embedded { get; }
    public IFaceIndex Index { get; }
    public PeopleStore Store { get; }
    public PeopleService People { get; }
    public Dictionary<Guid, int> Identity { get; } = [];

    /// <summary>Adds <paramref name="count"/> photos of one identity (one face each); returns their face ids.</summary>
    public async Task<List<Guid>> AddAsync(int identity, int count, float boxSize = 100)
    {
        var points = Enumerable.Range(0, count).Select(_ => Face(identity, boxSize)).ToList();
        await Embedded.UpsertAsync(points);
        return [.. points.Select(p => p.Id)];
    }

    public FacePoint Face(int identity, float boxSize = 100)
    {
        if (!_centres.TryGetValue(identity, out var centre)) _centres[identity] = centre = Unit(Gaussian(1));
        var v = Gaussian(0.04f);
        TensorPrimitives.Add(v, centre, v);
        var n = _photos++;
        var id = Guid.NewGuid();
        Identity[id] = identity;
        return new FacePoint(id, new FacePayload
        {
            ImagePath = $"/photos/{identity}/{n}.jpg",
            ImageHash = n.ToString("x64", System.Globalization.CultureInfo.InvariantCulture),
            FaceIndex = 0,
            Box = new FaceBox(0, 0, boxSize, boxSize),
            DetectionScore = 0.9f,
            Keypoints = new float[10],
            ModelId = Model,
            IngestedAt = DateTimeOffset.UtcNow,
        }, Unit(v));
    }

    public long? PersonOf(Guid face) => Store.Faces().TryGetValue(face, out var f) ? f.PersonId : null;

    /// <summary>The single person holding all these faces (fails when they are split or unassigned).</summary>
    public long PersonOfAll(IEnumerable<Guid> faces)
    {
        var persons = faces.Select(PersonOf).Distinct().ToList();
        Assert.Single(persons);
        Assert.NotNull(persons[0]);
        return persons[0]!.Value;
    }

    private float[] Gaussian(float sigma)
    {
        var v = new float[512];
        for (var i = 0; i < v.Length; i++)
        {
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            v[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return v;
    }

    private static float[] Unit(float[] v)
    {
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }

    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await Embedded.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
