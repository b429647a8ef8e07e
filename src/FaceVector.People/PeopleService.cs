using System.Diagnostics;
using System.Numerics.Tensors;
using FaceVector.Index;
using FaceVector.People.Clustering;
using FaceVector.People.Storage;

namespace FaceVector.People;

/// <summary>
/// Groups the faces of an index into persons and applies the user's corrections. Works on any <see cref="IFaceIndex"/>:
/// the kNN graph comes from the store's batched neighbour search when it has one (embedded), else from one search per
/// face (Qdrant). Corrections are data in <see cref="PeopleStore"/> and win over the algorithm: pinned faces
/// (merge, split) seed their person in every re-cluster, and "not this person" is a constraint both the clustering
/// and the incremental assignment respect.
/// </summary>
public sealed class PeopleService(IFaceIndex index, PeopleStore store, PeopleOptions options)
{
    private const int PageSize = 1000;

    /// <summary>Longest person name, in UTF-16 characters (every route: CLI, gRPC, HTTP).</summary>
    public const int MaxNameLength = 200;

    public PeopleStore Store => store;
    public IFaceIndex Index => index;
    public PeopleOptions Options => options;

    /// <summary>
    /// Brings the people up to date with the index. Incremental (the default, and the cheap path after an ingest): faces
    /// gone from the index are forgotten, new faces join the person their neighbours' persons agree on (average
    /// similarity to the person ≥ the link threshold, never a person the face is banned from), and new faces that no
    /// person takes are clustered with the unassigned faces near them into new persons. Full: every eligible face is
    /// clustered again; old persons are matched to the new groups by face overlap (named persons first), so ids,
    /// names and hidden flags carry over, and the user's pinned faces stay with their persons.
    /// </summary>
    public async Task<ClusterReport> ClusterAsync(bool full = false, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var payloads = await ListPayloadsAsync(cancellationToken).ConfigureAwait(false);
        var known = store.Faces();
        var namedBefore = store.Persons().Where(p => p.Name is not null).ToDictionary(p => p.Id, p => p.Name!);
        var removed = known.Keys.Where(id => !payloads.ContainsKey(id)).ToList();
        var added = payloads.Keys.Where(id => !known.ContainsKey(id)).ToList();
        full |= known.Count == 0 || store.Persons().Count == 0;

        var report = full
            ? await FullAsync(payloads, known, removed, added.Count, cancellationToken).ConfigureAwait(false)
            : await IncrementalAsync(payloads, removed, added, cancellationToken).ConfigureAwait(false);
        var after = store.Persons().ToDictionary(p => p.Id);
        var lost = namedBefore.Where(kv => !after.TryGetValue(kv.Key, out var p) || p.Name != kv.Value).Select(kv => kv.Key).ToList();
        return report with { People = after.Count, Elapsed = clock.Elapsed, NamesLost = lost };
    }

    /// <summary>
    /// The people of an index that has been clustered before, with the link threshold they were made with (so that
    /// hosts without the model catalog keep them up to date by the same rule), or null when there are none yet.
    /// The caller disposes the returned service's <see cref="Store"/>.
    /// </summary>
    public static PeopleService? OpenExisting(IFaceIndex index, FaceIndexOptions indexOptions, float minFaceSize)
    {
        ArgumentNullException.ThrowIfNull(index);
        var path = PeopleStoreLocation.For(indexOptions);
        if (!PeopleStore.Exists(path)) return null;
        var store = new PeopleStore(path, indexOptions.Collection);
        if (store.LinkThreshold is not float threshold)
        {
            store.Dispose();
            return null;
        }
        return new PeopleService(index, store, new PeopleOptions { LinkThreshold = threshold, MinFaceSize = minFaceSize });
    }

    /// <summary>
    /// The ingest hook: the incremental step for faces the caller has just written (ingest knows their ids), without
    /// listing the whole index first. Ids already known or no longer in the index are ignored.
    /// </summary>
    public async Task<ClusterReport> AddFacesAsync(IReadOnlyCollection<Guid> faceIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        var clock = Stopwatch.StartNew();
        if (store.PersonCount() == 0) return await ClusterAsync(full: true, cancellationToken).ConfigureAwait(false);
        var known = store.Faces(faceIds);
        var fresh = faceIds.Where(id => !known.ContainsKey(id)).Distinct().ToList();
        var points = await index.GetAsync(fresh, false, cancellationToken).ConfigureAwait(false);
        var payloads = points.ToDictionary(p => p.Id, p => p.Payload);
        var report = await IncrementalAsync(payloads, [], [.. payloads.Keys], cancellationToken).ConfigureAwait(false);
        return report with { People = (int)store.PersonCount(), Elapsed = clock.Elapsed };
    }

    /// <summary>
    /// The erasure hook: forgets these faces (assignments and "not this person" marks) and removes persons left
    /// without faces. Call it when faces are deleted from the index; <see cref="ClusterAsync"/> also catches up with
    /// deletions it was not told about. Returns the ids of the persons that disappeared.
    /// </summary>
    public IReadOnlyList<long> ForgetFaces(IReadOnlyCollection<Guid> faceIds)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        return store.Write(w =>
        {
            foreach (var id in faceIds) w.ForgetFace(id);
            return w.DeleteEmptyPersons();
        });
    }

    /// <summary>
    /// <see cref="ForgetFaces"/>, then a new cover for every remaining person that lost a face (its cover may have
    /// been one of them). The step every delete route runs (<c>FaceErasure</c>). Returns the persons that disappeared.
    /// </summary>
    public async Task<IReadOnlyList<long>> ForgetFacesAsync(IReadOnlyCollection<Guid> faceIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        if (faceIds.Count == 0) return [];
        var touched = store.Faces(faceIds).Values.Select(f => f.PersonId).OfType<long>().ToHashSet();
        var gone = ForgetFaces(faceIds);
        touched.ExceptWith(gone);
        store.Write(w => { foreach (var person in touched) w.Touch(person); });
        await RefreshCoversAsync(touched, cancellationToken).ConfigureAwait(false);
        return gone;
    }

    public IReadOnlyList<Person> List(bool includeHidden = false) => store.Persons(includeHidden);

    public Person Get(long id) => store.Person(id) ?? throw new PersonNotFoundException(id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A person by id, or by name (case-insensitive; an ambiguous name is an error listing the ids).</summary>
    public Person Resolve(string idOrName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrName);
        var persons = store.Persons(includeHidden: true);
        if (long.TryParse(idOrName, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && persons.FirstOrDefault(p => p.Id == id) is { } byId) return byId;
        var named = persons.Where(p => string.Equals(p.Name, idOrName.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count switch
        {
            1 => named[0],
            0 => throw new PersonNotFoundException(idOrName),
            _ => throw new ArgumentException($"Several people are named '{idOrName}' (ids {string.Join(", ", named.Select(p => p.Id))}): use an id.", nameof(idOrName)),
        };
    }

    /// <summary>The person's face ids, pinned ones first.</summary>
    public IReadOnlyList<Guid> FaceIds(long personId) =>
        store.FaceIdsOf(personId);

    /// <summary>The person's faces with their payloads (path, box), in a stable order; faces no longer in the index are left out.</summary>
    public async Task<IReadOnlyList<FacePoint>> FacesAsync(long personId, CancellationToken cancellationToken = default)
    {
        Get(personId);
        var points = await index.GetAsync(FaceIds(personId), false, cancellationToken).ConfigureAwait(false);
        return [.. points.OrderBy(p => p.Payload.ImagePath, StringComparer.Ordinal).ThenBy(p => p.Payload.FaceIndex)];
    }

    /// <summary>The unit mean of the person's face vectors: a probe for photos not yet assigned to anyone.</summary>
    public async Task<float[]> CentroidAsync(long personId, CancellationToken cancellationToken = default)
    {
        Get(personId);
        var points = await index.GetAsync(FaceIds(personId), true, cancellationToken).ConfigureAwait(false);
        if (points.Count == 0) throw new PersonNotFoundException(personId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var sum = new float[points[0].Vector!.Length];
        foreach (var p in points) TensorPrimitives.Add(sum, p.Vector!, sum);
        TensorPrimitives.Divide(sum, TensorPrimitives.Norm(sum), sum);
        return sum;
    }

    /// <summary>
    /// Faces that look like the person but are not assigned to it (photos not yet grouped, faces left alone): a search
    /// of the index with the person's centroid, best first, at or above <paramref name="threshold"/> (default: the
    /// link threshold, the recognizer's own match rule).
    /// </summary>
    public async Task<IReadOnlyList<FaceMatch>> SearchByPersonAsync(long personId, int top = 20, float? threshold = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var members = FaceIds(personId).ToHashSet();
        var centroid = await CentroidAsync(personId, cancellationToken).ConfigureAwait(false);
        var model = (await index.GetCollectionAsync(cancellationToken).ConfigureAwait(false))?.ModelId ?? throw new CollectionNotFoundException(index.Collection);
        var minScore = threshold ?? options.LinkThreshold;
        var hits = await index.SearchAsync(new FaceQuery(centroid, model, top + members.Count, MathF.BitDecrement(minScore)), cancellationToken).ConfigureAwait(false);
        return [.. hits.Where(h => !members.Contains(h.Id) && h.Score >= minScore).Take(top)];
    }

    /// <summary>Names (or with null, un-names) a person. The name survives re-clustering.</summary>
    public Person Name(long personId, string? name)
    {
        Get(personId);
        var clean = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        // The message never repeats the name: it may be long or hostile.
        if (clean is { Length: > MaxNameLength }) throw new ArgumentException($"A name has at most {MaxNameLength} characters.", nameof(name));
        if (clean is not null && clean.Any(char.IsControl)) throw new ArgumentException("A name cannot hold control characters (line breaks, tabs, ...).", nameof(name));
        store.Write(w => w.SetName(personId, clean));
        return Get(personId);
    }

    public Person Hide(long personId, bool hidden = true)
    {
        Get(personId);
        store.Write(w => w.SetHidden(personId, hidden));
        return Get(personId);
    }

    /// <summary>
    /// Merges <paramref name="fromId"/> into <paramref name="intoId"/>: every face of both is pinned to the kept person
    /// (so a re-cluster cannot pull them apart again), "not this person" marks move along, and the kept person takes
    /// the other's name when it has none.
    /// </summary>
    public Person Merge(long intoId, long fromId)
    {
        var into = Get(intoId);
        var from = Get(fromId);
        if (intoId == fromId) throw new ArgumentException("A person cannot be merged with itself.", nameof(fromId));
        var faces = store.FaceIdsOf(intoId).Concat(store.FaceIdsOf(fromId)).ToList();
        var banned = store.CannotLinks().Where(kv => kv.Value.Contains(fromId)).Select(kv => kv.Key).ToList();
        store.Write(w =>
        {
            foreach (var face in faces) w.SetFace(face, intoId, pinned: true);
            foreach (var face in banned) w.CannotLink(face, intoId);
            if (into.Name is null && from.Name is not null) w.SetName(intoId, from.Name);
            if (into.CoverFace is null && from.CoverFace is Guid cover) w.SetCover(intoId, cover);
            w.DeletePerson(fromId);
            w.Touch(intoId);
        });
        return Get(intoId);
    }

    /// <summary>
    /// Moves <paramref name="faceIds"/> out of a person into a new person of their own, and marks them "not this
    /// person" for the old one; both groups are pinned, so no re-cluster joins them again. Returns the new person.
    /// </summary>
    public async Task<Person> SplitAsync(long personId, IReadOnlyCollection<Guid> faceIds, CancellationToken cancellationToken = default)
    {
        CheckMembers(personId, faceIds);
        var staying = FaceIds(personId).Except(faceIds).ToList();
        var newId = store.Write(w =>
        {
            var id = w.CreatePerson();
            foreach (var face in faceIds)
            {
                w.SetFace(face, id, pinned: true);
                w.CannotLink(face, personId);
            }
            // The user has said both halves apart: the rest is pinned too, so a re-cluster cannot pour it into the new person.
            foreach (var face in staying) w.SetFace(face, personId, pinned: true);
            w.Touch(personId);
            w.DeleteEmptyPersons();
            return id;
        });
        await RefreshCoversAsync([newId, personId], cancellationToken).ConfigureAwait(false);
        return Get(newId);
    }

    /// <summary>"Not this person": the faces leave the person and never return to it (clustering and incremental assignment respect it).</summary>
    public async Task RejectAsync(long personId, IReadOnlyCollection<Guid> faceIds, CancellationToken cancellationToken = default)
    {
        CheckMembers(personId, faceIds);
        store.Write(w =>
        {
            foreach (var face in faceIds)
            {
                w.SetFace(face, null);
                w.CannotLink(face, personId);
            }
            w.Touch(personId);
            w.DeleteEmptyPersons();
        });
        await RefreshCoversAsync([personId], cancellationToken).ConfigureAwait(false);
    }

    private void CheckMembers(long personId, IReadOnlyCollection<Guid> faceIds)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        Get(personId);
        if (faceIds.Count == 0) throw new ArgumentException("Name at least one face.", nameof(faceIds));
        var members = FaceIds(personId).ToHashSet();
        var strangers = faceIds.Where(f => !members.Contains(f)).ToList();
        if (strangers.Count > 0) throw new ArgumentException($"Face(s) {string.Join(", ", strangers)} are not faces of person {personId}.", nameof(faceIds));
    }

    private async Task<ClusterReport> FullAsync(Dictionary<Guid, FacePayload> payloads, Dictionary<Guid, PersonFaceState> known,
        List<Guid> removed, int added, CancellationToken cancellationToken)
    {
        var excluded = payloads.Where(kv => options.Exclusion(kv.Value) is not null).ToDictionary(kv => kv.Key, kv => options.Exclusion(kv.Value)!);
        var eligible = payloads.Keys.Where(id => !excluded.ContainsKey(id)).OrderBy(id => id).ToList();
        var vectors = await VectorsAsync(eligible, cancellationToken).ConfigureAwait(false);
        eligible = [.. eligible.Where(vectors.ContainsKey)];
        var graph = new FaceGraph(eligible, [.. eligible.Select(id => vectors[id])]);
        await AddEdgesAsync(graph, null, vectors, cancellationToken).ConfigureAwait(false);

        var cannotLinks = store.CannotLinks();
        foreach (var id in eligible)
        {
            var node = graph.NodeOf[id];
            if (known.TryGetValue(id, out var state) && state.Pinned && state.PersonId is long pinnedTo) graph.Seeds[node] = pinnedTo;
            if (cannotLinks.TryGetValue(id, out var banned)) graph.CannotLink[node] = banned;
        }
        var clusters = Cluster(graph);

        // Old persons ↔ new groups: the seed's group is its person's; the rest by largest face overlap, named persons first.
        var persons = store.Persons().ToDictionary(p => p.Id);
        var groupPerson = new Dictionary<int, long>();
        foreach (var (node, person) in graph.Seeds)
        {
            if (clusters.ClusterOf[node] is var c and >= 0) groupPerson.TryAdd(c, person);
        }
        var overlap = new Dictionary<(int Group, long Person), int>();
        for (var node = 0; node < graph.Count; node++)
        {
            if (clusters.ClusterOf[node] is var c and >= 0 && known.TryGetValue(graph.Ids[node], out var state) && state.PersonId is long p && persons.ContainsKey(p))
                overlap[(c, p)] = overlap.GetValueOrDefault((c, p)) + 1;
        }
        var taken = groupPerson.Values.ToHashSet();
        foreach (var ((group, person), _) in overlap.OrderByDescending(kv => persons[kv.Key.Person].Name is not null).ThenByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Person))
        {
            if (groupPerson.ContainsKey(group) || taken.Contains(person)) continue;
            groupPerson[group] = person;
            taken.Add(person);
        }

        var assigned = 0;
        var created = 0;
        var removedPersons = store.Write(w =>
        {
            w.SetLinkThreshold(options.LinkThreshold);
            foreach (var id in removed) w.ForgetFace(id);
            foreach (var (id, reason) in excluded) w.SetFace(id, null, excluded: reason);
            for (var group = 0; group < clusters.ClusterCount; group++)
            {
                if (!groupPerson.ContainsKey(group))
                {
                    groupPerson[group] = w.CreatePerson();
                    created++;
                }
            }
            for (var node = 0; node < graph.Count; node++)
            {
                var id = graph.Ids[node];
                long? person = clusters.ClusterOf[node] is var c and >= 0 ? groupPerson[c] : null;
                if (person is long p && cannotLinks.TryGetValue(id, out var banned) && banned.Contains(p)) person = null;
                var pinned = known.TryGetValue(id, out var state) && state.Pinned && state.PersonId == person;
                if (person is not null) assigned++;
                if (state is null || state.PersonId != person || state.Pinned != pinned || state.Excluded is not null)
                {
                    w.SetFace(id, person, pinned);
                    if (person is long changed) w.Touch(changed);
                    if (state?.PersonId is long left) w.Touch(left);
                }
            }
            return w.DeleteEmptyPersons();
        });
        await RefreshCoversAsync(groupPerson.Values, cancellationToken, vectors).ConfigureAwait(false);
        return new ClusterReport(true, eligible.Count, added, removed.Count, excluded.Count, assigned, created, removedPersons.Count, 0, TimeSpan.Zero);
    }

    private async Task<ClusterReport> IncrementalAsync(Dictionary<Guid, FacePayload> payloads, List<Guid> removed, List<Guid> added, CancellationToken cancellationToken)
    {
        var excluded = added.Select(id => (id, reason: options.Exclusion(payloads[id]))).Where(x => x.reason is not null).ToDictionary(x => x.id, x => x.reason!);
        var fresh = added.Where(id => !excluded.ContainsKey(id)).OrderBy(id => payloads[id].IngestedAt).ThenBy(id => id).ToList();
        var vectors = await VectorsAsync(fresh, cancellationToken).ConfigureAwait(false);
        fresh = [.. fresh.Where(vectors.ContainsKey)];
        var neighbours = await NeighboursAsync(fresh, vectors, cancellationToken).ConfigureAwait(false);
        var cannotLinks = store.CannotLinks();

        // Only what the store knows about the new faces' neighbours is read, not every face.
        var removedSet = removed.ToHashSet();
        var known = store.Faces(neighbours.Values.SelectMany(n => n.Ids).Where(id => !removedSet.Contains(id)));
        var personOf = new Dictionary<Guid, long>();
        foreach (var f in known.Values) if (f.PersonId is long p) personOf[f.FaceId] = p;
        var members = new Dictionary<long, List<Guid>>();
        var sums = new Dictionary<long, (float[] Sum, int Count)>();
        async Task<(float[] Sum, int Count)> SumOf(long person)
        {
            if (sums.TryGetValue(person, out var s)) return s;
            members[person] = [.. store.FaceIdsOf(person).Where(id => !removedSet.Contains(id))];
            var memberVectors = await VectorsAsync(members[person], cancellationToken).ConfigureAwait(false);
            foreach (var (id, v) in memberVectors) vectors.TryAdd(id, v);
            var sum = new float[vectors[fresh[0]].Length];
            foreach (var v in memberVectors.Values) TensorPrimitives.Add(sum, v, sum);
            return sums[person] = (sum, memberVectors.Count);
        }

        var joined = new Dictionary<Guid, long>();
        foreach (var id in fresh)
        {
            var v = vectors[id];
            var banned = cannotLinks.GetValueOrDefault(id);
            long? best = null;
            var bestScore = float.NegativeInfinity;
            foreach (var person in neighbours[id].Ids.Select(n => personOf.TryGetValue(n, out var p) ? p : (long?)null).OfType<long>().Distinct())
            {
                if (banned?.Contains(person) == true) continue;
                var (sum, count) = await SumOf(person).ConfigureAwait(false);
                var score = TensorPrimitives.Dot(v, sum) / count;
                if (score >= options.LinkThreshold && score > bestScore) (best, bestScore) = (person, score);
            }
            if (best is not long chosen) continue;
            joined[id] = chosen;
            personOf[id] = chosen;
            members[chosen].Add(id);
            var (s, c) = sums[chosen];
            TensorPrimitives.Add(s, v, s);
            sums[chosen] = (s, c + 1);
        }

        // New faces no person took, with the unassigned faces around them: new persons where enough of them agree.
        var leftover = fresh.Where(id => !joined.ContainsKey(id)).ToList();
        var around = leftover.SelectMany(id => neighbours[id].Ids)
            .Where(n => known.TryGetValue(n, out var f) && f.PersonId is null && f.Excluded is null && !joined.ContainsKey(n)).Distinct().ToList();
        foreach (var (id, v) in await VectorsAsync(around, cancellationToken).ConfigureAwait(false)) vectors.TryAdd(id, v);
        around = [.. around.Where(vectors.ContainsKey)];
        foreach (var (id, list) in await NeighboursAsync(around, vectors, cancellationToken).ConfigureAwait(false)) neighbours[id] = list;
        var nodes = leftover.Concat(around).ToList();
        var graph = new FaceGraph(nodes, [.. nodes.Select(id => vectors[id])]);
        foreach (var id in nodes)
        {
            var list = neighbours[id];
            for (var i = 0; i < list.Ids.Count; i++)
            {
                if (graph.NodeOf.TryGetValue(list.Ids[i], out var other)) graph.Link(graph.NodeOf[id], other, list.Scores[i]);
            }
        }
        var clusters = Cluster(graph);

        var created = 0;
        var touched = joined.Values.ToHashSet();
        var removedPersons = store.Write(w =>
        {
            foreach (var id in removed) w.ForgetFace(id);
            foreach (var (id, reason) in excluded) w.SetFace(id, null, excluded: reason);
            foreach (var id in fresh) if (!joined.ContainsKey(id)) w.SetFace(id, null);
            foreach (var (id, person) in joined) w.SetFace(id, person);
            var groupPerson = new Dictionary<int, long>();
            for (var node = 0; node < graph.Count; node++)
            {
                if (clusters.ClusterOf[node] is not (var c and >= 0)) continue;
                if (!groupPerson.TryGetValue(c, out var person))
                {
                    groupPerson[c] = person = w.CreatePerson();
                    created++;
                }
                w.SetFace(graph.Ids[node], person);
                touched.Add(person);
            }
            foreach (var person in touched) w.Touch(person);
            return w.DeleteEmptyPersons();
        });
        await RefreshCoversAsync(touched, cancellationToken, vectors).ConfigureAwait(false);
        var assignedNow = joined.Count + clusters.ClusterOf.Count(c => c >= 0);
        return new ClusterReport(false, fresh.Count, added.Count, removed.Count, excluded.Count, assignedNow, created, removedPersons.Count, 0, TimeSpan.Zero);
    }

    private GraphClusters Cluster(FaceGraph graph) => options.Method switch
    {
        ClusteringMethod.ChineseWhispers => ChineseWhispers.Cluster(graph, options.LinkThreshold, options.MinFaces),
        ClusteringMethod.ConnectedComponents => ConnectedComponents.Cluster(graph, options.LinkThreshold, options.MinFaces),
        _ => AverageLinkage.Cluster(graph, options.LinkThreshold, options.MinFaces),
    };

    /// <summary>kNN edges of the graph's faces (all faces of the index when <paramref name="ids"/> is null), kept between graph nodes only.</summary>
    private async Task AddEdgesAsync(FaceGraph graph, IReadOnlyList<Guid>? ids, Dictionary<Guid, float[]> vectors, CancellationToken cancellationToken)
    {
        var lists = await NeighboursAsync(ids ?? graph.Ids, vectors, cancellationToken, all: ids is null).ConfigureAwait(false);
        foreach (var (id, list) in lists)
        {
            if (!graph.NodeOf.TryGetValue(id, out var node)) continue;
            for (var i = 0; i < list.Ids.Count; i++)
            {
                if (graph.NodeOf.TryGetValue(list.Ids[i], out var other)) graph.Link(node, other, list.Scores[i]);
            }
        }
    }

    private async Task<Dictionary<Guid, FaceNeighbours>> NeighboursAsync(IReadOnlyList<Guid> ids, Dictionary<Guid, float[]> vectors, CancellationToken cancellationToken, bool all = false)
    {
        if (ids.Count == 0) return [];
        if (index is IFaceNeighbourSearch search)
        {
            var found = await search.NeighboursAsync(all ? null : ids, options.Neighbours, options.LinkThreshold, cancellationToken).ConfigureAwait(false);
            return found.ToDictionary(n => n.Id);
        }

        // Stores without a batched kNN (Qdrant): one search per face, a few in flight. Qdrant keeps scores strictly above
        // its threshold; the graph keeps the threshold itself, hence the next float down.
        var model = (await index.GetCollectionAsync(cancellationToken).ConfigureAwait(false))?.ModelId ?? throw new CollectionNotFoundException(index.Collection);
        var result = new System.Collections.Concurrent.ConcurrentDictionary<Guid, FaceNeighbours>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            var hits = await index.SearchAsync(new FaceQuery(vectors[id], model, options.Neighbours + 1, MathF.BitDecrement(options.LinkThreshold)), ct).ConfigureAwait(false);
            var others = hits.Where(h => h.Id != id).Take(options.Neighbours).ToList();
            result[id] = new FaceNeighbours(id, [.. others.Select(h => h.Id)], [.. others.Select(h => h.Score)]);
        }).ConfigureAwait(false);
        return new Dictionary<Guid, FaceNeighbours>(result);
    }

    private async Task<Dictionary<Guid, FacePayload>> ListPayloadsAsync(CancellationToken cancellationToken)
    {
        var payloads = new Dictionary<Guid, FacePayload>();
        if (await index.GetCollectionAsync(cancellationToken).ConfigureAwait(false) is null) return payloads;
        await foreach (FacePoint point in index.ScanAsync(PageSize, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            payloads[point.Id] = point.Payload;
        }

        return payloads;
    }

    private async Task<Dictionary<Guid, float[]>> VectorsAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        var vectors = new Dictionary<Guid, float[]>(ids.Count);
        foreach (var chunk in ids.Chunk(PageSize))
        {
            foreach (var point in await index.GetAsync(chunk, true, cancellationToken).ConfigureAwait(false))
            {
                var v = point.Vector!;
                var norm = TensorPrimitives.Norm(v);
                if (norm > 0) TensorPrimitives.Divide(v, norm, v); // stores hand out unit vectors; Qdrant's cosine may not
                vectors[point.Id] = v;
            }
        }
        return vectors;
    }

    /// <summary>Each person's cover: the user's choice while it is still theirs, else the face closest to the person's mean.</summary>
    private async Task RefreshCoversAsync(IEnumerable<long> personIds, CancellationToken cancellationToken, Dictionary<Guid, float[]>? known = null)
    {
        var wanted = personIds.ToHashSet();
        if (wanted.Count == 0) return;
        var members = wanted.Select(p => (Key: p, Faces: store.FaceIdsOf(p))).Where(m => m.Faces.Count > 0).ToList();
        var vectors = known ?? [];
        var missing = members.SelectMany(g => g.Faces).Where(id => !vectors.ContainsKey(id)).ToList();
        if (missing.Count > 0) foreach (var (id, v) in await VectorsAsync(missing, cancellationToken).ConfigureAwait(false)) vectors[id] = v;
        var covers = new List<(long Person, Guid Face)>();
        foreach (var group in members)
        {
            var faces = group.Faces.Where(vectors.ContainsKey).ToList();
            if (faces.Count == 0) continue;
            var sum = new float[vectors[faces[0]].Length];
            foreach (var id in faces) TensorPrimitives.Add(sum, vectors[id], sum);
            covers.Add((group.Key, faces.MaxBy(id => TensorPrimitives.Dot(vectors[id], sum))));
        }
        store.Write(w => { foreach (var (person, face) in covers) w.SetCover(person, face); });
    }
}

/// <summary>No person with this id or name.</summary>
public sealed class PersonNotFoundException(string idOrName) : KeyNotFoundException($"No person '{idOrName}'.")
{
    public string IdOrName { get; } = idOrName;
}
