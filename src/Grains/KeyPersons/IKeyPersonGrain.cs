namespace OpsCentre.Grains.KeyPersons;

/// <summary>
/// One key person under supervision (重点人员), keyed by their id: their devices' latest positions, their
/// zones (allowed area = their district, home), their check-ins, and a state (normal / attention /
/// violation) derived from the alerts their rules raise, rolled up into <c>keyPersonsAbnormal</c>.
/// Personal data (name, ID number) never enters this grain: it holds ids, positions and times only.
/// </summary>
public interface IKeyPersonGrain : IGrainWithStringKey
{
    /// <summary>
    /// A position from one of the person's devices. Awaited by the device (not one-way): a person's
    /// positions are few, and each must count, in the order the device applied them — a one-way message
    /// may overtake the one before it, and a breach followed by a return home must not read as the reverse.
    /// </summary>
    Task Observe(KeyPersonObservation observation);

    /// <summary>
    /// The positions of a queue one of the person's devices uploaded after a loss of signal, in seq order. Each one that
    /// arrives late is judged at its own time by the rules that read positions (zones, forbidden places, a curfew at the
    /// time the person was there); then the person is judged as of now, once.
    /// </summary>
    Task Replay(IReadOnlyList<KeyPersonObservation> observations);

    /// <summary>
    /// A scheduled self-report (报到) through the person's phone, at the time the phone made it; committed to the event log
    /// as <c>keyperson.checked-in</c> before it counts. Under the phone's op id it is logged once: the same id again answers
    /// the check-in as first stored, and with another time <see cref="CheckInOutcome.OpIdReused"/>.
    /// </summary>
    Task<CheckInResult> CheckIn(KeyPersonCheckIn checkIn);

    /// <summary>
    /// A visit (回访) already stored in <c>key_person_visit</c>: committed to the district's log as
    /// <c>keyperson.visited</c> (ids and outcome only) and, unless nobody was found, counted as the visit that was due.
    /// Applying the same visit again changes nothing.
    /// </summary>
    Task Visited(KeyPersonVisit visit);

    /// <summary>The person's record changed (forbidden places, supervision level): read it again and re-evaluate.</summary>
    Task Reload();

    /// <summary>
    /// The roster moved the person to another grid, ended or brought them back (a re-import; <c>RosterWatch</c> tells): their
    /// entry leaves <paramref name="formerGrid"/>'s counters and counts in the new grid's; an ended person counts nowhere.
    /// </summary>
    Task Reassign(string formerGrid);

    /// <summary>
    /// A drill's scripted position of one of the person's devices (演练): judged by the rules that read positions (zones, forbidden
    /// places, curfew) against the person's zones, in a watch state of that drill's own — its alerts carry the drill's id, count in no
    /// unit and leave the person's state alone. The person's real positions are untouched. Repeating it changes nothing.
    /// </summary>
    Task ObserveDrill(string drillId, KeyPersonObservation observation);

    /// <summary>The drill is cleared: its alerts about the person end and its scripted position is forgotten. Repeating it changes nothing.</summary>
    Task ClearDrill(string drillId);

    /// <summary>The person as the grain sees them; null for an unknown id.</summary>
    Task<KeyPersonSnapshot?> Snapshot();
}

[GenerateSerializer, Immutable, Alias("ops.KeyPersonObservation")]
public sealed record KeyPersonObservation(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] string DeviceKind,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] double Lat,
    [property: Id(4)] double Lon);

[GenerateSerializer, Immutable, Alias("ops.KeyPersonSnapshot")]
public sealed record KeyPersonSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string GridCode,
    [property: Id(2)] string State,
    [property: Id(3)] double? Lat,
    [property: Id(4)] double? Lon,
    [property: Id(5)] double? DeviceSeparationM,
    [property: Id(6)] DateTimeOffset? LastCheckIn,
    [property: Id(7)] IReadOnlyList<string> OpenAlerts,
    [property: Id(8)] string SupervisionLevel,
    [property: Id(9)] DateTimeOffset CheckInDue,
    [property: Id(10)] DateTimeOffset? LastVisit,
    [property: Id(11)] DateTimeOffset VisitDue,
    [property: Id(12)] int ForbiddenPlaces);

/// <summary>A check-in (报到): when the person's phone made it, and — for one the phone may send again (queued) — its id and op id.</summary>
[GenerateSerializer, Immutable, Alias("ops.KeyPersonCheckIn")]
public sealed record KeyPersonCheckIn(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string? DeviceId = null,
    [property: Id(2)] string? OpId = null);

public enum CheckInOutcome
{
    /// <summary>Logged (now, or before under the same op id and time) and counted.</summary>
    Counted,

    /// <summary>The op id was used before for a check-in at another time: nothing changes.</summary>
    OpIdReused,

    /// <summary>No such person.</summary>
    NotFound,
}

/// <summary>How a check-in went, with its time as logged.</summary>
[GenerateSerializer, Immutable, Alias("ops.CheckInResult")]
public sealed record CheckInResult([property: Id(0)] CheckInOutcome Outcome, [property: Id(1)] DateTimeOffset? At);

[GenerateSerializer, Immutable, Alias("ops.KeyPersonVisit")]
public sealed record KeyPersonVisit(
    [property: Id(0)] string Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Outcome);
