namespace FaceVector.Index.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IFaceIndex"/> must show, run against each store by a subclass that says how to open
/// one on a fresh collection. Tests use <see cref="ContractFactAttribute"/>, so a subclass marked
/// <see cref="RequiresQdrantUrlAttribute"/> is reported as skipped (with the reason) when no server is configured.
/// </summary>
/// <typeparam name="TIndex">The store under test.</typeparam>
public abstract class FaceIndexContract<TIndex> : IAsyncLifetime
    where TIndex : IFaceIndex
{
    private TIndex? _index;

    protected TIndex Index => _index ?? throw new InvalidOperationException("not initialised");

    /// <summary>Opens a store on a collection no other test uses.</summary>
    protected abstract Task<TIndex> OpenAsync(string collection);

    /// <summary>A second instance on the same collection (same file or server).</summary>
    protected Task<TIndex> OpenAgainAsync() => OpenAsync(Index.Collection);

    public async Task InitializeAsync() => _index = await OpenAsync($"faces_{Guid.NewGuid():N}");

    public virtual async Task DisposeAsync()
    {
        if (_index is not null) await _index.DisposeAsync();
    }

    private async Task<List<FacePoint>> SeedAsync(int count = 24)
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        var faces = TestFaces.Many(count);
        await Index.UpsertAsync(faces);
        return faces;
    }

    private Task<IReadOnlyList<FaceMatch>> SearchAsync(float[] vector, int limit = 10, float? threshold = null, FaceFilter? filter = null) =>
        Index.SearchAsync(new FaceQuery(vector, TestFaces.Model, limit, threshold, filter));

    [ContractFact]
    public async Task Ensure_twice_is_idempotent_and_reports_the_collection()
    {
        var first = await Index.EnsureCollectionAsync(TestFaces.Spec());
        var second = await Index.EnsureCollectionAsync(TestFaces.Spec());
        Assert.Equal(first, second);
        Assert.Equal(new CollectionInfo(Index.Collection, TestFaces.Dimension, TestFaces.Model, 0), second);
        await Index.UpsertAsync([TestFaces.Face(1, "/a/1.jpg")]);
        Assert.Equal(1, (await Index.GetCollectionAsync())!.Faces);
    }

    [ContractFact]
    public async Task A_missing_collection_is_null_and_refuses_work_clearly()
    {
        Assert.Null(await Index.GetCollectionAsync());
        await Assert.ThrowsAsync<CollectionNotFoundException>(() => SearchAsync(TestFaces.Vector(1)));
        await Assert.ThrowsAsync<CollectionNotFoundException>(() => Index.UpsertAsync([TestFaces.Face(1, "/a/1.jpg")]));
    }

    [ContractFact]
    public async Task Ensure_with_another_model_or_size_is_refused()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        var mismatch = await Assert.ThrowsAsync<ModelMismatchException>(() => Index.EnsureCollectionAsync(new CollectionSpec(TestFaces.Dimension, "other@1")));
        Assert.Equal(TestFaces.Model, mismatch.ExpectedModelId);
        Assert.Equal("other@1", mismatch.ActualModelId);
        var size = await Assert.ThrowsAsync<ArgumentException>(() => Index.EnsureCollectionAsync(new CollectionSpec(128, TestFaces.Model)));
        Assert.Contains("vector size", size.Message, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task Upsert_and_search_from_another_model_are_refused()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        await Assert.ThrowsAsync<ModelMismatchException>(() => Index.UpsertAsync([TestFaces.Face(1, "/a/1.jpg", model: "other@1")]));
        await Assert.ThrowsAsync<ModelMismatchException>(() => Index.SearchAsync(new FaceQuery(TestFaces.Vector(1), "other@1")));
        Assert.Equal(0, await Index.CountAsync());
    }

    [ContractFact]
    public async Task Vectors_of_the_wrong_length_are_refused_naming_the_field()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        var face = TestFaces.Face(1, "/a/1.jpg") with { Vector = [1f, 2f, 3f] };
        var upsert = await Assert.ThrowsAsync<ArgumentException>(() => Index.UpsertAsync([face]));
        Assert.Contains("Vector", upsert.Message, StringComparison.Ordinal);
        var zero = await Assert.ThrowsAsync<ArgumentException>(() => Index.UpsertAsync([face with { Vector = new float[TestFaces.Dimension] }]));
        Assert.Contains("Vector", zero.Message, StringComparison.Ordinal);
        var search = await Assert.ThrowsAsync<ArgumentException>(() => SearchAsync([1f, 2f, 3f]));
        Assert.Contains("Vector", search.Message, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task Search_finds_the_exact_vector_with_score_one_and_its_payload()
    {
        var faces = await SeedAsync();
        var target = faces[7];
        var hits = await SearchAsync(target.Vector!, limit: 3);
        Assert.Equal(target.Id, hits[0].Id);
        Assert.Equal(1f, hits[0].Score, 1e-4f);
        Assert.Equal(target.Payload with { Tags = hits[0].Payload.Tags, Keypoints = hits[0].Payload.Keypoints }, hits[0].Payload);
        Assert.Equal(target.Payload.Keypoints, hits[0].Payload.Keypoints);
    }

    [ContractFact]
    public async Task Scores_are_cosine_similarities_whatever_the_vector_length()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        var face = TestFaces.Face(5, "/a/5.jpg");
        await Index.UpsertAsync([face with { Vector = [.. face.Vector!.Select(v => v * 37f)] }]);
        var hits = await SearchAsync([.. face.Vector!.Select(v => v * 0.01f)]);
        Assert.Equal(1f, hits.Single().Score, 1e-4f);
        var stored = (await Index.GetAsync([face.Id], withVectors: true)).Single();
        Assert.Equal(1f, MathF.Sqrt(stored.Vector!.Sum(v => v * v)), 1e-4f);
    }

    [ContractFact]
    public async Task Threshold_is_inclusive()
    {
        var faces = await SeedAsync();
        var query = TestFaces.Near(faces[3].Vector!, 0.5f, seed: 99);
        var best = (await SearchAsync(query, limit: 1)).Single();
        // A score equal to the threshold is kept (ScoreThreshold: score >= threshold); the next float up excludes it.
        Assert.Equal(best.Id, (await SearchAsync(query, threshold: best.Score)).Single().Id);
        Assert.Empty(await SearchAsync(query, threshold: MathF.BitIncrement(best.Score)));
        Assert.Equal(best.Id, (await SearchAsync(query, threshold: best.Score - 1e-3f)).First().Id);
        Assert.All(await SearchAsync(query, limit: 24, threshold: 0.05f), h => Assert.True(h.Score >= 0.05f));
    }

    [ContractFact]
    public async Task Top_n_is_ordered_best_first_and_limited()
    {
        var faces = await SeedAsync();
        var query = TestFaces.Near(faces[11].Vector!, 0.3f, seed: 5);
        var hits = await SearchAsync(query, limit: 5);
        Assert.Equal(5, hits.Count);
        Assert.Equal(faces[11].Id, hits[0].Id);
        Assert.Equal(hits.OrderByDescending(h => h.Score).Select(h => h.Id), hits.Select(h => h.Id));
        var all = await SearchAsync(query, limit: 100);
        Assert.Equal(faces.Count, all.Count);
        Assert.Equal(all.Take(5).Select(h => h.Id), hits.Select(h => h.Id));
    }

    [ContractFact]
    public async Task Filters_by_path_prefix_hash_and_tag_select_exactly_the_matching_faces()
    {
        var faces = await SeedAsync();
        var tagged = TestFaces.Face(77, "/photos/2024b/tagged.jpg", tags: new Dictionary<string, string> { ["person"] = "ada", ["event"] = "x=y" });
        await Index.UpsertAsync([tagged]);
        var all = faces.Append(tagged).ToList();
        var cases = new (FaceFilter Filter, Func<FacePayload, bool> Expected)[]
        {
            (new FaceFilter { ImagePath = faces[4].Payload.ImagePath }, p => p.ImagePath == faces[4].Payload.ImagePath),
            (new FaceFilter { ImagePathPrefix = "/photos/2024" }, p => p.ImagePath.StartsWith("/photos/2024/", StringComparison.Ordinal)),
            (new FaceFilter { ImagePathPrefix = "/photos/2023/" }, p => p.ImagePath.StartsWith("/photos/2023/", StringComparison.Ordinal)),
            (new FaceFilter { ImagePathPrefix = "/photos" }, _ => true),
            (new FaceFilter { ImageHash = faces[9].Payload.ImageHash }, p => p.ImageHash == faces[9].Payload.ImageHash),
            (new FaceFilter { Tags = new Dictionary<string, string> { ["person"] = "ada" } }, p => p.Tags.GetValueOrDefault("person") == "ada"),
            (new FaceFilter { Tags = new Dictionary<string, string> { ["event"] = "x=y", ["person"] = "ada" } }, p => p.Tags.Count == 2),
            (new FaceFilter { Tags = new Dictionary<string, string> { ["person"] = "bob" } }, _ => false),
            (new FaceFilter { ImagePathPrefix = "/photos/2024", ImageHash = faces[3].Payload.ImageHash }, p => p.ImageHash == faces[3].Payload.ImageHash),
            (new FaceFilter { ImagePathPrefix = "/photos/2024", ImageHash = faces[0].Payload.ImageHash }, _ => false),
        };
        foreach (var (filter, expected) in cases)
        {
            var want = all.Where(f => expected(f.Payload)).Select(f => f.Id).Order().ToList();
            var hits = await SearchAsync(TestFaces.Vector(3), limit: 100, filter: filter);
            Assert.Equal(want, hits.Select(h => h.Id).Order().ToList());
            Assert.Equal(want.Count, await Index.CountAsync(filter));
        }
    }

    [ContractFact]
    public async Task Upserting_the_same_id_again_overwrites()
    {
        var faces = await SeedAsync();
        var changed = faces[2] with { Vector = TestFaces.Vector(4242), Payload = faces[2].Payload with { DetectionScore = 0.5f } };
        await Index.UpsertAsync([changed]);
        Assert.Equal(faces.Count, await Index.CountAsync());
        var hit = (await SearchAsync(changed.Vector!, limit: 1)).Single();
        Assert.Equal(changed.Id, hit.Id);
        Assert.Equal(0.5f, hit.Payload.DetectionScore);
    }

    [ContractFact]
    public async Task Get_and_delete_by_id()
    {
        var faces = await SeedAsync();
        var got = await Index.GetAsync([faces[0].Id, Guid.NewGuid(), faces[5].Id]);
        Assert.Equal(new[] { faces[0].Id, faces[5].Id }.Order(), got.Select(p => p.Id).Order());
        Assert.All(got, p => Assert.Null(p.Vector));
        await Index.DeleteAsync([faces[0].Id, faces[5].Id]);
        Assert.Empty(await Index.GetAsync([faces[0].Id, faces[5].Id]));
        Assert.Equal(faces.Count - 2, await Index.CountAsync());
        Assert.DoesNotContain(await SearchAsync(faces[0].Vector!, limit: 100), h => h.Id == faces[0].Id);
    }

    [ContractFact]
    public async Task Delete_by_filter_returns_the_count_and_removes_exactly_those()
    {
        var faces = await SeedAsync();
        var filter = new FaceFilter { ImagePathPrefix = "/photos/2023" };
        var doomed = faces.Where(f => filter.Matches(f.Payload)).Select(f => f.Id).ToHashSet();
        Assert.NotEmpty(doomed);
        Assert.Equal(doomed.Count, await Index.DeleteAsync(filter));
        Assert.Equal(0, await Index.CountAsync(filter));
        var left = await Index.GetAsync([.. faces.Select(f => f.Id)]);
        Assert.Equal(faces.Where(f => !doomed.Contains(f.Id)).Select(f => f.Id).Order(), left.Select(p => p.Id).Order());
        Assert.Equal(0, await Index.DeleteAsync(filter));
    }

    [ContractFact]
    public async Task List_pages_visit_every_point_exactly_once()
    {
        var faces = await SeedAsync(31);
        var seen = new List<Guid>();
        string? offset = null;
        var pages = 0;
        do
        {
            var page = await Index.ListAsync(7, offset, withVectors: pages == 0);
            Assert.True(page.Points.Count <= 7);
            Assert.All(page.Points, p => Assert.Equal(pages == 0, p.Vector is not null));
            seen.AddRange(page.Points.Select(p => p.Id));
            offset = page.NextOffset;
            pages++;
        } while (offset is not null);
        Assert.Equal(5, pages);
        Assert.Equal(faces.Select(f => f.Id).Order(), seen.Order());

        var filter = new FaceFilter { ImagePathPrefix = "/photos/2024" };
        var filtered = new List<Guid>();
        offset = null;
        do
        {
            var page = await Index.ListAsync(4, offset, filter);
            filtered.AddRange(page.Points.Select(p => p.Id));
            offset = page.NextOffset;
        } while (offset is not null);
        Assert.Equal(faces.Where(f => filter.Matches(f.Payload)).Select(f => f.Id).Order(), filtered.Order());
    }

    [ContractFact]
    public async Task Count_with_and_without_filter()
    {
        var faces = await SeedAsync();
        Assert.Equal(faces.Count, await Index.CountAsync());
        Assert.Equal(faces.Count, await Index.CountAsync(new FaceFilter()));
        Assert.Equal(2, await Index.CountAsync(new FaceFilter { ImagePath = faces[0].Payload.ImagePath }));
    }

    [ContractFact]
    public async Task Deterministic_ids_make_re_ingesting_a_face_overwrite_it()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        var once = TestFaces.Face(1, "/a/1.jpg");
        var again = TestFaces.Face(2, "/a/1.jpg");
        Assert.Equal(once.Id, again.Id);
        Assert.Equal(FacePointId.For(once.Payload.ImageHash, 0, TestFaces.Model), once.Id);
        Assert.NotEqual(once.Id, FacePointId.For(once.Payload.ImageHash, 1, TestFaces.Model));
        Assert.NotEqual(once.Id, FacePointId.For(once.Payload.ImageHash, 0, "other@1"));
        await Index.UpsertAsync([once]);
        await Index.UpsertAsync([again]);
        Assert.Equal(1, await Index.CountAsync());
    }

    [ContractFact]
    public async Task A_second_instance_sees_the_first_ones_writes()
    {
        var faces = await SeedAsync();
        await using var other = await OpenAgainAsync();
        Assert.Equal(faces.Count, await other.CountAsync());
        await Index.DeleteAsync([faces[0].Id]);
        await Index.UpsertAsync([TestFaces.Face(500, "/late/x.jpg")]);
        Assert.Equal(faces.Count, await other.CountAsync());
        Assert.Empty(await other.GetAsync([faces[0].Id]));
        var hit = (await other.SearchAsync(new FaceQuery(TestFaces.Vector(500), TestFaces.Model, 1))).Single();
        Assert.Equal("/late/x.jpg", hit.Payload.ImagePath);
    }

    // ---- ReplaceImagesAsync: the faces of a batch of images replaced in one call ----

    /// <summary>Face <paramref name="faceIndex"/> of version <paramref name="version"/> of the photo at <paramref name="path"/> (ids as ingest makes them).</summary>
    private static FacePoint Version(string path, string version, int faceIndex, string model = TestFaces.Model)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{path}@{version}")));
        var payload = TestFaces.Payload(path, faceIndex, hash, model: model);
        return new FacePoint(FacePointId.For(path, hash, faceIndex, model), payload, TestFaces.Vector(HashCode.Combine(path, version, faceIndex) & 0xFFFFFF));
    }

    private static ImageReplacement Image(string path, string version, int faces) =>
        new(path, [.. Enumerable.Range(0, faces).Select(i => Version(path, version, i))]);

    /// <summary>Every stored face as (path, id), read through ListAsync.</summary>
    private async Task<SortedSet<(string Path, Guid Id)>> StoredAsync(IFaceIndex index)
    {
        var stored = new SortedSet<(string, Guid)>();
        string? offset = null;
        do
        {
            var page = await index.ListAsync(100, offset);
            foreach (var p in page.Points) Assert.True(stored.Add((p.Payload.ImagePath, p.Id)));
            offset = page.NextOffset;
        } while (offset is not null);
        return stored;
    }

    private static SortedSet<(string Path, Guid Id)> Expected(params IEnumerable<FacePoint>[] faces) =>
        [.. faces.SelectMany(f => f).Select(f => (f.Payload.ImagePath, f.Id))];

    [ContractFact]
    public async Task Replace_leaves_each_named_image_with_exactly_its_new_faces_and_others_untouched()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        ImageReplacement fewer = Image("/r/fewer.jpg", "v1", 3), more = Image("/r/more.jpg", "v1", 1), none = Image("/r/none.jpg", "v1", 2),
            same = Image("/r/same.jpg", "v1", 2), other = Image("/r/other.jpg", "v1", 2), prefix = Image("/r/fewer.jpg.bak", "v1", 1);
        await Index.UpsertAsync([.. new[] { fewer, more, none, same, other, prefix }.SelectMany(i => i.Faces)]);

        ImageReplacement fewer2 = Image("/r/fewer.jpg", "v2", 1), more2 = Image("/r/more.jpg", "v2", 4), none2 = new("/r/none.jpg", []);
        // "same" is given again unchanged (same ids, new vector): kept, overwritten, not duplicated.
        var sameAgain = new ImageReplacement(same.ImagePath, [.. same.Faces.Select(f => f with { Vector = TestFaces.Vector(777 + f.Payload.FaceIndex) })]);
        await Index.ReplaceImagesAsync([fewer2, more2, none2, sameAgain]);

        Assert.Equal(Expected(fewer2.Faces, more2.Faces, same.Faces, other.Faces, prefix.Faces), await StoredAsync(Index));
        Assert.Equal(0, await Index.CountAsync(new FaceFilter { ImagePath = "/r/none.jpg" }));
        Assert.Equal(4, await Index.CountAsync(new FaceFilter { ImagePath = "/r/more.jpg" }));
        var hit = (await SearchAsync(TestFaces.Vector(777), limit: 1)).Single();
        Assert.Equal(sameAgain.Faces[0].Id, hit.Id);
        Assert.Equal(1f, hit.Score, 1e-4f);
        Assert.Empty(await Index.GetAsync([.. fewer.Faces.Skip(1).Select(f => f.Id), .. none.Faces.Select(f => f.Id)]));
        Assert.DoesNotContain(await SearchAsync(fewer.Faces[1].Vector!, limit: 100), h => h.Id == fewer.Faces[1].Id);
    }

    [ContractFact]
    public async Task Replace_is_idempotent_and_a_second_instance_sees_it()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        ImageReplacement a = Image("/i/a.jpg", "v1", 2), b = Image("/i/b.jpg", "v1", 3);
        await Index.ReplaceImagesAsync([a with { NewImage = true }, b with { NewImage = true }]);
        await using var other = await OpenAgainAsync();
        Assert.Equal(Expected(a.Faces, b.Faces), await StoredAsync(other));

        ImageReplacement a2 = Image("/i/a.jpg", "v2", 1), b2 = new("/i/b.jpg", []);
        await other.ReplaceImagesAsync([a2, b2]);
        await other.ReplaceImagesAsync([a2, b2]); // re-run after a failure: same end state
        Assert.Equal(Expected(a2.Faces), await StoredAsync(Index));
        Assert.Equal(Expected(a2.Faces), await StoredAsync(other));
        await Index.ReplaceImagesAsync([]);
        await Index.ReplaceImagesAsync([new ImageReplacement("/i/never.jpg", [])]);
        Assert.Equal(1, await Index.CountAsync());
    }

    [ContractFact]
    public async Task Replace_of_a_new_image_only_upserts()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        ImageReplacement old = Image("/n/photo.jpg", "v1", 2), fresh = Image("/n/photo.jpg", "v2", 1);
        await Index.UpsertAsync(old.Faces);
        // The caller's promise that the store never held this image is taken at its word: nothing is looked up or deleted.
        await Index.ReplaceImagesAsync([fresh with { NewImage = true }]);
        Assert.Equal(Expected(old.Faces, fresh.Faces), await StoredAsync(Index));
        await Index.ReplaceImagesAsync([fresh]);
        Assert.Equal(Expected(fresh.Faces), await StoredAsync(Index));
    }

    [ContractFact]
    public async Task A_refused_replace_batch_changes_nothing()
    {
        await Index.EnsureCollectionAsync(TestFaces.Spec());
        ImageReplacement a = Image("/x/a.jpg", "v1", 2), b = Image("/x/b.jpg", "v1", 1);
        await Index.UpsertAsync([.. a.Faces, .. b.Faces]);
        var before = await StoredAsync(Index);
        ImageReplacement a2 = Image("/x/a.jpg", "v2", 1), emptied = new("/x/b.jpg", []);

        // Model guard: one face of another model refuses the whole batch, deletes included.
        var foreign = new ImageReplacement("/x/c.jpg", [Version("/x/c.jpg", "v1", 0, model: "other@1")]);
        var mismatch = await Assert.ThrowsAsync<ModelMismatchException>(() => Index.ReplaceImagesAsync([a2, emptied, foreign]));
        Assert.Equal("other@1", mismatch.ActualModelId);
        // A face filed under another image's path, an image given twice, a vector of the wrong size: refused, naming it.
        var misfiled = await Assert.ThrowsAsync<ArgumentException>(() => Index.ReplaceImagesAsync([a2, new ImageReplacement("/x/b.jpg", [Version("/x/a.jpg", "v3", 0)])]));
        Assert.Contains("/x/a.jpg", misfiled.Message, StringComparison.Ordinal);
        var twice = await Assert.ThrowsAsync<ArgumentException>(() => Index.ReplaceImagesAsync([a2, emptied, new ImageReplacement("/x/a.jpg", [])]));
        Assert.Contains("appears twice", twice.Message, StringComparison.Ordinal);
        var shortVector = new ImageReplacement("/x/b.jpg", [Version("/x/b.jpg", "v2", 0) with { Vector = [1f, 2f] }]);
        var size = await Assert.ThrowsAsync<ArgumentException>(() => Index.ReplaceImagesAsync([a2, shortVector]));
        Assert.Contains("Vector", size.Message, StringComparison.Ordinal);

        Assert.Equal(before, await StoredAsync(Index));
    }

    [ContractFact]
    public async Task Replace_in_a_missing_collection_is_refused_clearly()
    {
        await Assert.ThrowsAsync<CollectionNotFoundException>(() => Index.ReplaceImagesAsync([Image("/m/a.jpg", "v1", 1)]));
        await Assert.ThrowsAsync<CollectionNotFoundException>(() => Index.ReplaceImagesAsync([new ImageReplacement("/m/a.jpg", [])]));
    }
}
