using System.Diagnostics;
using System.Numerics.Tensors;
using FaceVector.Index;
using FaceVector.Index.Embedded;
using FaceVector.People.Storage;

namespace FaceVector.People;

/// <summary>What <c>facevector bench people</c> measured.</summary>
/// <param name="SearchPerFace">Baseline: one exact search of the whole collection (what one face of a kNN graph costs when asked one at a time).</param>
/// <param name="Graph">The batched kNN graph of all faces inside the store.</param>
/// <param name="GraphRecall">Share of the exact k nearest neighbours (score ≥ threshold) of sampled faces that the batched graph holds.</param>
/// <param name="FullCluster">A full clustering run: listing, graph, clustering, writing the people.</param>
/// <param name="IncrementalOne">The ingest hook after adding one photo (the fixed cost of a run).</param>
/// <param name="IncrementalMany">The ingest hook after adding <see cref="ManyPhotos"/> photos.</param>
public sealed record PeopleBenchmarkResult(int Faces, int Identities, int Neighbours, float Threshold, TimeSpan SearchPerFace, TimeSpan Graph, double GraphRecall,
    TimeSpan FullCluster, int People, TimeSpan IncrementalOne, TimeSpan IncrementalMany, int ManyPhotos, IReadOnlyList<(int Identity, long? Person)> Labels)
{
    /// <summary>An incremental run that lists the index to find new and deleted faces (<c>people cluster</c>), with nothing new.</summary>
    public TimeSpan CatchUp { get; init; }

    public TimeSpan PerAddedPhoto => (IncrementalMany - IncrementalOne) / Math.Max(1, ManyPhotos - 1);
}

/// <summary>
/// Clustering speed on synthetic faces: unit identity centres in 512-d and faces scattered around them so that
/// same-identity pairs score about 0.55 and different ones about 0 (like ArcFace embeddings), in an embedded store.
/// </summary>
public static class PeopleBenchmark
{
    public const int Dimension = 512;
    private const string Model = "synthetic@000000000000";

    public static async Task<PeopleBenchmarkResult> RunAsync(int faces, int facesPerIdentity, float threshold, string workDirectory, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(faces, 100);
        Directory.CreateDirectory(workDirectory);
        var path = Path.Combine(workDirectory, $"people-bench-{Guid.NewGuid():N}.db");
        var random = new Random(7);
        var identities = Math.Max(1, faces / facesPerIdentity);
        var centres = Enumerable.Range(0, identities + 200).Select(_ => Unit(Gaussian(random, 1f))).ToArray();
        var labels = new Dictionary<Guid, int>();
        var photo = 0;
        FacePoint Face(int identity)
        {
            var noise = Gaussian(random, 0.04f);
            TensorPrimitives.Add(noise, centres[identity], noise);
            var id = Guid.NewGuid();
            labels[id] = identity;
            var n = photo++;
            return new FacePoint(id, new FacePayload
            {
                ImagePath = $"/synthetic/{identity}/{n}.jpg",
                ImageHash = n.ToString("x64", System.Globalization.CultureInfo.InvariantCulture),
                FaceIndex = 0,
                Box = new FaceBox(0, 0, 100, 100),
                DetectionScore = 0.9f,
                Keypoints = new float[10],
                ModelId = Model,
                IngestedAt = DateTimeOffset.UtcNow,
            }, Unit(noise));
        }

        try
        {
            await using var index = new SqliteFaceIndex(path);
            await index.EnsureCollectionAsync(new CollectionSpec(Dimension, Model), ct);
            log?.Invoke($"writing {faces} synthetic faces of {identities} identities");
            // Identity sizes vary from 1 to 2×mean-1, as in a photo library (many people seen once, a few often).
            var written = 0;
            var batch = new List<FacePoint>();
            while (written < faces)
            {
                var identity = random.Next(identities);
                var size = Math.Min(faces - written, 1 + random.Next(2 * facesPerIdentity - 1));
                for (var i = 0; i < size; i++) batch.Add(Face(identity));
                written += size;
                if (batch.Count >= 5000) { await index.UpsertAsync(batch, ct); batch.Clear(); }
            }
            await index.UpsertAsync(batch, ct);

            var options = new PeopleOptions { LinkThreshold = threshold, MinFaceSize = 0 };
            var ids = labels.Keys.ToList();
            var sample = ids.OrderBy(_ => random.Next()).Take(100).ToList();
            var sampleVectors = await index.GetAsync(sample, withVectors: true, ct);

            log?.Invoke("baseline: one exact search per face (100 faces)");
            var exact = new Dictionary<Guid, HashSet<Guid>>();
            var clock = Stopwatch.StartNew();
            foreach (var point in sampleVectors)
            {
                var hits = await index.SearchAsync(new FaceQuery(point.Vector!, Model, options.Neighbours + 1, MathF.BitDecrement(threshold)), ct);
                exact[point.Id] = [.. hits.Where(h => h.Id != point.Id).Take(options.Neighbours).Select(h => h.Id)];
            }
            var searchPerFace = clock.Elapsed / sampleVectors.Count;

            log?.Invoke("kNN graph of all faces in the store");
            clock.Restart();
            var graph = await index.NeighboursAsync(null, options.Neighbours, threshold, ct);
            var graphTime = clock.Elapsed;
            var byId = graph.ToDictionary(g => g.Id);
            var wanted = exact.Values.Sum(s => s.Count);
            var found = exact.Sum(kv => byId[kv.Key].Ids.Count(kv.Value.Contains));
            var recall = wanted == 0 ? 1 : found / (double)wanted;
            graph = null;
            byId = null;

            using var store = new PeopleStore(path, index.Collection);
            var people = new PeopleService(index, store, options);
            log?.Invoke("full clustering");
            clock.Restart();
            await people.ClusterAsync(full: true, ct);
            var full = clock.Elapsed;
            var persons = store.Persons().Count;
            var assignment = store.Faces();
            var scored = labels.Select(kv => (kv.Value, assignment.TryGetValue(kv.Key, out var f) ? f.PersonId : null)).ToList();

            log?.Invoke("incremental: 1 photo, then 100 photos");
            var first = Face(random.Next(identities));
            await index.UpsertAsync([first], ct);
            clock.Restart();
            await people.AddFacesAsync([first.Id], ct);
            var one = clock.Elapsed;
            const int many = 100;
            // Mostly known people, some strangers seen twice (they must form new persons).
            var added = Enumerable.Range(0, many - 20).Select(_ => Face(random.Next(identities)))
                .Concat(Enumerable.Range(0, 20).Select(i => Face(identities + (i / 2)))).ToList();
            await index.UpsertAsync(added, ct);
            clock.Restart();
            await people.AddFacesAsync([.. added.Select(a => a.Id)], ct);
            var manyTime = clock.Elapsed;
            log?.Invoke("catch-up run (lists the index to find what changed)");
            clock.Restart();
            await people.ClusterAsync(full: false, ct);
            var catchUp = clock.Elapsed;

            return new PeopleBenchmarkResult(faces, identities, options.Neighbours, threshold, searchPerFace, graphTime, recall, full, persons, one, manyTime, many, scored) { CatchUp = catchUp };
        }
        finally
        {
            foreach (var file in Directory.EnumerateFiles(workDirectory, Path.GetFileName(path) + "*")) File.Delete(file);
        }
    }

    private static float[] Gaussian(Random random, float sigma)
    {
        var v = new float[Dimension];
        for (var i = 0; i < v.Length; i++)
        {
            // Box-Muller
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            v[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return v;
    }

    private static float[] Unit(float[] v)
    {
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }
}
