using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.EventLog;

/// <summary>
/// <c>POST /api/v1/admin/events</c>: an administrator appends an event to a district's log by hand,
/// through the same district writer as every other event. Used to prove the screens' delivery
/// before domain events exist, and by acceptance checks.
/// </summary>
public static class EventsAdminApi
{
    private static readonly string[] DomainEventFamilies = ["alert.", "incident.", "keyperson.", "campaign."];

    public sealed record AppendEventRequest(string? OpId, string? UnitCode, string? Type, JsonElement Data);

    public sealed record AppendEventResponse(string DistrictCode, long Seq);

    public static RouteGroupBuilder MapEventsAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/admin/events").WithTags("Administration");

        group.MapPost("/", async Task<Results<Created<AppendEventResponse>, ProblemHttpResult, ValidationProblem>> (
            AppendEventRequest request, HttpContext context, IClusterClient cluster, TimeProvider clock) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(UnitCode.IsValid(request.UnitCode) && request.UnitCode.Length >= 6, "unitCode", "a district, street, community or grid code")
                .Check(!string.IsNullOrWhiteSpace(request.Type) && request.Type.Length <= 100, "type", "required, at most 100 characters")
                .Check(request.Data.ValueKind == JsonValueKind.Object, "data", "a JSON object");
            // The log is the store of record for alerts (and cases): only their own grains write their events.
            if (request.Type is { } type && DomainEventFamilies.Any(f => type.StartsWith(f, StringComparison.Ordinal)))
            {
                errors.Check(false, "type", $"events of the families {string.Join(", ", DomainEventFamilies)} are written only by the domain");
            }

            if (errors.Any)
            {
                return errors.Problem();
            }

            if (ScopeGuard.Deny(context.User, request.UnitCode!, Permission.AppendEvents) is { } denied)
            {
                return denied;
            }

            var username = context.User.Username();
            var district = UnitCode.DistrictOf(request.UnitCode!)!;
            var stored = await cluster.GetGrain<IDistrictEventLogGrain>(district).Append(
                "operator:" + username, request.OpId!,
                [new EventDraft(request.UnitCode!, request.Type!, username, clock.GetUtcNow(), request.Data.GetRawText())]);
            var response = new AppendEventResponse(district, stored[0].Seq);
            return TypedResults.Created($"/api/v1/events/{district}/{response.Seq}", response);
        })
        .WithSummary("Append an event to its district's log (admin only). A retry with the same opId is stored once.");

        return group;
    }
}
