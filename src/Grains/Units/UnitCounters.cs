namespace OpsCentre.Grains.Units;

/// <summary>
/// The live counters every unit rolls up from below (CONTRACT.md, "Units"). <c>AlertsFiring</c> counts
/// alerts firing or acknowledged (not yet resolved, not suppressed); the three after it split them by severity.
/// <c>IncidentsIncoming</c> (来件) counts open cases the unit handles, is asked to take over or co-handles (协办) that lie
/// outside it (docs/incidents.md, "The receiving side"). <c>ResidentsToReRegister</c> (流动人口待续登记) and <c>KeyPlacesOverdue</c>
/// (重点场所检查逾期) come from each grid's registry dues (docs/registries.md, "Tasks from the data").
/// <c>IncidentsReported</c> … <c>IncidentsHandled</c> split <c>IncidentsOpen</c> by stage (the wall screen's and the console's
/// cases by stage): each open case counts once, in its stage, in the unit where it is.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.UnitCounters")]
public sealed record UnitCounters(
    [property: Id(0)] long WorkersOnDuty,
    [property: Id(1)] long WorkersOnline,
    [property: Id(2)] long AlertsFiring,
    [property: Id(3)] long IncidentsOpen,
    [property: Id(4)] long IncidentsOverdue,
    [property: Id(5)] long KeyPersonsAbnormal,
    [property: Id(6)] long AlertsCritical = 0,
    [property: Id(7)] long AlertsWarning = 0,
    [property: Id(8)] long AlertsInfo = 0,
    [property: Id(9)] long IncidentsIncoming = 0,
    [property: Id(10)] long ResidentsToReRegister = 0,
    [property: Id(11)] long KeyPlacesOverdue = 0,
    [property: Id(12)] long IncidentsReported = 0,
    [property: Id(13)] long IncidentsAccepted = 0,
    [property: Id(14)] long IncidentsDispatched = 0,
    [property: Id(15)] long IncidentsInProgress = 0,
    [property: Id(16)] long IncidentsHandled = 0)
{
    public static UnitCounters Zero { get; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>True when every counter is zero.</summary>
    public bool IsZero => this == Zero;

    public static UnitCounters operator +(UnitCounters a, UnitCounters b) => new(
        a.WorkersOnDuty + b.WorkersOnDuty, a.WorkersOnline + b.WorkersOnline, a.AlertsFiring + b.AlertsFiring,
        a.IncidentsOpen + b.IncidentsOpen, a.IncidentsOverdue + b.IncidentsOverdue, a.KeyPersonsAbnormal + b.KeyPersonsAbnormal,
        a.AlertsCritical + b.AlertsCritical, a.AlertsWarning + b.AlertsWarning, a.AlertsInfo + b.AlertsInfo, a.IncidentsIncoming + b.IncidentsIncoming,
        a.ResidentsToReRegister + b.ResidentsToReRegister, a.KeyPlacesOverdue + b.KeyPlacesOverdue,
        a.IncidentsReported + b.IncidentsReported, a.IncidentsAccepted + b.IncidentsAccepted, a.IncidentsDispatched + b.IncidentsDispatched,
        a.IncidentsInProgress + b.IncidentsInProgress, a.IncidentsHandled + b.IncidentsHandled);

    /// <summary>One open case's counters: open, overdue or not, in its stage.</summary>
    public static UnitCounters OpenCase(string stage, bool overdue) => Zero with
    {
        IncidentsOpen = 1,
        IncidentsOverdue = overdue ? 1 : 0,
        IncidentsReported = stage == Incidents.IncidentStages.Reported ? 1 : 0,
        IncidentsAccepted = stage == Incidents.IncidentStages.Accepted ? 1 : 0,
        IncidentsDispatched = stage == Incidents.IncidentStages.Dispatched ? 1 : 0,
        IncidentsInProgress = stage == Incidents.IncidentStages.InProgress ? 1 : 0,
        IncidentsHandled = stage == Incidents.IncidentStages.Handled ? 1 : 0,
    };

    /// <summary>The wire form: camelCase names as in the contract.</summary>
    public IReadOnlyDictionary<string, long> ToWire() => new Dictionary<string, long>
    {
        ["workersOnDuty"] = WorkersOnDuty,
        ["workersOnline"] = WorkersOnline,
        ["alertsFiring"] = AlertsFiring,
        ["alertsCritical"] = AlertsCritical,
        ["alertsWarning"] = AlertsWarning,
        ["alertsInfo"] = AlertsInfo,
        ["incidentsOpen"] = IncidentsOpen,
        ["incidentsOverdue"] = IncidentsOverdue,
        ["incidentsIncoming"] = IncidentsIncoming,
        ["incidentsReported"] = IncidentsReported,
        ["incidentsAccepted"] = IncidentsAccepted,
        ["incidentsDispatched"] = IncidentsDispatched,
        ["incidentsInProgress"] = IncidentsInProgress,
        ["incidentsHandled"] = IncidentsHandled,
        ["keyPersonsAbnormal"] = KeyPersonsAbnormal,
        ["residentsToReRegister"] = ResidentsToReRegister,
        ["keyPlacesOverdue"] = KeyPlacesOverdue,
    };
}

/// <summary>A unit with its counters and its children's, as screens and the API show it.</summary>
[GenerateSerializer, Immutable, Alias("ops.UnitSnapshot")]
public sealed record UnitSnapshot(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] UnitLevel Level,
    [property: Id(3)] string? ParentCode,
    [property: Id(4)] UnitCounters Counters,
    [property: Id(5)] IReadOnlyList<UnitChild> Children);

[GenerateSerializer, Immutable, Alias("ops.UnitChild")]
public sealed record UnitChild([property: Id(0)] string Code, [property: Id(1)] string Name, [property: Id(2)] UnitCounters Counters);
