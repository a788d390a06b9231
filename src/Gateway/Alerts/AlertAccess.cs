using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Screens;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Alerts;

/// <summary>
/// Who may see an alert, and who may resolve or silence a protected one: the rules of the alert endpoints, and (for
/// seeing) of the wall screens' hub, which applies <see cref="MaySee"/> to every alert event — so an alert that is 404
/// over HTTP never reaches that caller's screen either.
/// </summary>
public static class AlertAccess
{
    /// <summary>The title of the 403 for a protected rule (<see cref="ProtectedRules"/>) handled by anyone else.</summary>
    public const string ProtectedRule = "Protected rule";

    /// <summary>
    /// An alert about a key person (<see cref="AlertSubject.KeyPerson"/>: the person, or a device of theirs) is seen only by
    /// the roles that receive key persons' events on a screen (<see cref="Permission.WatchKeyPersons"/>); for the others it
    /// does not exist: left out of lists, 404 alone.
    /// </summary>
    public static bool MaySee(ClaimsPrincipal viewer, AlertSubject subject) => subject.KeyPerson() is null || SeesKeyPersonAlerts(viewer);

    /// <summary>Whether lists include alerts about key persons for this caller.</summary>
    public static bool SeesKeyPersonAlerts(ClaimsPrincipal viewer) => EventProjection.ReceivesKeyPersonEvents(viewer);

    /// <summary>
    /// Protected rules are resolved and silenced only by community-corrections staff (社区矫正) or the city level: an
    /// administrator or operator whose unit is the city itself.
    /// </summary>
    public static bool MayHandleProtected(ClaimsPrincipal user) => user.RoleOf() switch
    {
        Roles.Corrections => true,
        Roles.Admin or Roles.Operator => UnitCode.IsValid(user.UnitCodeOf()) && UnitCode.LevelOf(user.UnitCodeOf()) == UnitLevel.City,
        _ => false,
    };

    /// <summary>The 403 for a caller who may not handle the protected rules named.</summary>
    public static ProblemHttpResult DenyProtected(IEnumerable<string> ruleIds) => Problems.Forbidden(ProtectedRule,
        $"Critical key-person rules ({string.Join(", ", ruleIds)}) are resolved and silenced only by corrections staff or the city level");
}
