using System.Globalization;
using FaceVector.Application.Errors;
using FaceVector.Client;
using FaceVector.Grpc.V1;
using FaceVector.Index;
using FaceVector.People;
using Grpc.Core;
using Person = FaceVector.Grpc.V1.Person;

namespace FaceVector.Services.Search;

/// <summary>
/// The <c>facevector.v1.People</c> gRPC service: a thin adapter over <see cref="PeopleService"/> (list, one person's
/// faces paged, name, merge, split, not this person, hide, cluster, search by person; mutations need the admin key). Unknown people are NOT_FOUND naming the field; bad ids are
/// INVALID_ARGUMENT.
/// </summary>
public sealed class PeopleGrpcService(PeopleProvider provider) : FaceVector.Grpc.V1.People.PeopleBase
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;
    private const int DefaultTopK = 20;

    public override async Task<ListPeopleReply> ListPeople(ListPeopleRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        var persons = people.List(request.IncludeHidden);
        var covers = await CoversAsync(people, persons, context.CancellationToken);
        var reply = new ListPeopleReply();
        reply.People.AddRange(persons.Select(p => ToProto(p, covers)));
        return reply;
    }

    public override async Task<GetPersonReply> GetPerson(GetPersonRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        var person = Resolve(people, request.Person, "person");
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw FaceVectorException.InvalidArgument("page_size", $"must be between 0 and {MaxPageSize}");
        }

        var offset = 0;
        if (request.PageToken.Length > 0 && (!int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            throw FaceVectorException.InvalidArgument("page_token", "is not a next_page_token of this call");
        }

        var faces = await people.FacesAsync(person.Id, context.CancellationToken);
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var reply = new GetPersonReply
        {
            Person = ToProto(person, faces.ToDictionary(f => f.Id)),
            PhotoCount = faces.Select(f => f.Payload.ImagePath).Distinct(StringComparer.Ordinal).Count(),
            NextPageToken = offset + size < faces.Count ? (offset + size).ToString(CultureInfo.InvariantCulture) : string.Empty,
        };
        reply.Faces.AddRange(faces.Skip(offset).Take(size).Select(ToProto));
        return reply;
    }

    public override async Task<Person> NamePerson(NamePersonRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        var person = Call(() => people.Name(request.Id, request.Name), "id");
        return await WithCoverAsync(people, person, context.CancellationToken);
    }

    public override async Task<Person> MergePeople(MergePeopleRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        Call(() => people.Get(request.FromId), "from_id");
        var person = Call(() => people.Merge(request.IntoId, request.FromId), "into_id");
        return await WithCoverAsync(people, person, context.CancellationToken);
    }

    public override async Task<Person> SplitPerson(SplitPersonRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        var ids = PointIds(request.PointIds);
        Call(() => people.Get(request.Id), "id");
        Person? created = null;
        try
        {
            created = await WithCoverAsync(people, await people.SplitAsync(request.Id, ids, context.CancellationToken), context.CancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw FaceVectorException.InvalidArgument("point_ids", Plain(ex));
        }

        return created;
    }

    public override async Task<RejectFacesReply> RejectFaces(SplitPersonRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        var ids = PointIds(request.PointIds);
        Call(() => people.Get(request.Id), "id");
        try
        {
            await people.RejectAsync(request.Id, ids, context.CancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw FaceVectorException.InvalidArgument("point_ids", Plain(ex));
        }

        var reply = new RejectFacesReply();
        if (people.Store.Person(request.Id) is { } left)
        {
            reply.Person = await WithCoverAsync(people, left, context.CancellationToken);
        }

        return reply;
    }

    public override async Task<Person> HidePerson(HidePersonRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        var person = Call(() => people.Hide(request.Id, request.Hidden), "id");
        return await WithCoverAsync(people, person, context.CancellationToken);
    }

    public override async Task<ClusterPeopleReply> ClusterPeople(ClusterPeopleRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        var report = await people.ClusterAsync(request.Full, context.CancellationToken);
        return new ClusterPeopleReply { People = report.People, FacesAssigned = report.FacesAssigned, PeopleCreated = report.PeopleCreated, PeopleRemoved = report.PeopleRemoved };
    }

    private static List<Guid> PointIds(IEnumerable<string> texts)
    {
        var ids = new List<Guid>();
        foreach (var text in texts)
        {
            if (!Guid.TryParse(text, out var id))
            {
                throw FaceVectorException.InvalidArgument("point_ids", $"{FaceVectorException.Quote(text)} is not a UUID");
            }

            ids.Add(id);
        }

        return ids;
    }

    public override async Task<SearchReply> SearchByPerson(SearchByPersonRequest request, ServerCallContext context)
    {
        var people = await provider.GetAsync(context.CancellationToken);
        var person = Resolve(people, request.Person, "person");
        if (request.TopK < 0)
        {
            throw FaceVectorException.InvalidArgument("top_k", "must be 0 or more");
        }

        if (request.HasScoreThreshold && !(request.ScoreThreshold is >= -1 and <= 1))
        {
            throw FaceVectorException.InvalidArgument("score_threshold", "must be a number in [-1, 1]");
        }

        var threshold = request.HasScoreThreshold ? request.ScoreThreshold : people.Options.LinkThreshold;
        var matches = await people.SearchByPersonAsync(person.Id, request.TopK == 0 ? DefaultTopK : request.TopK, threshold, context.CancellationToken);
        var info = await people.Index.GetCollectionAsync(context.CancellationToken);
        var probe = new ProbeFaceMatches();
        probe.Matches.AddRange(matches.Select(ProtoMapping.ToProto));
        var reply = new SearchReply { ModelId = info?.ModelId ?? string.Empty, ScoreThreshold = threshold };
        reply.Faces.Add(probe);
        return reply;
    }

    private static People.Person Resolve(PeopleService people, string idOrName, string field)
    {
        if (string.IsNullOrWhiteSpace(idOrName))
        {
            throw FaceVectorException.InvalidArgument(field, "give a person id or name");
        }

        return Call(() => people.Resolve(idOrName), field);
    }

    private static T Call<T>(Func<T> action, string field)
    {
        try
        {
            return action();
        }
        catch (PersonNotFoundException ex)
        {
            throw FaceVectorException.NotFound(field, ex.Message);
        }
        catch (ArgumentException ex)
        {
            throw FaceVectorException.InvalidArgument(field, Plain(ex));
        }
    }

    private static string Plain(ArgumentException ex) =>
        ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);

    private static async Task<Dictionary<Guid, FacePoint>> CoversAsync(PeopleService people, IEnumerable<People.Person> persons, CancellationToken ct)
    {
        var ids = persons.Select(p => p.CoverFace).OfType<Guid>().ToList();
        var points = await people.Index.GetAsync(ids, false, ct);
        return points.ToDictionary(p => p.Id);
    }

    private static async Task<Person> WithCoverAsync(PeopleService people, People.Person person, CancellationToken ct) =>
        ToProto(person, await CoversAsync(people, [person], ct));

    private static Person ToProto(People.Person p, IReadOnlyDictionary<Guid, FacePoint> covers)
    {
        var reply = new Person
        {
            Id = p.Id,
            Name = p.Name ?? string.Empty,
            FaceCount = p.FaceCount,
            Hidden = p.Hidden,
            Created = p.Created.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            Updated = p.Updated.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
        if (p.CoverFace is Guid cover && covers.TryGetValue(cover, out var point))
        {
            reply.Cover = ToProto(point);
        }

        return reply;
    }

    private static PersonFace ToProto(FacePoint f) => new()
    {
        PointId = f.Id.ToString(),
        ImagePath = f.Payload.ImagePath,
        Box = new BoundingBox { X1 = f.Payload.Box.X1, Y1 = f.Payload.Box.Y1, X2 = f.Payload.Box.X2, Y2 = f.Payload.Box.Y2 },
        FaceIndex = f.Payload.FaceIndex,
    };
}
