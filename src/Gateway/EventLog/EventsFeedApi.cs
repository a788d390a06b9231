using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Screens;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.EventLog;

/// <summary>
/// <c>GET /api/v1/events</c>: a district's event log read with a cursor, for systems that follow it over HTTP (a departmental
/// system's machine client, a script) rather than on a wall screen. What a caller gets is what their screen would get
/// (<see cref="EventProjection"/>: scope, department, key persons, no free text), in the log's order, none missing.
/// </summary>
public static class EventsFeedApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>
    /// A page of the feed. <c>cursor</c> is the last sequence number read — events the caller may not see move it too — and
    /// is what to send as <c>after</c> next, after a restart as well; <c>next</c> is the same when more may follow at once, else null.
    /// </summary>
    public sealed record EventFeedPage(IReadOnlyList<EventEnvelope> Items, string? Next, long Cursor);

    public static RouteGroupBuilder MapEventsFeedApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/events").WithTags("Screens");

        group.MapGet("/", async Task<Results<Ok<EventFeedPage>, ProblemHttpResult>> (
            string? district, long? after, int? limit, HttpContext context, EventLogStore log, CancellationToken ct) =>
        {
            if (!UnitCode.IsValid(district) || district.Length != 6 || after is < 0 || limit is < 1 or > MaxLimit)
            {
                return Problems.BadRequest($"district must be a district's 6-digit code; after a sequence number (0 or more); limit between 1 and {MaxLimit}");
            }

            // A district caller reads their district; a street's or grid's reads its district's log, shown only their part of it.
            var callerUnit = context.User.UnitCodeOf();
            var viewed = UnitCode.IsWithin(callerUnit, district) ? callerUnit : district;
            if (ScopeGuard.Deny(context.User, viewed, Permission.ReadEvents) is { } denied)
            {
                return denied;
            }

            var take = limit ?? DefaultLimit;
            var events = await log.ReadAfterAsync(district, after ?? 0, take, ct);
            var items = events.Select(e => EventProjection.Project(context.User, viewed, e)).OfType<EventEnvelope>().ToList();
            var cursor = events.Count > 0 ? events[^1].Seq : after ?? 0;
            return TypedResults.Ok(new EventFeedPage(items, events.Count == take ? cursor.ToString(System.Globalization.CultureInfo.InvariantCulture) : null, cursor));
        })
        .WithSummary("A district's durable events after the sequence number `after`, in order, as a wall screen receives them (scoped, masked, no free text); "
            + "`cursor` is the last sequence number read — keep it and pass it as `after` to resume, after a restart too.");

        return group;
    }
}
