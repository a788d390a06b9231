namespace OpsCentre.Grains.Alerts;

/// <summary>How bad an alert is.</summary>
public static class AlertSeverity
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Critical = "critical";

    public static IReadOnlyList<string> All { get; } = [Info, Warning, Critical];
}

/// <summary>The kinds of subject a rule can watch; each is evaluated inside that subject's grain.</summary>
public static class SubjectKinds
{
    public const string Device = "device";
    public const string Worker = "worker";
    public const string KeyPerson = "key-person";
    public const string Incident = "incident";
    public const string Grid = "grid";

    /// <summary>A community (社区) as a subject: its members' rule states (<c>member-share</c>), like a grid's.</summary>
    public const string Community = "community";

    /// <summary>A key place (重点场所) of the registries, evaluated in its grid's <c>IRegistryDuesGrain</c>: its inspection's deadline.</summary>
    public const string KeyPlace = "key-place";

    /// <summary>A grid's part of a campaign (专项整治), evaluated in its <c>ICampaignGrain</c>: the campaign's deadline while the grid is unfinished (四级联控).</summary>
    public const string CampaignGrid = "campaign-grid";

    public static IReadOnlyList<string> All { get; } = [Device, Worker, KeyPerson, Incident, Grid, Community, KeyPlace, CampaignGrid];

    /// <summary>The units that are subjects themselves (a grid, a community), each evaluated in its <c>IUnitWatchGrain</c>.</summary>
    public static bool IsUnit(string kind) => kind is Grid or Community;

    /// <summary>The length of a unit subject's code: a grid's 15 digits, a community's 12.</summary>
    public static int CodeLength(string unitKind) => unitKind == Grid ? 15 : 12;
}

/// <summary>
/// Which rule kinds each subject kind evaluates — the one table the rules API checks a rule against, so that no
/// rule is stored that nothing would ever evaluate. A subject evaluates a kind when its grain fills in the facts
/// the kind reads (<see cref="SubjectFacts"/>): metrics and signals (device, worker, key person), positions and
/// zones (worker, key person), deadlines (key person, incident), occurrences and members (grid, community).
/// </summary>
public static class RuleSubjects
{
    private static readonly Dictionary<string, string[]> Kinds = new()
    {
        [SubjectKinds.Device] = ["threshold", "absence", "time-window"],
        [SubjectKinds.Worker] = ["threshold", "zone", "time-window"],
        [SubjectKinds.KeyPerson] = ["threshold", "absence", "zone", "time-window", "overdue"],
        [SubjectKinds.Incident] = ["stage-overdue", "overdue"],
        [SubjectKinds.Grid] = ["rate", "member-share"],
        [SubjectKinds.Community] = ["member-share"],
        [SubjectKinds.KeyPlace] = ["overdue"],
        [SubjectKinds.CampaignGrid] = ["overdue"],
    };

    /// <summary>The rule kinds a subject of this kind evaluates (none for an unknown kind).</summary>
    public static IReadOnlyList<string> KindsFor(string subjectKind) => Kinds.GetValueOrDefault(subjectKind) ?? [];

    /// <summary>Why nothing would evaluate a rule of this kind for this subject kind (a zone needs a subject with a position), or null.</summary>
    public static string? Refusal(string kind, string subjectKind, RuleCondition condition)
    {
        if (!Kinds.TryGetValue(subjectKind, out var kinds))
        {
            return null; // the subject kind itself is refused
        }

        if (!kinds.Contains(kind))
        {
            return $"no {subjectKind} evaluates '{kind}' rules; a {subjectKind} evaluates {string.Join(", ", kinds)}";
        }

        if (condition is TimeWindowCondition { HasZone: true } && subjectKind == SubjectKinds.Device)
        {
            return "a device has no zones: a time-window rule with a zone targets workers or key persons";
        }

        return null;
    }
}

/// <summary>
/// 督办: when an alert is not acknowledged within <c>TimeoutSeconds</c> of firing (or of its last
/// escalation), the responsible unit moves one level up — grid → community → street → district — and is urged
/// (a <see cref="Supervision"/> record). At the district it is urged again every <c>RepeatSeconds</c> (default: the
/// timeout) for as long as nobody acknowledges it. With <c>ResolveWithinSeconds</c>, an acknowledged alert not
/// resolved that long after its acknowledgement escalates again the same way. Each 督办 expects a reply within
/// <c>ReplyWithinSeconds</c> (default: the timeout).
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.EscalationPolicy")]
public sealed record EscalationPolicy(
    [property: Id(0)] int TimeoutSeconds,
    [property: Id(1), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? RepeatSeconds = null,
    [property: Id(2), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? ResolveWithinSeconds = null,
    [property: Id(3), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? ReplyWithinSeconds = null)
{
    /// <summary>How long after a 督办 the next one comes: the timeout below the district, the repeat interval at it.</summary>
    public TimeSpan NextStep(bool atDistrict) => TimeSpan.FromSeconds(atDistrict ? RepeatSeconds ?? TimeoutSeconds : TimeoutSeconds);

    /// <summary>How long the unit urged has to reply.</summary>
    public TimeSpan ReplyWithin => TimeSpan.FromSeconds(ReplyWithinSeconds ?? TimeoutSeconds);
}

/// <summary>
/// One version of a rule, as stored. <c>Kind</c> and <c>ParametersJson</c> define the condition (see
/// <see cref="RuleCondition"/>); the target is a subject kind within a unit scope (a unit code prefix).
/// The condition must hold for <c>PendingSeconds</c> before the alert fires, and be clear for
/// <c>RecoverySeconds</c> before it resolves by itself.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.AlertRule")]
public sealed record AlertRule(
    [property: Id(0)] string Id,
    [property: Id(1)] int Version,
    [property: Id(2)] string Title,
    [property: Id(3)] string Kind,
    [property: Id(4)] string SubjectKind,
    [property: Id(5)] string UnitScope,
    [property: Id(6)] string Severity,
    [property: Id(7)] string ParametersJson,
    [property: Id(8)] int PendingSeconds,
    [property: Id(9)] int RecoverySeconds,
    [property: Id(10)] EscalationPolicy? Escalation,
    [property: Id(11)] bool Enabled,
    [property: Id(12)] string ChangedBy,
    [property: Id(13)] DateTimeOffset ChangedAt);

/// <summary>A rule's compiled condition beside the rule, ready to evaluate.</summary>
public sealed record CompiledRule(AlertRule Rule, RuleCondition Condition)
{
    public TimeSpan Pending => TimeSpan.FromSeconds(Rule.PendingSeconds);

    public TimeSpan Recovery => TimeSpan.FromSeconds(Rule.RecoverySeconds);
}

/// <summary>A silence for planned work: alerts of the rule (or of every rule) within the unit scope are suppressed from start to end.</summary>
[GenerateSerializer, Immutable, Alias("ops.AlertSilence")]
public sealed record AlertSilence(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string UnitScope,
    [property: Id(2)] string? RuleId,
    [property: Id(3)] DateTimeOffset StartsAt,
    [property: Id(4)] DateTimeOffset EndsAt,
    [property: Id(5)] string Reason,
    [property: Id(6)] string CreatedBy,
    [property: Id(7)] DateTimeOffset CreatedAt)
{
    public bool Covers(string ruleId, string unitCode, DateTimeOffset at) =>
        at >= StartsAt && at < EndsAt && (RuleId is null || RuleId == ruleId) && unitCode.StartsWith(UnitScope, StringComparison.Ordinal);

    /// <summary>Whether a silence of <paramref name="ruleId"/> (or of every rule) in <paramref name="unitScope"/> would suppress alerts of <paramref name="rule"/>: it names the rule or none, and the scopes overlap.</summary>
    public static bool WouldCover(string unitScope, string? ruleId, AlertRule rule) =>
        (ruleId is null || ruleId == rule.Id) && (Units.UnitCode.IsWithin(rule.UnitScope, unitScope) || Units.UnitCode.IsWithin(unitScope, rule.UnitScope));
}

/// <summary>A rule version whose evaluation threw: it is skipped wherever it applies until a new version replaces it.</summary>
public sealed record RuleFault(string Error, DateTimeOffset FirstAt);

/// <summary>
/// Protected rules: the critical rules about key persons (重点人员) — zones and forbidden places, curfew, the wristband's
/// strap. Their alerts are resolved, and the rules silenced, only by community-corrections staff or the city level
/// (docs/alerts.md, "Protected rules"); this is where "protected" is defined, for a rule and for one of its alerts.
/// </summary>
public static class ProtectedRules
{
    /// <summary>A rule is protected when it is critical and may raise alerts about a key person: it targets key persons, or devices of a kind key persons carry (a device rule without <c>deviceKinds</c> targets every device).</summary>
    public static bool IsProtected(this AlertRule rule) => Protects(rule.Severity, rule.SubjectKind switch
    {
        SubjectKinds.KeyPerson => true,
        SubjectKinds.Device => RuleCondition.TryCompile(rule.Kind, rule.ParametersJson, out _)?.Variants is not { } kinds
            || kinds.Any(kind => !Devices.DeviceKinds.IsWorkerDevice(kind)),
        _ => false,
    });

    /// <summary>An alert is protected when it is critical and about a key person (the person, or a device of theirs).</summary>
    public static bool IsProtected(this AlertView alert) => Protects(alert.Severity, alert.Subject.KeyPerson() is not null);

    private static bool Protects(string severity, bool aboutKeyPerson) => severity == AlertSeverity.Critical && aboutKeyPerson;
}
