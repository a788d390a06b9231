namespace OpsCentre.Grains.Incidents;

/// <summary>
/// One case (事件) through the closed loop (网格服务闭环): reported → accepted (受理立案) or cancelled →
/// dispatched (派遣) → in progress (处置) → handled with feedback (反馈) → verified (核查): pass → closed
/// (结案), fail → in progress again (返工). Keyed by the case id, which starts with its district code.
/// The single writer of its history; the district's event log is its store of record.
/// </summary>
public interface IIncidentGrain : IGrainWithStringKey
{
    /// <summary>Opens the case (stage <c>reported</c>). Opening a case that exists returns it unchanged.</summary>
    Task<IncidentView> Open(IncidentOpening opening);

    /// <summary>
    /// Applies an action. A retry with the same caller and <c>OpId</c> returns the answer first given;
    /// the same <c>OpId</c> with another request is <see cref="IncidentActionOutcome.OpIdReused"/>; an
    /// action the duty table does not give the actor is <see cref="IncidentActionOutcome.Forbidden"/>, one
    /// the stage does not allow is <see cref="IncidentActionOutcome.NotAllowed"/>; both change nothing.
    /// </summary>
    Task<IncidentActionResult> Act(IncidentCommand command);

    /// <summary>The case with its full timeline; null when no such case was opened.</summary>
    Task<IncidentDetail?> Detail();

    /// <summary>
    /// Clears a drill's case (演练清理): a case opened under a drill (<see cref="IncidentView.DrillId"/>) that is still open is
    /// cancelled by <paramref name="by"/> (event <c>incident.drill-cleared</c>); any other case, or one already ended, is returned unchanged.
    /// Null when no such case was opened.
    /// </summary>
    Task<IncidentView?> ClearDrill(string by);

    /// <summary>
    /// Files and dispatches a case just reported by the responsibility list (权责清单) configured to do so (an <c>auto</c> entry):
    /// the engine accepts it and dispatches it to <paramref name="responsibleCode"/>, each step with <paramref name="note"/>
    /// (naming the list's version). A case past <c>reported</c> is returned unchanged; null when no such case was opened.
    /// </summary>
    Task<IncidentView?> DispatchByList(string responsibleCode, string note);

    /// <summary>
    /// The actions of <see cref="IncidentActions.All"/> the actor may take on the case now: those the duty table gives
    /// them and the stage allows, judged by the same rules <see cref="Act"/> applies (an action naming a unit is judged
    /// as for a unit not yet involved). Empty when no such case was opened.
    /// </summary>
    Task<IReadOnlyList<string>> ActionsFor(IncidentActor actor);
}

/// <summary>Who asks what they may do to a case: the person and their role, unit and department as authenticated.</summary>
[GenerateSerializer, Immutable, Alias("ops.IncidentActor")]
public sealed record IncidentActor(
    [property: Id(0)] string Actor,
    [property: Id(1)] string ActorRole,
    [property: Id(2)] string ActorUnit,
    [property: Id(3)] string? ActorDepartment);

/// <summary>Stages of a case, as on the wire.</summary>
public static class IncidentStages
{
    public const string Reported = "reported";
    public const string Accepted = "accepted";
    public const string Dispatched = "dispatched";
    public const string InProgress = "in-progress";
    public const string Handled = "handled";
    public const string Closed = "closed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Reported, Accepted, Dispatched, InProgress, Handled, Closed, Cancelled];

    public static bool IsOpen(string stage) => stage is not (Closed or Cancelled);
}

/// <summary>The actions of the contract.</summary>
public static class IncidentActions
{
    public static IReadOnlyList<string> All { get; } =
    [
        "accept", "cancel", "dispatch", "start", "feedback", "verify-pass", "verify-fail", "transfer", "accept-transfer",
        "reject-transfer", "request-extension", "approve-extension", "reject-extension", "add-co-handler", "remove-co-handler", "assist",
    ];

    /// <summary>The unit or department a dispatch makes responsible: the one named, else the case's community (or its unit, above that level).</summary>
    public static string ResponsibleOnDispatch(string caseUnitCode, string? named) =>
        named ?? (caseUnitCode.Length > 12 ? caseUnitCode[..12] : caseUnitCode);

    /// <summary>The actions that name a unit or department in <c>unitCode</c>.</summary>
    public static bool NamesUnit(string action) => action is "dispatch" or "transfer" or "add-co-handler" or "remove-co-handler";
}

/// <summary>
/// Residents (居民) as actors of the loop: they report through the public page or Open311 and, with their case's follow-up
/// token, ask to reopen it (<c>reopen</c>: closed → handled, back to verification). They have no operator account.
/// </summary>
public static class Residents
{
    /// <summary>The actor role of a resident's action; no operator account has it.</summary>
    public const string Role = "resident";

    /// <summary>The source of a case a resident reported.</summary>
    public const string Source = "citizen";

    /// <summary>The action that reopens a closed case for verification.</summary>
    public const string Reopen = "reopen";
}

/// <summary>
/// What is known when a case is reported. <c>FeedbackDue</c>, when set, is the deadline promised to the caller at intake
/// (反馈时限: the 12345 hotline's by the call's urgency class), which caps every stage's deadline while the case is open.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.IncidentOpening")]
public sealed record IncidentOpening(
    [property: Id(0)] string Category,
    [property: Id(1)] string Urgency,
    [property: Id(2)] string Description,
    [property: Id(3)] string UnitCode,
    [property: Id(4)] double? Lat,
    [property: Id(5)] double? Lon,
    [property: Id(6)] string Source,
    [property: Id(7)] string ReportedBy,
    [property: Id(8)] DateTimeOffset At,
    [property: Id(9)] string? AlertId,
    [property: Id(10)] DateTimeOffset? FeedbackDue = null,
    [property: Id(11)] string? DrillId = null);

/// <summary>
/// An action on a case, by whom, under their operation id; <c>RequestHash</c> identifies the request for retries.
/// <c>Actor</c> is the acting person (a username, or a worker id for a phone); <c>ActorRole</c>, <c>ActorUnit</c>
/// and <c>ActorDepartment</c> are theirs as authenticated (a token's claims, or the phone's worker: role
/// <c>worker</c>, their assigned grid), so the case can apply its duty table (<see cref="IncidentDuties"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.IncidentCommand")]
public sealed record IncidentCommand(
    [property: Id(0)] string Action,
    [property: Id(1)] string Actor,
    [property: Id(2)] string OpId,
    [property: Id(3)] string? Note,
    [property: Id(4)] string? TargetCode,
    [property: Id(5)] string? WorkerId,
    [property: Id(6)] int? ExtensionMinutes,
    [property: Id(7)] string RequestHash,
    [property: Id(8)] string ActorRole,
    [property: Id(9)] string ActorUnit,
    [property: Id(10)] string? ActorDepartment);

/// <summary>
/// A case's state. It is also the payload of each of its events, so the log alone rebuilds the case.
/// <c>UnitCode</c> is where the case is (its grid, or the unit it was transferred to) and so which district owns it;
/// <c>ResponsibleCode</c> the unit or department it is dispatched to (the lead, 主办); <c>CoHandlers</c> the units and
/// departments that help (协办). <c>Version</c> counts the case's events (1 for the report): every copy of one event,
/// in whichever district's log, carries the same version. <c>FeedbackDue</c> is the deadline promised at intake (反馈时限,
/// the hotline's), if any: no stage's deadline lies after it, the resident's reopening aside.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.IncidentView")]
public sealed record IncidentView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Category,
    [property: Id(2)] string Urgency,
    [property: Id(3)] string Description,
    [property: Id(4)] string UnitCode,
    [property: Id(5)] string? ResponsibleCode,
    [property: Id(6)] string? AssignedWorker,
    [property: Id(7)] string Stage,
    [property: Id(8)] DateTimeOffset StageEnteredAt,
    [property: Id(9)] DateTimeOffset? StageDeadline,
    [property: Id(10)] DateTimeOffset? DueAt,
    [property: Id(11)] bool Overdue,
    [property: Id(12)] DateTimeOffset ReportedAt,
    [property: Id(13)] string ReportedBy,
    [property: Id(14)] string Source,
    [property: Id(15)] DateTimeOffset? DispatchedAt,
    [property: Id(16)] DateTimeOffset? ClosedAt,
    [property: Id(17)] int ReworkCount,
    [property: Id(18)] int ExtensionCount,
    [property: Id(19)] int VerifiedCount,
    [property: Id(20)] string? PendingTransferTo,
    [property: Id(21)] int? PendingExtensionMinutes,
    [property: Id(22)] double? Lat,
    [property: Id(23)] double? Lon,
    [property: Id(24)] string? AlertId,
    [property: Id(25)] IncidentStep? LastStep,
    [property: Id(26)] IReadOnlyList<string>? CoHandlers = null,
    [property: Id(27)] int Version = 0,
    [property: Id(28)] DateTimeOffset? FeedbackDue = null,
    [property: Id(29)] string? DrillId = null)
{
    /// <summary>Whether the case belongs to a drill (演练, <see cref="DrillId"/>): marked on every screen, left out of the assessment KPIs.</summary>
    public bool Drill => DrillId is not null;

    /// <summary>
    /// Every unit and department the case involves: where it is, the lead, a unit asked to take it over, the co-handlers.
    /// Its events reach the screens of each, and its list row the lists of each (<c>incident.involved</c>).
    /// </summary>
    public IEnumerable<string> Involved()
    {
        yield return UnitCode;
        if (ResponsibleCode is { } responsible)
        {
            yield return responsible;
        }

        if (PendingTransferTo is { } pending)
        {
            yield return pending;
        }

        foreach (var co in CoHandlers ?? [])
        {
            yield return co;
        }
    }
}

/// <summary>The action that produced a state: who, what, when, the note, and the request it answered.</summary>
[GenerateSerializer, Immutable, Alias("ops.IncidentStep")]
public sealed record IncidentStep(
    [property: Id(0)] string Action,
    [property: Id(1)] string By,
    [property: Id(2)] string? Note,
    [property: Id(3)] string? OpId,
    [property: Id(4)] string? RequestHash);

/// <summary>One entry of a case's timeline: its event in the district log.</summary>
[GenerateSerializer, Immutable, Alias("ops.IncidentTimelineEntry")]
public sealed record IncidentTimelineEntry(
    [property: Id(0)] long Seq,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Actor,
    [property: Id(4)] string? Action,
    [property: Id(5)] string Stage,
    [property: Id(6)] string? ResponsibleCode,
    [property: Id(7)] string? Note,
    [property: Id(8)] string? DistrictCode = null);

[GenerateSerializer, Immutable, Alias("ops.IncidentDetail")]
public sealed record IncidentDetail([property: Id(0)] IncidentView Incident, [property: Id(1)] IReadOnlyList<IncidentTimelineEntry> Timeline);

public enum IncidentActionOutcome
{
    Done,

    /// <summary>A retry of an action already applied: the first answer again, nothing changed.</summary>
    Replayed,

    /// <summary>The stage does not allow the action; nothing changed.</summary>
    NotAllowed,

    /// <summary>The operation id was used before for a different request.</summary>
    OpIdReused,

    /// <summary>The duty table (<see cref="IncidentDuties"/>) does not give this action to this actor on this case; nothing changed. <c>Reason</c> says why.</summary>
    Forbidden,

    NotFound,
}

[GenerateSerializer, Immutable, Alias("ops.IncidentActionResult")]
public sealed record IncidentActionResult(
    [property: Id(0)] IncidentActionOutcome Outcome,
    [property: Id(1)] IncidentView? Incident,
    [property: Id(2)] string? Reason);
