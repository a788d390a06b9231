using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Units;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// The wall screens' hub (<c>/hubs/ops</c>). Thin: it checks scope and hands the work to the
/// connection's <see cref="ScreenConnection"/>. What a screen may see is decided here from the
/// caller's claims, never from what the client asks for.
/// </summary>
[Authorize(AuthenticationSchemes = JwtBearerDefaults.AuthenticationScheme)]
public sealed class OpsHub(ScreenFeed feed, UnitDirectory units) : Hub<IOpsClient>
{
    public override Task OnConnectedAsync()
    {
        feed.Open(Context);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        feed.Close(Context.ConnectionId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Subscribes to a unit. Every durable event after <paramref name="cursor"/> (per district) that the
    /// caller may see is delivered through <c>Event</c>, in order; without a cursor, delivery starts at
    /// the current head. Fails with a hub error for a unit outside the caller's scope.
    /// </summary>
    public async Task<SubscribeResult> Subscribe(string unitCode, Dictionary<string, long>? cursor)
    {
        if (!Grains.Units.UnitCode.IsValid(unitCode))
        {
            throw new HubException("unit not found");
        }

        var decision = ScopeGuard.Check(Context.User!, unitCode, Permission.ViewUnits);
        if (decision != ScopeDecision.Allowed)
        {
            throw new HubException(decision == ScopeDecision.OutOfScope ? "unit not found" : "your role may not watch this unit");
        }

        var unit = await units.DescribeAsync(unitCode) ?? throw new HubException("unit not found");

        var connection = feed.Find(Context.ConnectionId) ?? throw new HubException("connection closed");
        var start = new Dictionary<string, long>();
        var heads = new Dictionary<string, long>();
        foreach (var district in UnitDirectory.DistrictsOf(unit))
        {
            var head = heads[district] = await feed.WatchAsync(district);
            start[district] = cursor is not null && cursor.TryGetValue(district, out var after) && after >= 0 ? Math.Min(after, head) : head;
        }

        connection.Start(unit.Code, start);
        return new SubscribeResult(unit, start, heads);
    }

    /// <summary>Ends the subscription to a unit; others on this connection continue.</summary>
    public Task Unsubscribe(string unitCode)
    {
        feed.Find(Context.ConnectionId)?.Stop(unitCode);
        return Task.CompletedTask;
    }
}
