using FaceVector.Client;
using FaceVector.Grpc.V1;
using FaceVector.Services.Search;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace FaceVector.Services.Tests;

/// <summary>The People gRPC service over real loopback, on faces-dev embedded by the real models.</summary>
[Collection(SearchStackCollection.Name)]
public sealed class PeopleGrpcTests(SearchStackFixture stack)
{
    private FaceVector.Grpc.V1.People.PeopleClient Client => new(stack.Search.Channel);

    private static string Relative(string path) => Path.GetRelativePath(TestData.FacesDev, path);

    /// <summary>Clusters the server's index (no RPC does that: it is the CLI's and the ingest hook's job) and finds Obama's person.</summary>
    private async Task<(FaceVector.People.PeopleService Service, long ObamaId)> ClusteredAsync()
    {
        var service = await stack.Search.Services.GetRequiredService<PeopleProvider>().GetAsync(CancellationToken.None);
        await service.ClusterAsync();
        ListPeopleReply list = await Client.ListPeopleAsync(new ListPeopleRequest(), ServiceHost.KeyHeaders);
        foreach (Person p in list.People)
        {
            GetPersonReply faces = await Client.GetPersonAsync(new GetPersonRequest { Person = p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), PageSize = 1000 }, ServiceHost.KeyHeaders);
            if (faces.Faces.Count(f => Relative(f.ImagePath).StartsWith("barack_obama/", StringComparison.Ordinal)) >= 3)
            {
                return (service, p.Id);
            }
        }

        throw new Xunit.Sdk.XunitException("no person holds Obama's photos");
    }

    [Fact]
    public async Task List_name_page_and_search_by_person()
    {
        (_, long obama) = await ClusteredAsync();
        ListPeopleReply list = await Client.ListPeopleAsync(new ListPeopleRequest(), ServiceHost.KeyHeaders);
        Assert.True(list.People.Count >= 5, $"{list.People.Count} people in faces-dev");
        Assert.All(list.People, p => Assert.True(p.FaceCount >= 2 && p.Cover is not null));

        Person named = await Client.NamePersonAsync(new NamePersonRequest { Id = obama, Name = "Barack Obama" }, ServiceHost.AdminHeaders);
        Assert.Equal("Barack Obama", named.Name);

        GetPersonReply first = await Client.GetPersonAsync(new GetPersonRequest { Person = "barack obama", PageSize = 2 }, ServiceHost.KeyHeaders);
        Assert.Equal(obama, first.Person.Id);
        Assert.Equal(2, first.Faces.Count);
        Assert.NotEmpty(first.NextPageToken);
        GetPersonReply second = await Client.GetPersonAsync(new GetPersonRequest { Person = "Barack Obama", PageSize = 2, PageToken = first.NextPageToken }, ServiceHost.KeyHeaders);
        Assert.Empty(first.Faces.Select(f => f.PointId).Intersect(second.Faces.Select(f => f.PointId)));
        Assert.True(first.PhotoCount >= 3);

        GetPersonReply all = await Client.GetPersonAsync(new GetPersonRequest { Person = "Barack Obama", PageSize = 1000 }, ServiceHost.KeyHeaders);
        SearchReply more = await Client.SearchByPersonAsync(new SearchByPersonRequest { Person = "Barack Obama", TopK = 50 }, ServiceHost.KeyHeaders);
        Assert.Equal(stack.Model.ModelId, more.ModelId);
        Assert.All(more.Faces.Single().Matches, m =>
        {
            Assert.DoesNotContain(m.PointId, all.Faces.Select(f => f.PointId));
            Assert.True(m.Score >= more.ScoreThreshold);
        });
    }

    [Fact]
    public async Task Split_then_merge_and_erasure_through_delete()
    {
        (var service, long obama) = await ClusteredAsync();
        GetPersonReply before = await Client.GetPersonAsync(new GetPersonRequest { Person = obama.ToString(System.Globalization.CultureInfo.InvariantCulture), PageSize = 1000 }, ServiceHost.KeyHeaders);

        Person split = await Client.SplitPersonAsync(new SplitPersonRequest { Id = obama, PointIds = { before.Faces[0].PointId } }, ServiceHost.AdminHeaders);
        Assert.Equal(1, split.FaceCount);
        Person merged = await Client.MergePeopleAsync(new MergePeopleRequest { IntoId = obama, FromId = split.Id }, ServiceHost.AdminHeaders);
        Assert.Equal(before.Person.FaceCount, merged.FaceCount);

        // A copy of an Obama photo joins him; deleting it through gRPC takes it out of the person again.
        string copy = Path.Combine(Path.GetTempPath(), $"fv-people-{Guid.NewGuid():N}", "obama.jpg");
        ImageFaces faces = await stack.EmbeddingClient.EmbedAsync(new ImageRequest { Image = ByteString.CopyFrom(File.ReadAllBytes(TestData.FacesDevFile("barack_obama/obama.jpg"))) }, ServiceHost.KeyHeaders);
        var point = new Index.FacePoint(Guid.NewGuid(), new Index.FacePayload
        {
            ImagePath = copy, ImageHash = "copy", FaceIndex = 0, Box = ProtoMapping.ToFaceBox(faces.Faces[0].Box), DetectionScore = 1,
            Keypoints = [.. faces.Faces[0].Keypoints], ModelId = stack.Model.ModelId, IngestedAt = DateTimeOffset.UtcNow,
        }, [.. faces.Faces[0].Embedding]);
        await stack.Index.UpsertAsync([point]);
        await service.AddFacesAsync([point.Id]);
        Assert.Equal(obama, service.Store.Faces([point.Id])[point.Id].PersonId);

        await stack.SearchClient.DeleteImagesAsync(new DeleteImagesRequest { Filter = new PayloadFilter { ImagePath = copy } }, ServiceHost.AdminHeaders);
        Assert.Empty(service.Store.Faces([point.Id]));
        Assert.Equal(before.Person.FaceCount, service.Get(obama).FaceCount);
    }

    [Fact]
    public async Task Unknown_people_are_not_found_and_bad_ids_invalid()
    {
        var notFound = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetPersonAsync(new GetPersonRequest { Person = "nobody at all" }, ServiceHost.KeyHeaders));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        var badName = await Assert.ThrowsAsync<RpcException>(async () => await Client.NamePersonAsync(new NamePersonRequest { Id = 987654, Name = "x" }, ServiceHost.AdminHeaders));
        Assert.Equal(StatusCode.NotFound, badName.StatusCode);
        var badId = await Assert.ThrowsAsync<RpcException>(async () => await Client.SplitPersonAsync(new SplitPersonRequest { Id = 1, PointIds = { "not-a-uuid" } }, ServiceHost.AdminHeaders));
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        var badToken = await Assert.ThrowsAsync<RpcException>(async () => await Client.GetPersonAsync(new GetPersonRequest { Person = "1", PageToken = "x" }, ServiceHost.KeyHeaders));
        Assert.True(badToken.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound);
    }
    [Fact]
    public async Task Every_people_mutation_needs_the_admin_key()
    {
        (_, long obama) = await ClusteredAsync();
        var calls = new (string Name, Func<Task> Call)[]
        {
            ("NamePerson", async () => await Client.NamePersonAsync(new NamePersonRequest { Id = obama, Name = "x" }, ServiceHost.KeyHeaders)),
            ("MergePeople", async () => await Client.MergePeopleAsync(new MergePeopleRequest { IntoId = obama, FromId = obama + 1 }, ServiceHost.KeyHeaders)),
            ("SplitPerson", async () => await Client.SplitPersonAsync(new SplitPersonRequest { Id = obama, PointIds = { Guid.NewGuid().ToString() } }, ServiceHost.KeyHeaders)),
            ("RejectFaces", async () => await Client.RejectFacesAsync(new SplitPersonRequest { Id = obama, PointIds = { Guid.NewGuid().ToString() } }, ServiceHost.KeyHeaders)),
            ("HidePerson", async () => await Client.HidePersonAsync(new HidePersonRequest { Id = obama, Hidden = true }, ServiceHost.KeyHeaders)),
            ("ClusterPeople", async () => await Client.ClusterPeopleAsync(new ClusterPeopleRequest { Full = true }, ServiceHost.KeyHeaders)),
        };
        foreach ((string name, Func<Task> call) in calls)
        {
            var denied = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(denied.StatusCode == StatusCode.PermissionDenied, $"{name}: {denied.StatusCode} {denied.Status.Detail}");
        }

        // Reads stay open to the search key.
        await Client.ListPeopleAsync(new ListPeopleRequest(), ServiceHost.KeyHeaders);
        Assert.False((await Client.GetPersonAsync(new GetPersonRequest { Person = obama.ToString(System.Globalization.CultureInfo.InvariantCulture) }, ServiceHost.KeyHeaders)).Person.Hidden);
    }

    [Fact]
    public async Task Reject_hide_and_cluster_with_the_admin_key()
    {
        (var service, long obama) = await ClusteredAsync();
        string id = obama.ToString(System.Globalization.CultureInfo.InvariantCulture);
        GetPersonReply before = await Client.GetPersonAsync(new GetPersonRequest { Person = id, PageSize = 1000 }, ServiceHost.KeyHeaders);
        string rejected = before.Faces[^1].PointId;
        RejectFacesReply reply = await Client.RejectFacesAsync(new SplitPersonRequest { Id = obama, PointIds = { rejected } }, ServiceHost.AdminHeaders);
        Assert.Equal(before.Person.FaceCount - 1, reply.Person.FaceCount);

        // "Not this person" holds through a full re-cluster.
        ClusterPeopleReply clustered = await Client.ClusterPeopleAsync(new ClusterPeopleRequest { Full = true }, ServiceHost.AdminHeaders);
        Assert.True(clustered.People >= 5);
        Assert.NotEqual(obama, service.Store.Faces([Guid.Parse(rejected)]).GetValueOrDefault(Guid.Parse(rejected))?.PersonId);

        Person hidden = await Client.HidePersonAsync(new HidePersonRequest { Id = obama, Hidden = true }, ServiceHost.AdminHeaders);
        Assert.True(hidden.Hidden);
        Assert.DoesNotContain((await Client.ListPeopleAsync(new ListPeopleRequest(), ServiceHost.KeyHeaders)).People, p => p.Id == obama);
        Assert.Contains((await Client.ListPeopleAsync(new ListPeopleRequest { IncludeHidden = true }, ServiceHost.KeyHeaders)).People, p => p.Id == obama);
        await Client.HidePersonAsync(new HidePersonRequest { Id = obama, Hidden = false }, ServiceHost.AdminHeaders);
    }
}
