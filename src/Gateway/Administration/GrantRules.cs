using System.Security.Claims;
using OpsCentre.Database.Operators;
using OpsCentre.Gateway.Auth;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Administration;

/// <summary>What a grant rule says about one role at one unit for one caller.</summary>
public enum GrantDecision
{
    Allowed,

    /// <summary>The unit lies outside the caller's unit.</summary>
    UnitOutOfScope,

    /// <summary>The role is not below the caller's, or is one only others may grant.</summary>
    RoleNotGrantable,
}

/// <summary>
/// Who may give (or take away) which role where (docs/security.md, "Granting roles"). The ordinary roles are ordered
/// admin &gt; operator &gt; staff &gt; worker, and a caller grants only roles below their own, within their own unit. Besides:
/// an admin whose unit is the city may grant admin (to the city or below) — otherwise no second admin could be made;
/// <c>department</c> is granted by an admin, or by a district-level operator (a 6-digit unit) within their district; <c>hotline</c>
/// (callers' numbers in clear) by an admin;
/// <c>corrections</c> (personal data in clear) and <c>auditor</c> only by an admin whose unit is the city, so nobody gains
/// a right they lack by making or resetting such an account, and auditors never depend on those they audit. The same rules decide who
/// may administer an existing account: its current role and unit must be grantable by the caller, and nobody administers
/// their own account here.
/// </summary>
public static class GrantRules
{
    private static readonly Dictionary<string, int> Rank = new(StringComparer.Ordinal)
    {
        [Roles.Admin] = 4, [Roles.Operator] = 3, [Roles.Staff] = 2, [Roles.Worker] = 1,
    };

    /// <summary>Whether <paramref name="caller"/> may give <paramref name="role"/> at <paramref name="unit"/>.</summary>
    public static GrantDecision Check(ClaimsPrincipal caller, string role, string unit)
    {
        var callerUnit = caller.UnitCodeOf();
        if (!UnitCode.IsWithin(unit, callerUnit))
        {
            return GrantDecision.UnitOutOfScope;
        }

        var callerRole = caller.RoleOf() ?? "";
        var allowed = role switch
        {
            Roles.Admin => callerRole == Roles.Admin && callerUnit.Length == 4,
            // corrections reads key persons' personal data in clear, which no admin or operator may: only the city's
            // administrators give (or reset) it, so nobody signs in with more than they hold by resetting a password.
            Roles.Corrections => callerRole == Roles.Admin && callerUnit.Length == 4,
            Roles.Department => callerRole == Roles.Admin || (callerRole == Roles.Operator && callerUnit.Length == 6),
            // hotline reads callers' numbers in clear, which no operator may: an admin gives it, as a centre sets its hotline up.
            Roles.Hotline => callerRole == Roles.Admin,
            Roles.Auditor => callerRole == Roles.Admin && callerUnit.Length == 4,
            _ => Rank.TryGetValue(role, out var rank) && Rank.TryGetValue(callerRole, out var own) && rank < own,
        };
        return allowed ? GrantDecision.Allowed : GrantDecision.RoleNotGrantable;
    }

    /// <summary>Whether <paramref name="caller"/> may administer <paramref name="account"/> as it stands: not their own, and its role and unit grantable by them.</summary>
    public static GrantDecision MayAdminister(ClaimsPrincipal caller, OperatorAccount account) =>
        account.Username == caller.Username() ? GrantDecision.RoleNotGrantable : Check(caller, account.Role, account.UnitCode);
}
