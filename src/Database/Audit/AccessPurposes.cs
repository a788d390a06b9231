namespace OpsCentre.Database.Audit;

/// <summary>Why personal data was read (用途): one of a closed set, kept in the audit row's <c>purpose</c> column.</summary>
/// <param name="Code">The value a caller names (<c>?purpose=</c>) and the audit row holds.</param>
/// <param name="Label">Its zh-CN name, as the city's staff say it.</param>
public sealed record AccessPurpose(string Code, string Label);

/// <summary>
/// The purposes for which personal data may be read in clear (用途). Migration 0013 holds the same codes in the
/// <c>audit_log_purpose</c> check constraint; a new purpose needs a migration of its own.
/// </summary>
public static class AccessPurposes
{
    /// <summary>走访: a visit (回访) to a key person, and the grid worker's list of visits due.</summary>
    public static readonly AccessPurpose Visit = new("visit", "走访");

    /// <summary>社区矫正监管: community-corrections supervision of the person.</summary>
    public static readonly AccessPurpose Correction = new("correction", "社区矫正监管");

    /// <summary>事件处置: handling a case (事件) that concerns the person or the worker.</summary>
    public static readonly AccessPurpose CaseHandling = new("case-handling", "事件处置");

    /// <summary>应急处置: an emergency — a person in danger or a danger to others.</summary>
    public static readonly AccessPurpose Emergency = new("emergency", "应急处置");

    /// <summary>审计核查: checking a record against the audit trail.</summary>
    public static readonly AccessPurpose AuditReview = new("audit-review", "审计核查");

    /// <summary>值守监看: a supervision centre watching its area's key-person events on a wall screen.</summary>
    public static readonly AccessPurpose Monitoring = new("monitoring", "值守监看");

    public static IReadOnlyList<AccessPurpose> All { get; } = [Visit, Correction, CaseHandling, Emergency, AuditReview, Monitoring];

    /// <summary>The purpose with this code; null for anything else (case matters: the codes are lower case).</summary>
    public static AccessPurpose? Find(string? code) => All.FirstOrDefault(p => string.Equals(p.Code, code, StringComparison.Ordinal));

    /// <summary>The codes with their labels, for a problem's message: <c>visit (走访), correction (社区矫正监管), …</c>.</summary>
    public static string Described { get; } = string.Join(", ", All.Select(p => $"{p.Code} ({p.Label})"));
}
