using System.Text.Json.Serialization;
namespace OpsCentre.Grains.Alerts;

/// <summary>
/// One alert: one episode of one rule for one subject, through pending → firing → acknowledged →
/// resolved (and suppressed while a silence covers it). Keyed by the alert id, which starts with its
/// district code. The single writer of its history; the district's event log is its store of record,
/// and its state is rebuilt from its events there. 督办: unacknowledged, it escalates up the hierarchy.
/// </summary>
public interface IAlertGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens the alert (pending, or firing at once). Opening an alert that exists returns it unchanged. When
    /// the episode was already opened under another id (its subject crashed before remembering it), returns
    /// that alert's opening view: its id differs from this grain's, and the subject should adopt it.
    /// <see cref="AlertOpening.NewId"/> says the id was made in this very call, so there is no history to read.
    /// </summary>
    Task<AlertView> Open(AlertOpening opening);

    /// <summary>The pending period has passed with the condition still holding: pending → firing. No-op in any other state.</summary>
    Task<AlertView?> Fire(DateTimeOffset at);

    /// <summary>The condition has cleared (for its recovery period, or before it ever fired): the rule resolves the alert. No-op once resolved.</summary>
    Task<AlertView?> Clear(DateTimeOffset at, string reason);

    /// <summary>An operator acknowledges: who, when, a note. Stops escalation.</summary>
    Task<AlertActionResult> Acknowledge(string actor, string opId, string? note);

    /// <summary>An operator resolves by hand.</summary>
    Task<AlertActionResult> Resolve(string actor, string opId, string? note);

    /// <summary>The alert with its full history; null when no such alert was ever opened.</summary>
    Task<AlertDetail?> Detail();

    /// <summary>The alert's current state without its history (what its subject asks while the condition holds); null when never opened.</summary>
    Task<AlertView?> Current();

    /// <summary>The unit urged answers one of the alert's 督办 (<see cref="Supervision"/>); the reply is committed to the log first.</summary>
    Task<SupervisionReplyResult> Reply(SupervisionReply reply);

    /// <summary>
    /// A unit's alert (<paramref name="inhibitorId"/>, a <c>member-share</c> rule's: most phones of the grid silent) inhibits this
    /// member alert: firing → inhibited (<c>alert.inhibited</c>); it no longer counts or escalates, and is not lost. No-op in any other state.
    /// </summary>
    Task<AlertView?> Inhibit(string inhibitorId, DateTimeOffset at);

    /// <summary>The unit's alert <paramref name="inhibitorId"/> has resolved: an alert it inhibits fires again (or stays inhibited by another). No-op otherwise.</summary>
    Task<AlertView?> Release(string inhibitorId, DateTimeOffset at);
}

/// <summary>The lifecycle states of an alert, as on the wire.</summary>
public static class AlertStates
{
    public const string Pending = "pending";
    public const string Firing = "firing";
    public const string Acknowledged = "acknowledged";
    public const string Suppressed = "suppressed";

    /// <summary>Would fire, but a unit-level alert above it (a grid's or community's) covers it: see <see cref="AlertView.InhibitedBy"/>.</summary>
    public const string Inhibited = "inhibited";
    public const string Resolved = "resolved";

    public static IReadOnlyList<string> All { get; } = [Pending, Firing, Acknowledged, Suppressed, Inhibited, Resolved];
}

/// <summary>What a subject's grain knows when it opens an alert.</summary>
/// <param name="BreachedAt">When the rule's condition began to hold: by the observations' own times when detected on replay.</param>
/// <param name="DetectedOnReplay">The condition was found holding while the subject judged a replayed observation (a queued position), after the fact.</param>
/// <param name="Assignee">Who the alert goes to first (a key person's responsible officer), or null.</param>
[GenerateSerializer, Immutable, Alias("ops.AlertOpening")]
public sealed record AlertOpening(
    [property: Id(0)] string RuleId,
    [property: Id(1)] int RuleVersion,
    [property: Id(2)] string Title,
    [property: Id(3)] string Severity,
    [property: Id(4)] AlertSubject Subject,
    [property: Id(5)] string UnitCode,
    [property: Id(6)] EscalationPolicy? Escalation,
    [property: Id(7)] bool Firing,
    [property: Id(8)] DateTimeOffset At,
    [property: Id(9)] long Episode,
    [property: Id(10)] bool NewId,
    [property: Id(11)] DateTimeOffset? BreachedAt = null,
    [property: Id(12)] bool DetectedOnReplay = false,
    [property: Id(13)] string? Assignee = null,
    [property: Id(14)] string? DrillId = null)
{
    /// <summary>
    /// The opening's operation key in the district's log: the subject, the rule and the subject's episode
    /// number. The log stores it once, so an episode opened before its subject crashed (and forgot the
    /// alert's id) is answered with that alert instead of a second one.
    /// </summary>
    /// A drill's episode (演练) is the subject's episode within that drill, apart from the subject's real ones.
    public (string Caller, string OpId) LogKey => ($"subject:{Subject.Kind}:{Subject.Id}" + (DrillId is null ? "" : ":drill:" + DrillId), $"{RuleId}#{Episode}");
}

/// <summary>The thing an alert is about: a device, a worker, a key person, a case, a grid or a community.</summary>
/// <param name="KeyPersonId">
/// For a device of a key person's (a wristband, the person's phone): the person it is bound to, so that the alert is treated as
/// one about that person (who sees it, who may resolve it). Null for every other subject; a key person is named by <c>Id</c>.
/// </param>
[GenerateSerializer, Immutable, Alias("ops.AlertSubject")]
public sealed record AlertSubject(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Id,
    [property: Id(2), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? KeyPersonId = null)
{
    /// <summary>
    /// The key person (重点人员) the alert is about — the subject itself, or the person whose device it is — or null. The one
    /// definition of a key-person alert: the hub, the alert list (its <c>key_person_id</c> column, migration 0014), the detail
    /// and the protected rules all go by it.
    /// </summary>
    public string? KeyPerson() => Kind == SubjectKinds.KeyPerson ? Id : KeyPersonId;
}

/// <summary>
/// An alert's current state. It is also the payload of each of its events (camelCase JSON), so the
/// log alone rebuilds it. <c>UnitCode</c> is where the subject is; <c>ResponsibleUnitCode</c> moves
/// up the hierarchy as it escalates. <c>RaisedAt</c> and the transitions are when the engine made them; <c>BreachedAt</c> is
/// when the condition began to hold — for an alert <c>DetectedOnReplay</c> (found in positions a device uploaded after a loss
/// of signal) that is the time the device recorded, earlier than <c>RaisedAt</c>. Both are absent from alerts opened before
/// they existed. <c>Escalation</c> is the rule's
/// policy when the alert opened (null in alerts opened before it was kept: then <c>EscalationTimeoutSeconds</c> alone);
/// <c>SupervisionCount</c> counts its 督办 so far. <c>InhibitedBy</c> is the unit-level alert that
/// inhibits it while it is <c>inhibited</c>. <c>Assignee</c> is who the alert goes to first: for a key person with a
/// responsible corrections officer (社区矫正), that officer's username, set when the alert opens; null otherwise.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.AlertView")]
public sealed record AlertView(
    [property: Id(0)] string Id,
    [property: Id(1)] string RuleId,
    [property: Id(2)] int RuleVersion,
    [property: Id(3)] string Title,
    [property: Id(4)] string Severity,
    [property: Id(5)] string State,
    [property: Id(6)] AlertSubject Subject,
    [property: Id(7)] string UnitCode,
    [property: Id(8)] string ResponsibleUnitCode,
    [property: Id(9)] DateTimeOffset RaisedAt,
    [property: Id(10)] int? EscalationTimeoutSeconds,
    [property: Id(11)] int EscalationLevel,
    [property: Id(12)] string? AcknowledgedBy,
    [property: Id(13)] DateTimeOffset? AcknowledgedAt,
    [property: Id(14)] string? ResolvedBy,
    [property: Id(15)] DateTimeOffset? ResolvedAt,
    [property: Id(16)] string? Note,
    [property: Id(17)] DateTimeOffset? BreachedAt = null,
    [property: Id(18)] bool DetectedOnReplay = false,
    [property: Id(19)] EscalationPolicy? Escalation = null,
    [property: Id(20)] int SupervisionCount = 0,
    [property: Id(24)] string? InhibitedBy = null,
    [property: Id(25)] string? Assignee = null,
    [property: Id(26), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DrillId = null)
{
    /// <summary>An alert raised by a drill's scripted position (演练): marked on the screens, counted nowhere, cleared with the drill.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Drill => DrillId is not null;

    /// <summary>The escalation policy the alert follows, or null when it does not escalate.</summary>
    public EscalationPolicy? Policy() => Escalation ?? (EscalationTimeoutSeconds is { } timeout ? new EscalationPolicy(timeout) : null);
}

/// <summary>One step of an alert's history: its event in the district log.</summary>
[GenerateSerializer, Immutable, Alias("ops.AlertHistoryEntry")]
public sealed record AlertHistoryEntry(
    [property: Id(0)] long Seq,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Actor,
    [property: Id(4)] string State,
    [property: Id(5)] string ResponsibleUnitCode,
    [property: Id(6)] string? Note);

/// <summary>An alert with its history and its 督办, oldest first.</summary>
[GenerateSerializer, Immutable, Alias("ops.AlertDetail")]
public sealed record AlertDetail(
    [property: Id(0)] AlertView Alert,
    [property: Id(1)] IReadOnlyList<AlertHistoryEntry> History,
    [property: Id(2)] IReadOnlyList<Supervision> Supervisions);

/// <summary>How an operator's action on an alert went.</summary>
public enum AlertActionOutcome
{
    Done,

    /// <summary>Already in that state: nothing changed, answered as success.</summary>
    AlreadyDone,

    /// <summary>The alert's state does not allow the action (acknowledging a resolved alert).</summary>
    NotAllowed,

    NotFound,
}

[GenerateSerializer, Immutable, Alias("ops.AlertActionResult")]
public sealed record AlertActionResult([property: Id(0)] AlertActionOutcome Outcome, [property: Id(1)] AlertView? Alert);
