using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Auth;

/// <summary>The outcome of an object-level authorisation check.</summary>
public enum ScopeDecision
{
    Allowed,

    /// <summary>The resource lies outside the caller's unit: answered 404, so its existence does not leak.</summary>
    OutOfScope,

    /// <summary>Within scope, but the caller's role lacks the function: answered 403.</summary>
    Forbidden,
}

/// <summary>
/// The one object-level authorisation check every endpoint and hub method uses: a resource's unit code
/// must start with the caller's unit code, and the caller's role must have the function.
/// </summary>
public static class ScopeGuard
{
    public static ScopeDecision Check(ClaimsPrincipal user, string resourceUnitCode, Permission permission)
    {
        if (!UnitCode.IsWithin(resourceUnitCode, user.UnitCodeOf()))
        {
            return ScopeDecision.OutOfScope;
        }

        return Roles.Allows(user, permission) ? ScopeDecision.Allowed : ScopeDecision.Forbidden;
    }

    /// <summary>The problem response for a denied decision, or null when allowed.</summary>
    public static ProblemHttpResult? Deny(ScopeDecision decision) => decision switch
    {
        ScopeDecision.OutOfScope => Problems.NotFound(),
        ScopeDecision.Forbidden => Problems.Forbidden(),
        _ => null,
    };

    /// <summary>Checks and answers in one step: null when allowed, else the problem response.</summary>
    public static ProblemHttpResult? Deny(ClaimsPrincipal user, string resourceUnitCode, Permission permission) =>
        Deny(Check(user, resourceUnitCode, permission));
}
