using System.Security.Claims;

namespace OpsCentre.Gateway.Auth;

/// <summary>
/// What a machine client (机器客户端) may be registered for, and the functions each permission opens. A client's token carries
/// its permissions (one <see cref="OpsClaims.Permission"/> claim each, also its OAuth <c>scope</c>), and the same scope check
/// every endpoint makes (<see cref="ScopeGuard"/>) reads them here instead of a role: the unit prefix applies as to anyone.
/// Nothing else is open to a client: no key persons, no workers, no administration, no wall screens.
/// </summary>
public static class ClientPermissions
{
    /// <summary>Read cases: list, export, one case with its timeline.</summary>
    public const string CasesRead = "cases:read";

    /// <summary>Report cases (<c>POST /api/v1/incidents</c>). Acting in the closed loop stays with people (the duty table names them).</summary>
    public const string CasesWrite = "cases:write";

    /// <summary>Read the event feed with a cursor (<c>GET /api/v1/events</c>).</summary>
    public const string EventsRead = "events:read";

    /// <summary>Read the registries' change feed with a cursor (<c>GET /api/v1/registry-changes</c>).</summary>
    public const string RegistryChangesRead = "registry-changes:read";

    /// <summary>Send release notices (<c>POST /api/v1/release-notices</c>, 刑满释放人员衔接): the prison system's client.</summary>
    public const string ReleasesWrite = "releases:write";

    private static readonly Dictionary<string, Permission[]> Opens = new(StringComparer.Ordinal)
    {
        [CasesRead] = [Permission.ReadCases],
        [CasesWrite] = [Permission.ReportIncidents],
        [EventsRead] = [Permission.ReadEvents],
        [RegistryChangesRead] = [Permission.ReadRegistryChanges],
        [ReleasesWrite] = [Permission.NotifyReleases],
    };

    /// <summary>Every permission a client may be registered with, in a stable order.</summary>
    public static IReadOnlyList<string> All { get; } = [CasesRead, CasesWrite, EventsRead, RegistryChangesRead, ReleasesWrite];

    public static bool IsKnown(string permission) => Opens.ContainsKey(permission);

    /// <summary>Whether one of the permissions <paramref name="client"/>'s token carries opens <paramref name="permission"/>.</summary>
    public static bool Allows(ClaimsPrincipal client, Permission permission) =>
        client.FindAll(OpsClaims.Permission).Any(c => Opens.TryGetValue(c.Value, out var opened) && opened.Contains(permission));
}
