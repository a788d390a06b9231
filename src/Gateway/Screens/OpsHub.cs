using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Units;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// The wall screens' hub (<c>/hubs/ops</c>). Thin: it checks scope and the per-user limits and hands the work to
/// the connection's <see cref="ScreenConnection"/>. What a screen may see is decided from the caller's claims,
/// never from what the client asks for (<see cref="EventProjection"/>).
/// </summary>
[Authorize(AuthenticationSchemes = JwtBearerDefaults.AuthenticationScheme)]
public sealed class OpsHub(ScreenFeed feed, UnitDirectory units, AuditLog audit, IOptions<ScreenOptions> options) : Hub<IOpsClient>
{
    /// <summary>Refuses a connection beyond <see cref="ScreenOptions.MaxConnectionsPerUser"/> (the client sees the hub error as it closes).</summary>
    public override Task OnConnectedAsync() => feed.Open(Context) is null
        ? throw new HubException($"too many connections: a user may hold at most {options.Value.MaxConnectionsPerUser} on this gateway")
        : Task.CompletedTask;

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        feed.Close(Context.ConnectionId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Subscribes to a unit. Every durable event after <paramref name="cursor"/> (per district) that the
    /// caller may see is delivered through <c>Event</c>, in order; without a cursor, delivery starts at
    /// the current head. Fails with a hub error for a unit outside the caller's scope, for a cursor further
    /// behind the head than the caller's role may replay, and beyond the connection's subscriptions.
    /// </summary>
    public async Task<SubscribeResult> Subscribe(string unitCode, Dictionary<string, long>? cursor)
    {
        if (!Grains.Units.UnitCode.IsValid(unitCode))
        {
            throw new HubException("unit not found");
        }

        var user = Context.User!;
        var decision = ScopeGuard.Check(user, unitCode, Permission.ViewUnits);
        if (decision != ScopeDecision.Allowed)
        {
            throw new HubException(decision == ScopeDecision.OutOfScope ? "unit not found" : "your role may not watch this unit");
        }

        var unit = await units.DescribeAsync(unitCode) ?? throw new HubException("unit not found");

        var connection = feed.Find(Context.ConnectionId) ?? throw new HubException("connection closed");
        var settings = options.Value;
        if (!connection.MaySubscribe(unit.Code, settings.MaxSubscriptionsPerConnection))
        {
            throw new HubException($"too many subscriptions: a connection may hold at most {settings.MaxSubscriptionsPerConnection}");
        }

        var replayBound = settings.MaxReplayEventsFor(user.RoleOf());
        var start = new Dictionary<string, long>();
        var heads = new Dictionary<string, long>();
        foreach (var district in UnitDirectory.DistrictsOf(unit))
        {
            var head = heads[district] = await feed.WatchAsync(district);
            start[district] = cursor is not null && cursor.TryGetValue(district, out var after) && after >= 0 ? Math.Min(after, head) : head;
            if (head - start[district] > replayBound)
            {
                throw new HubException($"cursor too old: district {district} is {head - start[district]} events past it, and a {user.RoleOf()} screen may replay "
                    + $"at most {replayBound}; subscribe without a cursor (from the head) and load the current state over HTTP");
            }
        }

        if (EventProjection.ReceivesKeyPersonEvents(user))
        {
            // Key persons' events are personal data pushed, not read: one row per subscription records who watches whose.
            await audit.RecordAsync(PersonalDataReads.OperatorEntry(user, AuditLog.KeyPersonWatch, unmasked: false, "keyperson.* events, key-person alerts (ids, states)",
                AccessPurposes.Monitoring, $"wall screen, connection {Context.ConnectionId}"), unit.Code, Context.ConnectionAborted);
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
