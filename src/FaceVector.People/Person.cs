namespace FaceVector.People;

/// <summary>A person: a group of faces the clustering found or the user made, with what the user said about it.</summary>
/// <param name="Id">Stable id: kept when photos are added or removed and, by matching, across a full re-cluster.</param>
/// <param name="Name">Given by the user; null until then.</param>
/// <param name="CoverFace">The face shown for the person: the user's choice, else the face most similar to the person's mean.</param>
/// <param name="FaceCount">Faces assigned to the person.</param>
/// <param name="Hidden">Hidden by the user (kept, and kept out of lists unless asked for).</param>
public sealed record Person(long Id, string? Name, Guid? CoverFace, int FaceCount, DateTimeOffset Created, DateTimeOffset Updated, bool Hidden);

/// <summary>What the people store knows about one indexed face.</summary>
/// <param name="PersonId">The person it belongs to, or null (no close neighbours, rejected, or left out by the quality gates).</param>
/// <param name="Pinned">Put there by the user (merge, split): the clustering never moves it.</param>
/// <param name="Excluded">Why the face is left out of people (a quality gate), or null.</param>
public sealed record PersonFaceState(Guid FaceId, long? PersonId, bool Pinned, string? Excluded);

/// <summary>What a clustering run did.</summary>
public sealed record ClusterReport(bool Full, int FacesConsidered, int FacesAdded, int FacesRemoved, int FacesExcluded, int FacesAssigned, int PeopleCreated, int PeopleRemoved, int People, TimeSpan Elapsed)
{
    /// <summary>Named persons before the run whose id or name did not survive it (should stay empty).</summary>
    public IReadOnlyList<long> NamesLost { get; init; } = [];
}
