using System.Text.RegularExpressions;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Alerts;

/// <summary>A rule as a caller proposes it, before it becomes a stored version.</summary>
public sealed partial record RuleDraft(
    string Id,
    string Title,
    string Kind,
    string SubjectKind,
    string UnitScope,
    string Severity,
    string ParametersJson,
    int PendingSeconds,
    int RecoverySeconds,
    EscalationPolicy? Escalation,
    bool Enabled)
{
    /// <summary>Every problem with the draft, by field; empty when it may be stored.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string message) => errors[field] = [message];

        if (!RuleId().IsMatch(Id ?? ""))
        {
            Fail("id", "2–63 characters: lower-case letters, digits, '.' and '-', starting with a letter or digit");
        }

        if (string.IsNullOrWhiteSpace(Title) || Title.Length > 200)
        {
            Fail("title", "required, at most 200 characters");
        }

        if (!SubjectKinds.All.Contains(SubjectKind))
        {
            Fail("target.subjectKind", "one of " + string.Join(", ", SubjectKinds.All));
        }

        if (!UnitCode.IsValid(UnitScope))
        {
            Fail("target.unitScope", "a unit code");
        }

        if (!AlertSeverity.All.Contains(Severity))
        {
            Fail("severity", "one of " + string.Join(", ", AlertSeverity.All));
        }

        if (PendingSeconds is < 0 or > 7 * 86400)
        {
            Fail("pendingSeconds", "between 0 and 604800");
        }

        if (RecoverySeconds is < 0 or > 7 * 86400)
        {
            Fail("recoverySeconds", "between 0 and 604800");
        }

        if (Escalation is { TimeoutSeconds: < 10 or > 7 * 86400 })
        {
            Fail("escalation.timeoutSeconds", "between 10 and 604800");
        }

        if (Escalation is { RepeatSeconds: < 10 or > 7 * 86400 })
        {
            Fail("escalation.repeatSeconds", "between 10 and 604800");
        }

        if (Escalation is { ResolveWithinSeconds: < 10 or > 31 * 86400 })
        {
            Fail("escalation.resolveWithinSeconds", "between 10 and 2678400 (31 days)");
        }

        if (Escalation is { ReplyWithinSeconds: < 10 or > 31 * 86400 })
        {
            Fail("escalation.replyWithinSeconds", "between 10 and 2678400 (31 days)");
        }

        if (RuleCondition.TryCompile(Kind, ParametersJson, out var problem) is null)
        {
            Fail(Kind is "threshold" or "absence" or "zone" or "time-window" or "rate" or "stage-overdue" or "overdue" ? "parameters" : "kind", problem!);
        }

        return errors;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,62}$")]
    private static partial Regex RuleId();
}
