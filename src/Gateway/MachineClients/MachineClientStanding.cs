using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using OpsCentre.Database.MachineClients;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.MachineClients;

/// <summary>
/// Whether the machine client behind an access token is still in good standing: registered, not disabled, and with the unit,
/// permissions and rate limit its token names — the clients' counterpart of <see cref="AccountStanding"/>, read once per client
/// per <see cref="AuthOptions.StandingCheckSeconds"/> on each gateway, so a disabled client is shut out within that period.
/// </summary>
public sealed class MachineClientStanding(MachineClientStore clients, IOptions<AuthOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (MachineClient? Client, DateTimeOffset FreshUntil)> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _period = TimeSpan.FromSeconds(options.Value.StandingCheckSeconds);

    /// <summary>The principal name of a client's tokens: <c>client:</c> and its id, so an audit row or a case's reporter names the client.</summary>
    public static string Subject(string clientId) => "client:" + clientId;

    /// <summary>The client id of a client's principal; null for anyone else.</summary>
    public static string? ClientIdOf(ClaimsPrincipal user) =>
        user.RoleOf() == Roles.Client && user.Username() is { } subject && subject.StartsWith("client:", StringComparison.Ordinal) ? subject["client:".Length..] : null;

    public async ValueTask<bool> AdmitsAsync(ClaimsPrincipal user)
    {
        if (ClientIdOf(user) is not { } clientId)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        if (!_entries.TryGetValue(clientId, out var entry) || entry.FreshUntil <= now)
        {
            // Not the request's cancellation: what is read is kept for the requests after it.
            entry = (await clients.FindAsync(clientId, CancellationToken.None), now + _period);
            _entries[clientId] = entry;
        }

        return Fits(entry.Client, user);
    }

    /// <summary>Records what was just read of the client (a token was issued), fresh for one period.</summary>
    public void Put(MachineClient client) => _entries[client.ClientId] = (client, clock.GetUtcNow() + _period);

    public static bool Fits(MachineClient? client, ClaimsPrincipal user) =>
        client is { Disabled: false }
        && client.UnitCode == user.UnitCodeOf()
        && user.FindAll(OpsClaims.Permission).All(c => client.Permissions.Contains(c.Value))
        && user.FindFirst(OpsClaims.RatePerSecond)?.Value == client.PerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)
        && user.FindFirst(OpsClaims.RateBurst)?.Value == client.Burst.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
