using System.Security.Claims;
using OpsCentre.Gateway.Auth;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Incidents;

/// <summary>
/// Who may see a case (事件): the one rule of the case endpoints (detail, actions) and of the wall screens' hub,
/// which applies it to every case event from the codes in its payload, so a case that is 404 over HTTP never
/// reaches that caller's screen either.
/// </summary>
public static class CaseVisibility
{
    /// <summary>
    /// A case is visible within its own unit, and to the unit it is dispatched or being transferred to and to its
    /// co-handlers (协办); department staff see only the cases their department is responsible for, asked to take over
    /// or co-handles.
    /// </summary>
    /// <param name="unitCode">Where the case is (its grid, or the unit it was transferred to).</param>
    /// <param name="responsibleCode">The unit or department it is dispatched to, if any.</param>
    /// <param name="pendingTransferTo">The unit or department asked to take it over, if any.</param>
    /// <param name="coHandlers">The units and departments co-handling it, if any.</param>
    public static bool MaySee(ClaimsPrincipal user, string unitCode, string? responsibleCode, string? pendingTransferTo, IEnumerable<string>? coHandlers = null)
    {
        var others = coHandlers ?? [];
        return user.DepartmentOf() is { } department
            ? responsibleCode == department || pendingTransferTo == department || others.Contains(department)
            : new[] { unitCode, responsibleCode, pendingTransferTo }.Concat(others).Any(code => code is not null && UnitCode.IsWithin(ScopeUnitOf(code), user.UnitCodeOf()));
    }

    public static bool MaySee(ClaimsPrincipal user, IncidentView incident) =>
        MaySee(user, incident.UnitCode, incident.ResponsibleCode, incident.PendingTransferTo, incident.CoHandlers);

    /// <summary>Whether the case involves <paramref name="unit"/> or a unit below it (where it is, its lead, a transfer asked, a co-handler): a screen of that unit hears of it.</summary>
    public static bool Involves(string unit, string unitCode, string? responsibleCode, string? pendingTransferTo, IEnumerable<string>? coHandlers) =>
        new[] { unitCode, responsibleCode, pendingTransferTo }.Concat(coHandlers ?? []).Any(code => code is not null && UnitCode.IsWithin(ScopeUnitOf(code), unit));

    /// <summary>The unit whose scope covers a unit or department code (a department belongs to its district).</summary>
    public static string ScopeUnitOf(string code) => UnitCode.IsValid(code) ? code : code[..Math.Min(6, code.Length)];
}
