using FaceVector.Index;

namespace FaceVector.People.Tests;

public sealed class PeopleServiceTests
{
    [Fact]
    public async Task FullClusteringGroupsIdentitiesAndLeavesLoneFacesUnassigned()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 6);
        var bob = await s.AddAsync(2, 4);
        var loner = await s.AddAsync(3, 1);
        var report = await s.People.ClusterAsync(full: true);

        Assert.NotEqual(s.PersonOfAll(alice), s.PersonOfAll(bob));
        Assert.Null(s.PersonOf(loner[0]));
        Assert.Equal(2, report.People);
        var people = s.People.List();
        Assert.Equal([4, 6], people.Select(p => p.FaceCount).Order());
        Assert.All(people, p => Assert.NotNull(p.CoverFace));
        Assert.Contains(people.Single(p => p.FaceCount == 6).CoverFace!.Value, alice);
    }

    [Fact]
    public async Task FacesFailingTheQualityGateStayOut()
    {
        await using var s = new SyntheticFaces();
        var good = await s.AddAsync(1, 3);
        var tiny = await s.AddAsync(1, 2, boxSize: 12);
        await s.People.ClusterAsync(full: true);
        s.PersonOfAll(good);
        Assert.All(tiny, f => Assert.Null(s.PersonOf(f)));
        Assert.All(tiny, f => Assert.StartsWith("face too small", s.Store.Faces()[f].Excluded));
    }

    [Fact]
    public async Task IncrementalFacesJoinTheirPersonOrFormNewOnesAndIdsAndNamesStay()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 4);
        await s.AddAsync(2, 3);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        s.People.Name(aliceId, "Alice");

        var moreAlice = await s.AddAsync(1, 3);
        var carol = await s.AddAsync(4, 2);
        var stranger = await s.AddAsync(5, 1);
        var report = await s.People.ClusterAsync();

        Assert.False(report.Full);
        Assert.Equal(aliceId, s.PersonOfAll(alice.Concat(moreAlice)));
        Assert.Equal("Alice", s.People.Get(aliceId).Name);
        Assert.NotEqual(aliceId, s.PersonOfAll(carol));
        Assert.Null(s.PersonOf(stranger[0]));
        Assert.Empty(report.NamesLost);
        Assert.Equal(1, report.PeopleCreated);

        // A second face of the stranger arrives: with the first (unassigned) it now forms a person.
        var second = await s.AddAsync(5, 1);
        await s.People.ClusterAsync();
        s.PersonOfAll(stranger.Concat(second));
    }

    [Fact]
    public async Task TheIngestHookAddsOnlyTheGivenFaces()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 4);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        var more = await s.AddAsync(1, 2);
        var notAnnounced = await s.AddAsync(1, 1);

        var report = await s.People.AddFacesAsync([.. more, Guid.NewGuid()]);

        Assert.Equal(2, report.FacesAssigned);
        Assert.Equal(aliceId, s.PersonOfAll(alice.Concat(more)));
        Assert.False(s.Store.Faces().ContainsKey(notAnnounced[0]));
        await s.People.ClusterAsync(); // the catch-up run finds it
        Assert.Equal(aliceId, s.PersonOf(notAnnounced[0]));
    }

    [Fact]
    public async Task NameAndHiddenSurviveAFullRecluster()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 5);
        var bob = await s.AddAsync(2, 5);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        var bobId = s.PersonOfAll(bob);
        s.People.Name(aliceId, "Alice");
        s.People.Hide(bobId);
        await s.AddAsync(1, 2);

        var report = await s.People.ClusterAsync(full: true);

        Assert.True(report.Full);
        Assert.Empty(report.NamesLost);
        Assert.Equal(aliceId, s.PersonOfAll(alice));
        Assert.Equal("Alice", s.People.Get(aliceId).Name);
        Assert.True(s.People.Get(s.PersonOfAll(bob)).Hidden);
        Assert.DoesNotContain(s.People.List(), p => p.Hidden);
        Assert.Equal(aliceId, s.People.Resolve("alice").Id);
    }

    [Fact]
    public async Task MergeSurvivesAFullRecluster()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 4);
        var bob = await s.AddAsync(2, 4);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        var bobId = s.PersonOfAll(bob);
        s.People.Name(bobId, "Bob");

        var merged = s.People.Merge(aliceId, bobId);

        Assert.Equal("Bob", merged.Name); // the kept person had no name: it takes the other's
        Assert.Equal(8, merged.FaceCount);
        Assert.Throws<PersonNotFoundException>(() => s.People.Get(bobId));
        await s.People.ClusterAsync(full: true);
        Assert.Equal(aliceId, s.PersonOfAll(alice.Concat(bob)));
        Assert.Equal("Bob", s.People.Get(aliceId).Name);
    }

    [Fact]
    public async Task SplitSurvivesAFullRecluster()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 6);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        var moved = alice.Take(2).ToList();

        var twin = await s.People.SplitAsync(aliceId, moved);

        Assert.Equal(2, twin.FaceCount);
        Assert.Equal(twin.Id, s.PersonOfAll(moved));
        Assert.Equal(aliceId, s.PersonOfAll(alice.Skip(2)));
        await s.People.ClusterAsync(full: true);
        Assert.Equal(twin.Id, s.PersonOfAll(moved));
        Assert.Equal(aliceId, s.PersonOfAll(alice.Skip(2)));
    }

    [Fact]
    public async Task NotThisPersonHoldsThroughReclusterAndIncrementalRuns()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 6);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        var rejected = alice[0];

        await s.People.RejectAsync(aliceId, [rejected]);
        Assert.Null(s.PersonOf(rejected));

        await s.People.ClusterAsync(full: true);
        Assert.Equal(aliceId, s.PersonOfAll(alice.Skip(1)));
        Assert.NotEqual(aliceId, s.PersonOf(rejected));

        // Incremental: a copy-like new face of the same identity joins Alice; the rejected face still does not.
        await s.AddAsync(1, 2);
        await s.People.ClusterAsync();
        Assert.NotEqual(aliceId, s.PersonOf(rejected));
        Assert.Equal(7, s.People.Get(aliceId).FaceCount);
    }

    [Fact]
    public async Task ErasingTheCoverFaceChoosesANewCoverAmongTheFacesLeft()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 4);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        var cover = s.People.Get(aliceId).CoverFace!.Value;

        await s.Index.DeleteAsync([cover]);
        Assert.Empty(await s.People.ForgetFacesAsync([cover]));
        var after = s.People.Get(aliceId);
        Assert.Equal(3, after.FaceCount);
        Assert.NotNull(after.CoverFace);
        Assert.NotEqual(cover, after.CoverFace);
        Assert.Contains(after.CoverFace!.Value, s.People.FaceIds(aliceId));
    }

    [Fact]
    public async Task NamesAreBoundedAndTextOnly()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 3);
        await s.People.ClusterAsync();
        var id = s.PersonOfAll(alice);
        var tooLong = Assert.Throws<ArgumentException>(() => s.People.Name(id, "X" + new string('y', PeopleService.MaxNameLength)));
        Assert.DoesNotContain("yyyy", tooLong.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => s.People.Name(id, "two\nlines"));
        Assert.Equal("<img src=x onerror=alert(1)>", s.People.Name(id, "  <img src=x onerror=alert(1)> ").Name);
    }

    [Fact]
    public async Task ErasingFacesRemovesAssignmentsAndEmptyPersons()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 3);
        var bob = await s.AddAsync(2, 3);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        var bobId = s.PersonOfAll(bob);
        s.People.Name(aliceId, "Alice");
        await s.People.RejectAsync(bobId, [bob[0]]);

        // Through the hook...
        await s.Index.DeleteAsync(alice);
        var gone = s.People.ForgetFaces(alice);
        Assert.Equal([aliceId], gone);
        Assert.Throws<PersonNotFoundException>(() => s.People.Get(aliceId));
        Assert.All(alice, f => Assert.False(s.Store.Faces().ContainsKey(f)));

        // ...and without it: the next run catches up with deletions from the index.
        await s.Index.DeleteAsync(bob);
        var report = await s.People.ClusterAsync();
        Assert.Equal(3, report.FacesRemoved);
        Assert.Empty(s.People.List(includeHidden: true));
        Assert.Empty(s.Store.Faces());
        Assert.Empty(s.Store.CannotLinks());
    }

    [Fact]
    public async Task StoresWithoutBatchedNeighboursGetTheSamePeople()
    {
        // A store that only has IFaceIndex (as Qdrant): the graph comes from one search per face.
        await using var s = new SyntheticFaces(wrap: index => new PlainIndex(index));
        var alice = await s.AddAsync(1, 4);
        var bob = await s.AddAsync(2, 3);
        var loner = await s.AddAsync(3, 1);
        await s.People.ClusterAsync();
        Assert.NotEqual(s.PersonOfAll(alice), s.PersonOfAll(bob));
        Assert.Null(s.PersonOf(loner[0]));
        var more = await s.AddAsync(2, 2);
        await s.People.ClusterAsync();
        Assert.Equal(s.PersonOfAll(bob), s.PersonOfAll(more));
    }

    [Fact]
    public async Task CorrectionsRejectBadInput()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 3);
        var bob = await s.AddAsync(2, 3);
        await s.People.ClusterAsync();
        var aliceId = s.PersonOfAll(alice);
        Assert.Throws<PersonNotFoundException>(() => s.People.Name(999, "x"));
        Assert.Throws<ArgumentException>(() => s.People.Merge(aliceId, aliceId));
        await Assert.ThrowsAsync<ArgumentException>(() => s.People.SplitAsync(aliceId, [bob[0]]));
        await Assert.ThrowsAsync<ArgumentException>(() => s.People.SplitAsync(aliceId, []));
        Assert.Throws<PersonNotFoundException>(() => s.People.Resolve("nobody"));
    }

    [Fact]
    public async Task CentroidMatchesThePersonsFaces()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 4);
        await s.People.ClusterAsync();
        var centroid = await s.People.CentroidAsync(s.PersonOfAll(alice));
        var hits = await s.Index.SearchAsync(new FaceQuery(centroid, SyntheticFaces.Model, 4));
        Assert.Equal(alice.Order(), hits.Select(h => h.Id).Order());
        Assert.All(hits, h => Assert.True(h.Score > 0.6f));
    }

    [Fact]
    public async Task SearchByPersonFindsFacesNotYetAssigned()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 4);
        await s.AddAsync(2, 3);
        await s.People.ClusterAsync();
        var unassigned = await s.AddAsync(1, 1); // indexed, not yet clustered
        var found = await s.People.SearchByPersonAsync(s.PersonOfAll(alice));
        Assert.Equal(unassigned, found.Select(f => f.Id));
        Assert.True(found[0].Score >= SyntheticFaces.Threshold);
    }

    [Fact]
    public async Task HooksFindExistingPeopleWithTheirLinkThreshold()
    {
        await using var s = new SyntheticFaces();
        var alice = await s.AddAsync(1, 3);
        var options = new FaceIndexOptions { DbPath = s.DbPath };
        Assert.Null(PeopleService.OpenExisting(s.Index, options, 20)); // never clustered: nothing to keep up to date
        await s.People.ClusterAsync();
        var more = await s.AddAsync(1, 1);

        var existing = PeopleService.OpenExisting(s.Index, options, 20);

        Assert.NotNull(existing);
        using (existing.Store)
        {
            Assert.Equal(SyntheticFaces.Threshold, existing.Options.LinkThreshold);
            await existing.AddFacesAsync(more);
        }
        Assert.Equal(s.PersonOfAll(alice), s.PersonOf(more[0]));
    }

    /// <summary>Only the IFaceIndex surface of a store.</summary>
    private sealed class PlainIndex(IFaceIndex inner) : IFaceIndex
    {
        public string Collection => inner.Collection;
        public Task<CollectionInfo> EnsureCollectionAsync(CollectionSpec spec, CancellationToken cancellationToken = default) => inner.EnsureCollectionAsync(spec, cancellationToken);
        public Task<CollectionInfo?> GetCollectionAsync(CancellationToken cancellationToken = default) => inner.GetCollectionAsync(cancellationToken);
        public Task UpsertAsync(IReadOnlyList<FacePoint> faces, CancellationToken cancellationToken = default) => inner.UpsertAsync(faces, cancellationToken);
        public Task<IReadOnlyList<FaceMatch>> SearchAsync(FaceQuery query, CancellationToken cancellationToken = default) => inner.SearchAsync(query, cancellationToken);
        public Task<IReadOnlyList<FacePoint>> GetAsync(IReadOnlyList<Guid> ids, bool withVectors = false, CancellationToken cancellationToken = default) => inner.GetAsync(ids, withVectors, cancellationToken);
        public Task DeleteAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken = default) => inner.DeleteAsync(ids, cancellationToken);
        public Task<long> DeleteAsync(FaceFilter filter, CancellationToken cancellationToken = default) => inner.DeleteAsync(filter, cancellationToken);
        public Task<long> CountAsync(FaceFilter? filter = null, CancellationToken cancellationToken = default) => inner.CountAsync(filter, cancellationToken);
        public Task<FacePage> ListAsync(int limit, string? offset = null, FaceFilter? filter = null, bool withVectors = false, CancellationToken cancellationToken = default) => inner.ListAsync(limit, offset, filter, withVectors, cancellationToken);
        public Task ReplaceImagesAsync(IReadOnlyList<ImageReplacement> images, CancellationToken cancellationToken = default) => inner.ReplaceImagesAsync(images, cancellationToken);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
