using System.CommandLine;
using System.Globalization;
using FaceVector.Cli.Output;
using FaceVector.Core.Models;
using FaceVector.Index;
using FaceVector.Ingestion;
using FaceVector.People;
using FaceVector.People.Storage;

namespace FaceVector.Cli.Commands;

/// <summary>
/// <c>facevector people</c>: the persons the indexed faces group into, and the user's corrections (name, merge, split,
/// "not this person", hide). The list is the default action; corrections are sub-commands.
/// </summary>
internal static class PeopleCommands
{
    public static Command Build()
    {
        var store = new StoreOptions();
        var json = new Option<bool>("--json") { Description = "Print JSON: {\"people\": [{\"id\", \"name\", \"faceCount\", ...}]}" };
        var faces = new Option<bool>("--faces") { Description = "With each person its faces (path, bbox)" };
        var all = new Option<bool>("--all") { Description = "Also hidden people" };
        var command = new Command("people", "People: the indexed faces grouped by person (run 'people cluster' first), with names and corrections.") { json, faces, all };
        store.AddTo(command);
        command.SetAction((parse, ct) => Guard(async () =>
        {
            await using var session = await PeopleSession.OpenAsync(store, parse, ct);
            var people = session.People.List(parse.GetValue(all));
            var withFaces = parse.GetValue(faces);
            if (parse.GetValue(json))
            {
                var list = new List<PersonJson>();
                foreach (var p in people)
                {
                    var points = withFaces || p.CoverFace is not null ? await session.People.FacesAsync(p.Id, ct) : [];
                    var cover = points.FirstOrDefault(f => f.Id == p.CoverFace);
                    list.Add(new PersonJson(p.Id, p.Name, p.FaceCount, p.Hidden, p.Created, p.Updated, cover is null ? null : FaceJson.From(cover), withFaces ? [.. points.Select(FaceJson.From)] : null));
                }

                Json.Write(new { People = list });
                return 0;
            }

            Console.WriteLine($"{people.Count} people ({session.Describe})");
            foreach (var p in people)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Id,6}  {p.Name ?? "(unnamed)",-30} {p.FaceCount,5} faces{(p.Hidden ? "  hidden" : string.Empty)}"));
                if (withFaces)
                {
                    foreach (var f in await session.People.FacesAsync(p.Id, ct))
                    {
                        Console.WriteLine($"        {f.Payload.ImagePath}  {Box(f.Payload.Box)}");
                    }
                }
            }

            return 0;
        }));

        command.Add(BuildCluster());
        command.Add(BuildShow());
        command.Add(BuildName());
        command.Add(BuildMerge());
        command.Add(BuildFaceCorrection("split", "Move faces out of a person into a new person (both groups stay apart in every re-cluster)", split: true));
        command.Add(BuildFaceCorrection("reject", "\"Not this person\": the faces leave the person and never return to it", split: false));
        command.Add(BuildHide());
        return command;
    }

    private static Command BuildCluster()
    {
        var store = new StoreOptions();
        var full = new Option<bool>("--full") { Description = "Re-cluster every face (names, hidden flags and corrections are kept by matching old people to new)" };
        var command = new Command("cluster", "Group the indexed faces into people: incremental (new faces join people or form new ones; deleted faces leave), or --full.") { full };
        store.AddTo(command);
        command.SetAction((parse, ct) => Guard(async () =>
        {
            await using var session = await PeopleSession.OpenAsync(store, parse, ct);
            var r = await session.People.ClusterAsync(parse.GetValue(full), ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(r.Full ? "full" : "incremental")}: {r.FacesConsidered} faces clustered ({r.FacesAdded} new, {r.FacesRemoved} removed, {r.FacesExcluded} left out by quality gates), {r.FacesAssigned} assigned; {r.PeopleCreated} people created, {r.PeopleRemoved} removed, {r.People} in all; {r.Elapsed.TotalSeconds:0.00} s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"link threshold {session.People.Options.LinkThreshold:0.###} (the recognizer's), {session.People.Options.Neighbours} neighbours, {session.Describe}"));
            if (r.NamesLost.Count > 0)
            {
                Console.WriteLine($"warning: named people gone: {string.Join(", ", r.NamesLost)}");
            }

            return 0;
        }));
        return command;
    }

    private static Command BuildShow()
    {
        var store = new StoreOptions();
        var person = new Argument<string>("PERSON") { Description = "Person id or name" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("show", "A person's faces (face id, photo, box).") { person, json };
        store.AddTo(command);
        command.SetAction((parse, ct) => Guard(async () =>
        {
            await using var session = await PeopleSession.OpenAsync(store, parse, ct);
            var p = session.Resolve(parse.GetValue(person)!);
            var faces = await session.People.FacesAsync(p.Id, ct);
            if (parse.GetValue(json))
            {
                Json.Write(new PersonJson(p.Id, p.Name, p.FaceCount, p.Hidden, p.Created, p.Updated,
                    faces.FirstOrDefault(f => f.Id == p.CoverFace) is { } c ? FaceJson.From(c) : null, [.. faces.Select(FaceJson.From)]));
                return 0;
            }

            Console.WriteLine($"person {p.Id}  {p.Name ?? "(unnamed)"}  {p.FaceCount} faces{(p.Hidden ? "  hidden" : string.Empty)}");
            foreach (var f in faces)
            {
                Console.WriteLine($"{f.Id}  {f.Payload.ImagePath}  {Box(f.Payload.Box)}{(f.Id == p.CoverFace ? "  (cover)" : string.Empty)}");
            }

            return 0;
        }));
        return command;
    }

    private static Command BuildName()
    {
        var store = new StoreOptions();
        var person = new Argument<string>("PERSON") { Description = "Person id or current name" };
        var name = new Argument<string>("NAME") { Description = "New name (\"\" removes it)" };
        var command = new Command("name", "Name a person; the name survives re-clustering.") { person, name };
        store.AddTo(command);
        command.SetAction((parse, ct) => Guard(async () =>
        {
            await using var session = await PeopleSession.OpenAsync(store, parse, ct);
            var p = session.People.Name(session.Resolve(parse.GetValue(person)!).Id, parse.GetValue(name));
            Console.WriteLine($"person {p.Id}: {p.Name ?? "(unnamed)"}");
            return 0;
        }));
        return command;
    }

    private static Command BuildMerge()
    {
        var store = new StoreOptions();
        var into = new Argument<string>("A") { Description = "Person kept (id or name)" };
        var from = new Argument<string>("B") { Description = "Person merged into A (id or name)" };
        var command = new Command("merge", "Merge person B into person A (they stay together in every re-cluster).") { into, from };
        store.AddTo(command);
        command.SetAction((parse, ct) => Guard(async () =>
        {
            await using var session = await PeopleSession.OpenAsync(store, parse, ct);
            var p = session.People.Merge(session.Resolve(parse.GetValue(into)!).Id, session.Resolve(parse.GetValue(from)!).Id);
            Console.WriteLine($"person {p.Id}: {p.Name ?? "(unnamed)"}, {p.FaceCount} faces");
            return 0;
        }));
        return command;
    }

    private static Command BuildFaceCorrection(string name, string description, bool split)
    {
        var store = new StoreOptions();
        var person = new Argument<string>("PERSON") { Description = "Person id or name" };
        var faces = new Option<string[]>("--faces") { Description = "Face ids (from 'people show'), or photo paths: every face of the person in that photo", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command(name, description) { person, faces };
        store.AddTo(command);
        command.SetAction((parse, ct) => Guard(async () =>
        {
            await using var session = await PeopleSession.OpenAsync(store, parse, ct);
            var p = session.Resolve(parse.GetValue(person)!);
            var members = await session.People.FacesAsync(p.Id, ct);
            var chosen = new HashSet<Guid>();
            foreach (var item in parse.GetValue(faces) ?? [])
            {
                var matches = Guid.TryParse(item, out var id) ? members.Where(m => m.Id == id).ToList() : [.. members.Where(m => m.Payload.ImagePath == Path.GetFullPath(item))];
                if (matches.Count == 0)
                {
                    return CliErrors.Fail($"--faces: '{item}' is not a face or photo of person {p.Id}");
                }

                chosen.UnionWith(matches.Select(m => m.Id));
            }

            if (split)
            {
                var created = await session.People.SplitAsync(p.Id, chosen, ct);
                Console.WriteLine($"{chosen.Count} face(s) moved from person {p.Id} to new person {created.Id}");
            }
            else
            {
                await session.People.RejectAsync(p.Id, chosen, ct);
                Console.WriteLine($"{chosen.Count} face(s) are not person {p.Id} and will not return to it");
            }

            return 0;
        }));
        return command;
    }

    private static Command BuildHide()
    {
        var store = new StoreOptions();
        var person = new Argument<string>("PERSON") { Description = "Person id or name" };
        var unhide = new Option<bool>("--unhide") { Description = "Show the person again" };
        var command = new Command("hide", "Hide a person from the list (kept, and kept hidden across re-clustering).") { person, unhide };
        store.AddTo(command);
        command.SetAction((parse, ct) => Guard(async () =>
        {
            await using var session = await PeopleSession.OpenAsync(store, parse, ct);
            var p = session.People.Hide(session.Resolve(parse.GetValue(person)!).Id, !parse.GetValue(unhide));
            Console.WriteLine($"person {p.Id}: {(p.Hidden ? "hidden" : "shown")}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// <c>query --person</c>: every photo of the person, then up to <paramref name="top"/> faces not yet assigned to
    /// them that match their centroid (at or above the threshold; default: the link threshold the people were made with).
    /// </summary>
    public static Task<int> QueryPersonAsync(StoreOptions store, ParseResult parse, string who, int top, float? threshold, bool json, CancellationToken ct) => Guard(async () =>
    {
        await using var session = await PeopleSession.OpenAsync(store, parse, ct);
        var p = session.Resolve(who);
        var faces = await session.People.FacesAsync(p.Id, ct);
        var more = top > 0 ? await session.People.SearchByPersonAsync(p.Id, top, threshold, ct) : [];
        if (json)
        {
            Json.Write(new
            {
                Person = new { p.Id, p.Name, p.FaceCount },
                Photos = faces.Select(FaceJson.From),
                Unassigned = more.Select(m => new { Path = m.Payload.ImagePath, m.Score, Bbox = FaceJson.From(new FacePoint(m.Id, m.Payload)).Bbox, m.Payload.FaceIndex, Id = m.Id }),
                Threshold = threshold ?? session.People.Options.LinkThreshold,
            });
            return 0;
        }

        Console.WriteLine($"person {p.Id}  {p.Name ?? "(unnamed)"}: {faces.Select(f => f.Payload.ImagePath).Distinct(StringComparer.Ordinal).Count()} photo(s)");
        foreach (var f in faces)
        {
            Console.WriteLine($"        {f.Payload.ImagePath}  {Box(f.Payload.Box)}");
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{more.Count} face(s) not assigned to them at or above {(threshold ?? session.People.Options.LinkThreshold).ToString("0.00", inv)}, best first:");
        foreach (var m in more)
        {
            Console.WriteLine($"{m.Score.ToString("0.0000", inv)}  {m.Payload.ImagePath}  {Box(m.Payload.Box)}");
        }

        return 0;
    });

    /// <summary>Bad ids, names or faces are input errors (exit code 2 with the message), not crashes.</summary>
    private static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ArgumentException ex)
        {
            return CliErrors.Fail(ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal));
        }
        catch (PersonNotFoundException ex)
        {
            return CliErrors.Fail(ex.Message);
        }
    }

    internal static string Box(FaceBox b) => string.Create(CultureInfo.InvariantCulture, $"[{b.X1:0},{b.Y1:0},{b.X2:0},{b.Y2:0}]");

    private sealed record PersonJson(long Id, string? Name, int FaceCount, bool Hidden, DateTimeOffset Created, DateTimeOffset Updated, FaceJson? Cover, IReadOnlyList<FaceJson>? Faces);

    private sealed record FaceJson(Guid Id, string Path, float[] Bbox)
    {
        public static FaceJson From(FacePoint p) => new(p.Id, p.Payload.ImagePath, [R(p.Payload.Box.X1), R(p.Payload.Box.Y1), R(p.Payload.Box.X2), R(p.Payload.Box.Y2)]);

        private static float R(float v) => MathF.Round(v, 2);
    }
}

/// <summary>An index and its people, opened for one command.</summary>
internal sealed class PeopleSession : IAsyncDisposable
{
    private PeopleSession(IFaceIndex index, PeopleStore store, PeopleService people, string describe) => (Index, Store, People, Describe) = (index, store, people, describe);

    public IFaceIndex Index { get; }
    public PeopleStore Store { get; }
    public PeopleService People { get; }
    public string Describe { get; }

    public static async Task<PeopleSession> OpenAsync(StoreOptions storeOptions, ParseResult parse, CancellationToken ct)
    {
        var options = storeOptions.ToIndexOptions(parse);
        var index = FaceIndexFactory.Open(options);
        var info = await index.GetCollectionAsync(ct);
        if (info is null)
        {
            await index.DisposeAsync();
            throw new CliException($"people: the index has no collection '{options.Collection}' yet: run 'facevector index DIR' first");
        }

        var path = PeopleStoreLocation.For(options);
        var store = new PeopleStore(path, options.Collection);
        return new PeopleSession(index, store, new PeopleService(index, store, PeopleSetup.OptionsFor(info)), $"people in {path}");
    }

    public Person Resolve(string idOrName)
    {
        try
        {
            return People.Resolve(idOrName);
        }
        catch (Exception ex) when (ex is PersonNotFoundException or ArgumentException)
        {
            throw new CliException(ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await Index.DisposeAsync();
    }
}

/// <summary>The people defaults for a collection: the link threshold is the recognizer's recommended match threshold.</summary>
internal static class PeopleSetup
{
    public static PeopleOptions OptionsFor(CollectionInfo info) => new()
    {
        LinkThreshold = ModelCatalog.RecommendedThresholdForModelId(info.ModelId),
        MinFaceSize = QualityGates.DefaultMinFaceSize,
    };
}
