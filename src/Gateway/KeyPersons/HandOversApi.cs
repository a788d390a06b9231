using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.KeyPersons;
using Microsoft.Extensions.Options;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>How long a receiving district has to answer a hand-over request (section <c>HandOvers</c>).</summary>
public sealed class HandOverOptions
{
    public const string Section = "HandOvers";

    /// <summary>Hours from the request to the answer deadline, after which the request's overdue alert fires. Default 72 (3 days).</summary>
    [Range(1, 24 * 30)]
    public int RespondWithinHours { get; set; } = 72;
}

/// <summary>
/// Cross-district supervision hand-over (异地协作监管): the person's district asks another to take supervision over; the
/// receiving district accepts or refuses. Both sides read the request while it is open; acceptance moves the person.
/// </summary>
public static class HandOversApi
{
    public sealed record HandOverRequest(string? OpId, string? ToGrid, string? Reason);

    public sealed record HandOverAnswer(string? Note);

    public static IHostApplicationBuilder AddOpsCentreHandOvers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HandOverOptions>().BindConfiguration(HandOverOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    public static RouteGroupBuilder MapHandOversApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/key-persons/{id}/hand-overs", async Task<Results<Created<HandOver>, ProblemHttpResult, ValidationProblem>> (
            string id, HandOverRequest request, HttpContext context, KeyPersonRecords records, HandOvers handOvers, IClusterClient cluster,
            IOptions<HandOverOptions> options, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.ToGrid is { Length: 15 } && request.ToGrid.All(char.IsAsciiDigit), "toGrid", "required, the receiving grid's 15-digit code")
                .Check(request.Reason is null || request.Reason.Length <= 2000, "reason", "at most 2000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await records.GridOfAsync(id, ct) is not { } grid)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, grid, Permission.HandOverKeyPersons) is { } denied)
            {
                return denied;
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "key-person.hand-over", OperationIds.Hash(id, request.ToGrid, request.Reason ?? ""));
            var (outcome, handOver) = await handOvers.RequestAsync(operation, id, request.ToGrid!, request.Reason ?? "", clock.GetUtcNow(),
                TimeSpan.FromHours(options.Value.RespondWithinHours), ct);
            switch (outcome)
            {
                case HandOverOutcome.OpIdReused:
                    return Problems.OpIdReused();
                case HandOverOutcome.Conflict:
                    return Problems.Conflict("The person already has an open hand-over request");
                case HandOverOutcome.Invalid:
                    return Problems.Unprocessable("toGrid", "a grid of another district than the person's");
                case HandOverOutcome.NotFound:
                    return Problems.NotFound();
            }

            // The person's grain offers the answer deadline to the rules (handOver) from now on; the request's own grain tells the
            // receiving grid it has arrived (hand-over-received).
            await cluster.GetGrain<IKeyPersonGrain>(id).Reload();
            await cluster.GetGrain<IHandOverGrain>(handOver!.Id).Changed();
            return TypedResults.Created($"/api/v1/hand-overs/{handOver!.Id}", handOver);
        })
        .WithTags("Key persons")
        .WithSummary("Asks another district to take over the person's supervision (异地协作监管), to be answered within HandOvers:RespondWithinHours "
            + "(default 72); unanswered, the rule on the deadline handOver raises an alert that escalates. Supervision centres and corrections staff "
            + "of the person's district; idempotent by opId; 409 while another request is open.");

        var group = app.MapGroup("/api/v1/hand-overs").WithTags("Key persons");

        group.MapGet("/", async Task<Results<Ok<Page<HandOver>>, ProblemHttpResult>> (
            string? unit, string? state, string? person, int? limit, string? after, HttpContext context, HandOvers handOvers, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take, Permission.HandOverKeyPersons) is { } problem)
            {
                return problem;
            }

            if (state is not null && !HandOvers.States.Contains(state))
            {
                return Problems.BadRequest($"state must be one of {string.Join(", ", HandOvers.States)}");
            }

            if (!ListCursor.TryParse(after, out var cursor))
            {
                return Problems.BadRequest("after must be a cursor returned as next");
            }

            var rows = await handOvers.ListAsync(unit!, state, person, cursor, take + 1, ct);
            return TypedResults.Ok(Page<HandOver>.From(rows, take, h => ListCursor.Format(h.RequestedAt, h.Id)));
        })
        .WithSummary("Hand-over requests either side of which is within the unit (the person's former grid or the receiving one), so the receiving "
            + "district finds what it is asked to answer: newest first, by state (requested, accepted, refused, withdrawn) and person; paged.");

        group.MapGet("/{id}", async Task<Results<Ok<HandOver>, ProblemHttpResult>> (string id, HttpContext context, HandOvers handOvers, CancellationToken ct) =>
            await handOvers.FindAsync(id, ct) is not { } handOver
                ? Problems.NotFound()
                : EitherSide(context, handOver) is { } denied ? denied : TypedResults.Ok(handOver))
        .WithSummary("One hand-over request, to either side (the person's district and the receiving one).");

        group.MapPost("/{id}/accept", (string id, HandOverAnswer answer, HttpContext context, HandOvers handOvers, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
            AnswerAsync(id, accept: true, answer, context, handOvers, cluster, clock, ct))
        .WithSummary("The receiving district accepts: the person's grid (and with it the allowed area and the responsible unit) becomes the requested one; "
            + "visits, check-ins and forbidden places go with them. 409 once answered.");

        group.MapPost("/{id}/refuse", (string id, HandOverAnswer answer, HttpContext context, HandOvers handOvers, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
            AnswerAsync(id, accept: false, answer, context, handOvers, cluster, clock, ct))
        .WithSummary("The receiving district refuses (with a note): the person stays where they are. 409 once answered.");

        return group;
    }

    private static async Task<Results<Ok<HandOver>, ProblemHttpResult, ValidationProblem>> AnswerAsync(
        string id, bool accept, HandOverAnswer answer, HttpContext context, HandOvers handOvers, IClusterClient cluster, TimeProvider clock, CancellationToken ct)
    {
        if (answer.Note is { Length: > 2000 })
        {
            return Problems.Invalid("note", "at most 2000 characters");
        }

        if (await handOvers.FindAsync(id, ct) is not { } request)
        {
            return Problems.NotFound();
        }

        if (EitherSide(context, request) is { } hidden)
        {
            return hidden;
        }

        // Only the receiving side answers.
        if (ScopeGuard.Deny(context.User, request.ToGrid, Permission.HandOverKeyPersons) is { } denied)
        {
            return denied.StatusCode == StatusCodes.Status404NotFound ? Problems.Forbidden("Only the receiving district answers a hand-over") : denied;
        }

        var (outcome, answered) = await handOvers.AnswerAsync(id, accept, context.User.Username(), answer.Note, clock.GetUtcNow(), ct);
        if (outcome != HandOverOutcome.Done)
        {
            return outcome == HandOverOutcome.NotFound ? Problems.NotFound() : Problems.Conflict("This hand-over was answered before");
        }

        var person = cluster.GetGrain<IKeyPersonGrain>(answered!.PersonId);
        await (accept ? person.Reassign(answered.FromGrid) : person.Reload());
        await cluster.GetGrain<IHandOverGrain>(answered.Id).Changed();
        return TypedResults.Ok(answered);
    }

    /// <summary>Null when the caller is on either side of the request (its scope covers the person's former or receiving grid); else 404 or 403.</summary>
    private static ProblemHttpResult? EitherSide(HttpContext context, HandOver handOver)
    {
        var receiving = ScopeGuard.Deny(context.User, handOver.ToGrid, Permission.HandOverKeyPersons);
        var requesting = ScopeGuard.Deny(context.User, handOver.FromGrid, Permission.HandOverKeyPersons);
        // In scope of either side but without the function: 403, as for any object in scope; 404 only outside both.
        return receiving is null || requesting is null ? null
            : receiving.StatusCode == StatusCodes.Status403Forbidden ? receiving : requesting;
    }
}
