using OpsCentre.Database.Operators;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Incidents;

/// <summary>A rule of separation of duties beyond the role: about the case's history and the acting person's unit.</summary>
public enum DutyRule
{
    /// <summary>Whoever reported the case does not take the action: a reporter does not verify their own case.</summary>
    NotTheReporter,

    /// <summary>Whoever asked for the pending extension does not decide on it.</summary>
    NotTheRequester,

    /// <summary>
    /// Only the receiving side decides on a pending transfer: for a unit, someone of that unit itself (their unit
    /// is the target); for a department, its own staff.
    /// </summary>
    ReceivingSide,

    /// <summary>
    /// Supervision sits above handling: the acting user's unit lies strictly above the unit handling the case (the
    /// responsible unit once dispatched to a unit, else the case's own unit). Admins are exempt.
    /// </summary>
    SupervisingLevel,

    /// <summary>
    /// The acting person is of the case's side: the grid worker the case is assigned to, or someone whose unit holds the
    /// case's unit or its lead (the responsible unit), or, for department staff, whose department leads it. A co-handler (协办), or a unit only asked to take the case over,
    /// sees the case but does not act for it.
    /// </summary>
    CaseSide,

    /// <summary>The acting person is of a co-handling unit (or above it) or a co-handling department's staff (trivially held without co-handlers: the stage refuses then).</summary>
    CoHandler,
}

/// <summary>Who may take an action: the roles that may, and the rules the acting person must meet as well.</summary>
public sealed record IncidentDuty(IReadOnlyList<string> Roles, IReadOnlyList<DutyRule> Rules);

/// <summary>
/// Separation of duties in the closed loop (职责分离), as one table: action → who may take it. The case grain
/// consults it (<see cref="Refusal"/>) before every action, so every way in — console, phone, tests — is held to
/// it. Which stage allows an action is the loop's own table (the grain's transitions, 409 when not); this one
/// says who, and answers first, so a role that may never take an action hears so whatever the stage. A rule about
/// something pending (the extension's requester, the transfer's receiver) holds trivially when nothing is
/// pending: the stage then refuses the action anyway.
/// </summary>
public static class IncidentDuties
{
    /// <summary>The supervision centres: they file, dispatch, cancel, verify and decide on extensions.</summary>
    private static readonly string[] Supervisors = [OperatorRoles.Admin, OperatorRoles.Operator];

    /// <summary>Whoever may handle a case dispatched to them: start, feed back, ask for a transfer or an extension.</summary>
    private static readonly string[] Handlers = [OperatorRoles.Admin, OperatorRoles.Operator, OperatorRoles.Staff, OperatorRoles.Worker, OperatorRoles.Department];

    /// <summary>Who may speak for a receiving unit or department; a grid worker does not take over a case for their unit.</summary>
    private static readonly string[] Receivers = [OperatorRoles.Operator, OperatorRoles.Staff, OperatorRoles.Department];

    /// <summary>The table. Every action of <see cref="IncidentActions.All"/> has a row; an action without one is nobody's.</summary>
    public static IReadOnlyDictionary<string, IncidentDuty> Table { get; } = new Dictionary<string, IncidentDuty>(StringComparer.Ordinal)
    {
        ["accept"] = new(Supervisors, [DutyRule.CaseSide]),
        ["cancel"] = new(Supervisors, [DutyRule.CaseSide, DutyRule.SupervisingLevel]),
        ["dispatch"] = new(Supervisors, [DutyRule.CaseSide]),
        ["start"] = new(Handlers, [DutyRule.CaseSide]),
        ["feedback"] = new(Handlers, [DutyRule.CaseSide]),
        ["verify-pass"] = new(Supervisors, [DutyRule.CaseSide, DutyRule.NotTheReporter, DutyRule.SupervisingLevel]),
        ["verify-fail"] = new(Supervisors, [DutyRule.CaseSide, DutyRule.NotTheReporter, DutyRule.SupervisingLevel]),
        ["transfer"] = new(Handlers, [DutyRule.CaseSide]),
        ["accept-transfer"] = new(Receivers, [DutyRule.ReceivingSide]),
        ["reject-transfer"] = new(Receivers, [DutyRule.ReceivingSide]),
        ["request-extension"] = new(Handlers, [DutyRule.CaseSide]),
        ["approve-extension"] = new(Supervisors, [DutyRule.CaseSide, DutyRule.NotTheRequester]),
        ["reject-extension"] = new(Supervisors, [DutyRule.CaseSide, DutyRule.NotTheRequester]),
        ["add-co-handler"] = new(Supervisors, [DutyRule.CaseSide]),
        ["remove-co-handler"] = new(Supervisors, [DutyRule.CaseSide]),
        ["assist"] = new(Handlers, [DutyRule.CoHandler]),

        // Not an operator's action (not in IncidentActions.All): the resident who reported the case, through its follow-up token.
        ["reopen"] = new([Residents.Role], []),
    };

    /// <summary>Why the command's actor may not take its action on the case, or null when they may.</summary>
    /// <param name="extensionRequester">Who asked for the pending extension, from the case's history; null when none is pending.</param>
    public static string? Refusal(IncidentCommand command, IncidentView c, string? extensionRequester)
    {
        if (!Table.TryGetValue(command.Action, out var duty))
        {
            return $"'{command.Action}' is nobody's duty";
        }

        if (!duty.Roles.Contains(command.ActorRole))
        {
            return $"the role '{command.ActorRole}' may not {command.Action}; it is for {string.Join(", ", duty.Roles)}";
        }

        foreach (var rule in duty.Rules)
        {
            if (Breaks(rule, command, c, extensionRequester) is { } reason)
            {
                return reason;
            }
        }

        return null;
    }

    private static string? Breaks(DutyRule rule, IncidentCommand command, IncidentView c, string? extensionRequester) => rule switch
    {
        DutyRule.NotTheReporter when command.Actor == c.ReportedBy => "the reporter of a case does not verify it",
        DutyRule.NotTheRequester when command.Actor == extensionRequester => "whoever asked for the extension does not decide on it",
        DutyRule.ReceivingSide when c.PendingTransferTo is not null && !IsReceiver(command, c.PendingTransferTo) =>
            $"only {c.PendingTransferTo} itself decides on the transfer to it",
        DutyRule.SupervisingLevel when command.ActorRole != OperatorRoles.Admin && !IsStrictlyAbove(command.ActorUnit, HandlingUnit(c)) =>
            $"{command.Action} belongs to the level above {HandlingUnit(c)}, which handles the case",
        DutyRule.CaseSide when !IsOfCaseSide(command, c) =>
            $"{command.Action} is for the side of the case ({c.UnitCode}" + (c.ResponsibleCode is { } lead ? $", led by {lead})" : ")")
            + "; a co-handler or a unit asked to take it over does not act for it",
        DutyRule.CoHandler when c.CoHandlers is { Count: > 0 } co && !co.Any(code => Covers(command, code)) => "only a co-handler (协办) of the case assists",
        _ => null,
    };

    /// <summary>Whether the actor is the assigned worker, their unit holds the case's unit or its lead, or their department leads it.</summary>
    private static bool IsOfCaseSide(IncidentCommand command, IncidentView c) => command.ActorDepartment is { } department
        ? department == c.ResponsibleCode
        : command.Actor == c.AssignedWorker
          || UnitCode.IsWithin(c.UnitCode, command.ActorUnit)
          || (c.ResponsibleCode is { } lead && UnitCode.IsValid(lead) && UnitCode.IsWithin(lead, command.ActorUnit));

    /// <summary>Whether the actor speaks for a unit or department code: its own department, or a unit at or below the actor's.</summary>
    private static bool Covers(IncidentCommand command, string code) => command.ActorDepartment is { } department
        ? department == code
        : UnitCode.IsValid(code) && UnitCode.IsWithin(code, command.ActorUnit);

    /// <summary>The receiving department's own staff, or someone of the receiving unit itself.</summary>
    private static bool IsReceiver(IncidentCommand command, string target) => command.ActorDepartment is { } department
        ? department == target
        : UnitCode.IsValid(target) && command.ActorUnit == target;

    /// <summary>The unit handling the case: the responsible unit once dispatched to one, else the case's unit (its grid, or where a transfer took it).</summary>
    private static string HandlingUnit(IncidentView c) => c.ResponsibleCode is { } responsible && UnitCode.IsValid(responsible) ? responsible : c.UnitCode;

    private static bool IsStrictlyAbove(string actorUnit, string unit) => actorUnit != unit && UnitCode.IsWithin(unit, actorUnit);
}
