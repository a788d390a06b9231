using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Gateway.Citizens;

/// <summary>
/// The 12345 hotline intake (12345 市民服务热线): a hotline operator enters a resident's call as a case — the same reporting path as
/// every case (<see cref="IncidentReporting"/>), source <c>citizen</c> — with the caller's number kept apart (<see cref="HotlineStore"/>),
/// the operator recorded as its first receiver (首接负责), and the feedback deadline of the call's urgency class
/// (<see cref="HotlineOptions.FeedbackDeadlines"/>) capping every stage deadline of the case.
/// </summary>
public static class HotlineApi
{
    /// <param name="CallerPhone">The caller's number (personal data): stored apart, never in the case, its events or a log line.</param>
    /// <param name="UrgencyClass">emergency, utilities, general or complex: sets the feedback deadline.</param>
    public sealed record CallRequest(
        string? OpId, string? CallerPhone, string? CallerName, string? UrgencyClass, string? Category, string? Description, double? Lat, double? Lon, string? GridCode);

    /// <summary>A call taken: its case, the case's first stage deadline, the feedback deadline and the first receiver. No caller's number.</summary>
    public sealed record CallResponse(string Id, string UnitCode, string Stage, DateTimeOffset? StageDeadline, string UrgencyClass, DateTimeOffset FeedbackDue,
        string TakenBy, DateTimeOffset TakenAt);

    public sealed record CallList(IReadOnlyList<HotlineCallItem> Items);

    public static RouteGroupBuilder MapHotlineApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/hotline/calls").WithTags("Hotline");
        group.MapPost("/", TakeAsync)
            .WithSummary("A hotline operator enters a resident's call as a case (stage reported, source citizen) within their unit: the caller's number kept apart, the operator its first receiver (首接负责), the urgency class's feedback deadline (emergency PT2H, utilities PT24H, general P7D, complex P15D by default) capping the case's stage deadlines. The same opId again answers the same call.");

        group.MapGet("/", async Task<Results<Ok<CallList>, ProblemHttpResult>> (bool? open, HttpContext context, HotlineStore store, CancellationToken ct) =>
            !Roles.Allows(context.User.RoleOf(), Permission.TakeHotlineCalls)
                ? Problems.Forbidden()
                : TypedResults.Ok(new CallList(await store.TakenByAsync(context.User.Username(), open ?? false, 500, ct))))
            .WithSummary("The calls the signed-in hotline operator took (their first-receiver duty), newest first, with each case's stage and deadlines; open=true for open cases only; at most 500. No caller's number: that is the audited contact read.");
        return group;
    }

    private static async Task<Results<Created<CallResponse>, ProblemHttpResult, ValidationProblem>> TakeAsync(
        CallRequest request, HttpContext context, IncidentReporting reporting, HotlineStore store, IOptions<HotlineOptions> options, TimeProvider clock, CancellationToken ct)
    {
        if (!Roles.Allows(context.User.RoleOf(), Permission.TakeHotlineCalls))
        {
            return Problems.Forbidden();
        }

        var phone = request.CallerPhone?.Trim();
        var errors = new RequestErrors()
            .Check(phone is { Length: >= 3 and <= 20 } && phone.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or ' '), "callerPhone", "required: digits, at most 20")
            .Check(request.CallerName is not { Length: > 100 }, "callerName", "at most 100 characters")
            .Check(request.UrgencyClass is not null && HotlineOptions.Classes.Contains(request.UrgencyClass), "urgencyClass", string.Join(", ", HotlineOptions.Classes));
        if (errors.Any)
        {
            return errors.Problem();
        }

        var takenAt = clock.GetUtcNow();
        var feedbackDue = options.Value.FeedbackDue(request.UrgencyClass!, takenAt);
        var caller = context.User.Username();
        var answer = await reporting.ReportAsync(
            new ReportRequest(request.OpId, request.Category, HotlineOptions.UrgencyOf(request.UrgencyClass!), request.Description, request.Lat, request.Lon,
                request.GridCode, null, Residents.Source),
            caller, Residents.Source, grid => ScopeGuard.Deny(context.User, grid, Permission.TakeHotlineCalls), _ => false, ct, feedbackDue);
        if (answer.Result is not Created<ReportResponse> { Value: { } created })
        {
            return answer.Result switch
            {
                ProblemHttpResult problem => problem,
                ValidationProblem invalid => invalid,
                _ => throw new InvalidOperationException("an unexpected answer from IncidentReporting"),
            };
        }

        // After the case: a retry (the same opId) finds it and stores the call then; the call as first stored is the answer.
        var call = await store.SaveAsync(new HotlineCall(created.Id, request.UrgencyClass!, feedbackDue, caller, context.User.UnitCodeOf(), takenAt),
            phone!, string.IsNullOrWhiteSpace(request.CallerName) ? null : request.CallerName.Trim(), ct);
        return TypedResults.Created($"/api/v1/incidents/{created.Id}", new CallResponse(
            created.Id, created.UnitCode, created.Stage, created.Deadline, call.UrgencyClass, call.FeedbackDue, call.TakenBy, call.TakenAt));
    }
}
