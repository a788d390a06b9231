using Microsoft.AspNetCore.SignalR;
using OpsCentre.Gateway.Hosting;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// The hub's side of <see cref="UnavailableExceptionHandler"/>: a hub method that fails for want of PostgreSQL or
/// the cluster (or lost a race with another transaction) answers the screen with a <see cref="HubException"/>
/// saying so and when to try again — "unavailable: try again in 5 s" — instead of SignalR's bare "an unexpected
/// error occurred", and the failure is recorded by the same judge (the outage logged once, not per call).
/// </summary>
public sealed class UnavailableHubFilter(UnavailableFailures failures) : IHubFilter
{
    /// <summary>How the message of such a failure begins; a screen retries after the seconds it names.</summary>
    public const string Prefix = "unavailable: try again in ";

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (Exception ex) when (ex is not HubException && failures.Note(ex) is { } retryAfter)
        {
            // The cause rides along (never to the client: SignalR sends a HubException's message only), so the
            // process's log filter knows SignalR's own error entry for it as part of an outage already logged.
            throw new HubException($"{Prefix}{(int)Math.Ceiling(retryAfter.TotalSeconds)} s", ex);
        }
    }
}
