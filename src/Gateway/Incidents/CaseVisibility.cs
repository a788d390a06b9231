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
    /// A case is visible within its own unit, and to the unit it is dispatched or being transferred to;
    /// department staff see only the cases their department is responsible for or asked to take over.
    /// </summary>
    /// <param name="unitCode">Where the case is (its grid, or the unit it was transferred to).</param>
    /// <param name="responsibleCode">The unit or department it is dispatched to, if any.</param>
    /// <param name="pendingTransferTo">The unit or department asked to take it over, if any.</param>
    public static bool MaySee(ClaimsPrincipal user, string unitCode, string? responsibleCode, string? pendingTransferTo) => user.DepartmentOf() is { } department
        ? responsibleCode == department || pendingTransferTo == department
        : new[] { unitCode, responsibleCode, pendingTransferTo }.Any(code => code is not null && UnitCode.IsWithin(ScopeUnitOf(code), user.UnitCodeOf()));

    public static bool MaySee(ClaimsPrincipal user, IncidentView incident) => MaySee(user, incident.UnitCode, incident.ResponsibleCode, incident.PendingTransferTo);

    /// <summary>The unit whose scope covers a unit or department code (a department belongs to its district).</summary>
    public static string ScopeUnitOf(string code) => UnitCode.IsValid(code) ? code : code[..Math.Min(6, code.Length)];
}
