using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.KeyPersons;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// Travel leave (外出请假): a temporary allowed area (a district, street or community) and a return deadline for a key person.
/// Leaving that area, or still being away past the deadline, raises the usual alerts through the person's grain.
/// </summary>
public static class TravelLeavesApi
{
    public sealed record LeaveRequest(string? OpId, string? AreaCode, string? Reason, DateTimeOffset? LeaveFrom, DateTimeOffset? ReturnBy);

    public sealed record LeaveAnswer(string? Note);

    /// <summary>The longest leave a request may ask for.</summary>
    private static readonly TimeSpan LongestLeave = TimeSpan.FromDays(90);

    public static RouteGroupBuilder MapTravelLeavesApi(this IEndpointRouteBuilder app)
    {
        var person = app.MapGroup("/api/v1/key-persons/{id}/travel-leaves").WithTags("Key persons");

        person.MapPost("/", async Task<Results<Created<TravelLeave>, ProblemHttpResult, ValidationProblem>> (
            string id, LeaveRequest request, HttpContext context, KeyPersonRecords records, TravelLeaves leaves, TimeProvider clock, CancellationToken ct) =>
        {
            var now = clock.GetUtcNow();
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.AreaCode is { Length: 6 or 9 or 12 } && request.AreaCode.All(char.IsAsciiDigit), "areaCode", "required, a district, street or community code")
                .Check(request.Reason is not { Length: > 2000 }, "reason", "at most 2000 characters")
                .Check(request.LeaveFrom is not null, "leaveFrom", "required")
                .Check(request.ReturnBy is { } back && back > now && (request.LeaveFrom is not { } from || (back > from && back - from <= LongestLeave)), "returnBy",
                    "required, in the future, after leaveFrom and at most 90 days after it");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await records.GridOfAsync(id, ct) is not { } grid)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, grid, Permission.RequestTravelLeave) is { } denied)
            {
                return denied;
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "key-person.travel-leave", OperationIds.Hash(id, request.AreaCode, request.Reason ?? "",
                request.LeaveFrom!.Value.ToString("O", CultureInfo.InvariantCulture), request.ReturnBy!.Value.ToString("O", CultureInfo.InvariantCulture)));
            var (outcome, leave) = await leaves.RequestAsync(operation, id, request.AreaCode!, request.Reason ?? "", request.LeaveFrom.Value, request.ReturnBy.Value, now, ct);
            return outcome switch
            {
                TravelLeaveOutcome.Done => TypedResults.Created($"/api/v1/travel-leaves/{leave!.Id}", leave),
                TravelLeaveOutcome.OpIdReused => Problems.OpIdReused(),
                TravelLeaveOutcome.Conflict => Problems.Conflict("The person has a travel leave requested or running"),
                TravelLeaveOutcome.Invalid => Problems.Unprocessable("areaCode", "a district, street or community on the map"),
                _ => Problems.NotFound(),
            };
        })
        .WithSummary("Asks for a travel leave (外出请假): an area (district, street or community) allowed besides the person's district from leaveFrom until returnBy. "
            + "Supervision centres, community staff and corrections staff of the person's unit; idempotent by opId; 409 while another leave is requested or running.");

        person.MapGet("/", (string id, HttpContext context, PersonalDataReads reads, TravelLeaves leaves, CancellationToken ct) =>
            reads.ReadAsync(context.User, id, Permission.ReadKeyPersons, "key-person.travel-leaves", null, async _ =>
                new Disclosure<IReadOnlyList<TravelLeave>>(await leaves.OfPersonAsync(id, 100, ct), false, "travelLeaves"), ct))
        .WithSummary("The person's travel leaves, newest first (at most 100); audited like the person's record.");

        var group = app.MapGroup("/api/v1/travel-leaves").WithTags("Key persons");

        group.MapGet("/{id}", async Task<Results<Ok<TravelLeave>, ProblemHttpResult>> (string id, HttpContext context, TravelLeaves leaves, KeyPersonRecords records, CancellationToken ct) =>
            await leaves.FindAsync(id, ct) is not { } leave ? Problems.NotFound()
                : await DenyAsync(context, leave.PersonId, records, Permission.ReadKeyPersons, ct) is { } denied ? denied : TypedResults.Ok(leave))
        .WithSummary("One travel leave, within the scope of the person's grid.");

        group.MapPost("/{id}/approve", (string id, LeaveAnswer answer, HttpContext context, TravelLeaves leaves, KeyPersonRecords records, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
            ActAsync(id, Permission.ApproveTravelLeave, answer.Note, context, leaves, records, cluster, ct,
                () => leaves.AnswerAsync(id, approve: true, context.User.Username(), answer.Note, clock.GetUtcNow(), ct)))
        .WithSummary("Approves a requested leave: from leaveFrom the area is allowed; returnBy is the deadline travelReturn, after which the area ends. Supervision centres and corrections staff; 409 once answered.");

        group.MapPost("/{id}/refuse", (string id, LeaveAnswer answer, HttpContext context, TravelLeaves leaves, KeyPersonRecords records, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
            ActAsync(id, Permission.ApproveTravelLeave, answer.Note, context, leaves, records, cluster, ct,
                () => leaves.AnswerAsync(id, approve: false, context.User.Username(), answer.Note, clock.GetUtcNow(), ct)))
        .WithSummary("Refuses a requested leave. 409 once answered.");

        group.MapPost("/{id}/return", (string id, HttpContext context, TravelLeaves leaves, KeyPersonRecords records, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
            ActAsync(id, Permission.RequestTravelLeave, null, context, leaves, records, cluster, ct,
                () => leaves.ReturnedAsync(id, context.User.Username(), clock.GetUtcNow(), ct)))
        .WithSummary("Records that the person is back: the leave ends, its deadline with it (a travelReturn alert resolves). 409 unless the leave is approved and running.");

        return group;
    }

    private static async Task<Results<Ok<TravelLeave>, ProblemHttpResult, ValidationProblem>> ActAsync(
        string id, Permission permission, string? note, HttpContext context, TravelLeaves leaves, KeyPersonRecords records, IClusterClient cluster, CancellationToken ct,
        Func<Task<(TravelLeaveOutcome Outcome, TravelLeave? Leave)>> act)
    {
        if (note is { Length: > 2000 })
        {
            return Problems.Invalid("note", "at most 2000 characters");
        }

        if (await leaves.FindAsync(id, ct) is not { } leave)
        {
            return Problems.NotFound();
        }

        if (await DenyAsync(context, leave.PersonId, records, permission, ct) is { } denied)
        {
            return denied;
        }

        var (outcome, changed) = await act();
        if (outcome != TravelLeaveOutcome.Done)
        {
            return outcome == TravelLeaveOutcome.NotFound ? Problems.NotFound() : Problems.Conflict($"The leave is {leave.State}; that is not allowed now");
        }

        // The person's grain widens or narrows the allowed area and offers (or drops) the return deadline.
        await cluster.GetGrain<IKeyPersonGrain>(changed!.PersonId).Reload();
        return TypedResults.Ok(changed);
    }

    private static async Task<ProblemHttpResult?> DenyAsync(HttpContext context, string personId, KeyPersonRecords records, Permission permission, CancellationToken ct) =>
        await records.GridOfAsync(personId, ct) is not { } grid ? Problems.NotFound() : ScopeGuard.Deny(context.User, grid, permission);
}
