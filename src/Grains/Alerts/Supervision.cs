using OpsCentre.Database.Operators;

namespace OpsCentre.Grains.Alerts;

/// <summary>
/// 督办: one formal urging of a unit to act on an alert (or on the overdue case the alert is about). Every escalation
/// makes one — the unit urged, when, by which rule and at which level, why, by when it must reply — and the reply
/// is added to it. It rides in the payload of the alert event that issued it (<c>alert.escalated</c>, or
/// <c>alert.urged</c> when the alert is urged again at the district) and of the reply's (<c>alert.supervision-replied</c>);
/// the database keeps them as the table <c>alert_supervision</c> (migration 0015).
/// </summary>
/// <param name="Id"><c>&lt;alert id&gt;-&lt;number&gt;</c>.</param>
/// <param name="Number">1 for the alert's first 督办, and so on.</param>
/// <param name="UnitCode">The unit urged: the responsible unit after the escalation.</param>
/// <param name="Level">The alert's escalation level once urged (0 grid … 3 district).</param>
/// <param name="Reason"><see cref="SupervisionReasons"/>.</param>
/// <param name="Repeated">Urged again at the same level (the district) rather than moved up.</param>
[GenerateSerializer, Immutable, Alias("ops.Supervision")]
public sealed record Supervision(
    [property: Id(0)] string Id,
    [property: Id(1)] string AlertId,
    [property: Id(2)] int Number,
    [property: Id(3)] string UnitCode,
    [property: Id(4)] int Level,
    [property: Id(5)] string Reason,
    [property: Id(6)] bool Repeated,
    [property: Id(7)] string RuleId,
    [property: Id(8)] int RuleVersion,
    [property: Id(9)] DateTimeOffset At,
    [property: Id(10)] DateTimeOffset ReplyDueAt,
    [property: Id(11)] DateTimeOffset? RepliedAt = null,
    [property: Id(12)] string? RepliedBy = null,
    [property: Id(13)] string? Reply = null);

/// <summary>Why a unit was urged.</summary>
public static class SupervisionReasons
{
    /// <summary>Firing and not acknowledged within the escalation timeout (未签收).</summary>
    public const string NotAcknowledged = "not-acknowledged";

    /// <summary>Acknowledged, but not resolved within the policy's <c>resolveWithinSeconds</c> (签收后逾期未处置).</summary>
    public const string NotResolved = "not-resolved";
}

/// <summary>A reply to a 督办 (by its number; null: the alert's latest), by whom (as authenticated: role and unit), under their operation id.</summary>
[GenerateSerializer, Immutable, Alias("ops.SupervisionReply")]
public sealed record SupervisionReply(
    [property: Id(0)] int? Number,
    [property: Id(1)] string Actor,
    [property: Id(2)] string ActorRole,
    [property: Id(3)] string ActorUnit,
    [property: Id(4)] string OpId,
    [property: Id(5)] string Text);

public enum SupervisionReplyOutcome
{
    Done,

    /// <summary>The same reply by the same person again: answered as success, nothing changed.</summary>
    Replayed,

    /// <summary>The 督办 was answered already (by someone else, or with other words); nothing changed.</summary>
    AlreadyReplied,

    /// <summary>The 督办 is not addressed to the caller's unit; nothing changed.</summary>
    Forbidden,

    /// <summary>The operation id was used before for another request; nothing changed.</summary>
    OpIdReused,

    /// <summary>The alert has no 督办 of that number (or none at all); nothing changed.</summary>
    NoSuchSupervision,

    NotFound,
}

[GenerateSerializer, Immutable, Alias("ops.SupervisionReplyResult")]
public sealed record SupervisionReplyResult(
    [property: Id(0)] SupervisionReplyOutcome Outcome,
    [property: Id(1)] Supervision? Supervision,
    [property: Id(2)] string? Reason);

/// <summary>Who answers a 督办: someone of the unit urged (their unit is the 督办's unit), or an administrator.</summary>
public static class SupervisionDuty
{
    /// <summary>Why <paramref name="reply"/> may not answer <paramref name="supervision"/>, or null when it may.</summary>
    public static string? Refusal(Supervision supervision, SupervisionReply reply) =>
        reply.ActorRole == OperatorRoles.Admin || reply.ActorUnit == supervision.UnitCode
            ? null
            : $"this 督办 is addressed to {supervision.UnitCode}; only that unit replies to it";
}
