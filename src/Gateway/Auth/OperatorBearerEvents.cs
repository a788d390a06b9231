using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace OpsCentre.Gateway.Auth;

/// <summary>
/// The JWT bearer handler's events for operators' tokens: where a token may come from, and, once its signature and
/// lifetime are valid, whether its account is still in good standing (<see cref="AccountStanding"/>; a token of a
/// disabled, deleted or moved account is refused, 401). Runs for every authenticated request — the hub's included.
/// </summary>
public sealed class OperatorBearerEvents(AccountStanding standing, MachineClients.MachineClientStanding clients) : JwtBearerEvents
{
    public override Task MessageReceived(MessageReceivedContext context)
    {
        // Browsers cannot set headers on WebSocket requests, so the hub accepts the query string; nowhere else
        // does, and request logging never records it.
        if (context.HttpContext.Request.Path.StartsWithSegments(AuthenticationSetup.HubPath)
            && context.Request.Query["access_token"] is [{ Length: > 0 } token])
        {
            context.Token = token;
        }
        else if (ClusterDashboard.OrleansDashboardApi.CookieToken(context.Request) is { } dashboardToken)
        {
            // A browser opening the Orleans Dashboard's pages sends no header: there, and only there, the token comes in
            // the cookie an administrator's POST /api/v1/orleans-dashboard/session set.
            context.Token = dashboardToken;
        }

        return Task.CompletedTask;
    }

    public override async Task TokenValidated(TokenValidatedContext context)
    {
        if (context.Principal is { } client && client.RoleOf() == Roles.Client)
        {
            // A departmental system's machine client (OAuth client credentials): the same bearer scheme, its own standing.
            if (!await clients.AdmitsAsync(client))
            {
                context.Fail("The machine client is disabled or no longer exists, or its unit, permissions or rate limit changed; ask for a new token");
            }
        }
        else if (context.Principal is not { } user || !await standing.AdmitsAsync(user))
        {
            context.Fail("The account is disabled or no longer exists, or its role or unit changed; sign in again");
        }
    }
}
