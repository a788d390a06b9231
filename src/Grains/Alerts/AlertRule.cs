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

    public static IReadOnlyList<string> All { get; } = [Device, Worker, KeyPerson, Incident, Grid];
}

/// <summary>
/// 督办: when an alert is not acknowledged within <c>TimeoutSeconds</c> of firing (or of its last
/// escalation), the responsible unit moves one level up — grid → community → street → district.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.EscalationPolicy")]
public sealed record EscalationPolicy([property: Id(0)] int TimeoutSeconds);

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
}

/// <summary>A rule version whose evaluation threw: it is skipped wherever it applies until a new version replaces it.</summary>
public sealed record RuleFault(string Error, DateTimeOffset FirstAt);
