using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Mediation;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Mediation;

/// <summary>How long the participating departments of a joint mediation have for their parts by default (section <c>Mediation</c>).</summary>
public sealed class MediationOptions
{
    public const string Section = "Mediation";

    /// <summary>Days from the opening to the parts' deadline when the request names none. Default 7.</summary>
    [Range(1, 90)]
    public int PartsDueInDays { get; set; } = 7;
}

/// <summary>
/// Joint mediation (三所联调 / 大调解): a dispute worked by several departments — police station, judicial office, law firm —
/// each with its part; sessions scheduled; an outcome (agreement, or failed → referred) once every part is recorded.
/// Mediators (community staff and the centres above, <see cref="Permission.Mediate"/>) open, schedule and close; each
/// participating department's staff record its part (<see cref="Permission.RecordMediationParts"/>). docs/supervision.md.
/// </summary>
public static class MediationApi
{
    public sealed record PartRequest(string? Department, string? Part);

    /// <param name="UnitCode">Where the dispute is (a grid, community or street); taken from the case when <c>IncidentId</c> is given.</param>
    public sealed record OpenRequest(string? OpId, string? UnitCode, string? IncidentId, string? Title, string? Description, List<PartRequest>? Participants, int? PartsDueInDays);

    public sealed record SessionRequest(string? OpId, DateTimeOffset? ScheduledAt, string? Place);

    public sealed record PartRecordRequest(string? OpId, string? Record);

    public sealed record CloseRequest(string? OpId, string? Outcome, string? ReferredTo, string? Note);

    public sealed record DepartmentKpis(string Unit, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<MediationDepartmentKpi> Items);

    public static IHostApplicationBuilder AddOpsCentreMediation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MediationOptions>().BindConfiguration(MediationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    public static RouteGroupBuilder MapMediationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/mediations").WithTags("Supervision");

        group.MapPost("/", async Task<Results<Created<MediationCase>, ProblemHttpResult, ValidationProblem>> (
            OpenRequest request, HttpContext context, MediationCases cases, IClusterClient cluster, IOptions<MediationOptions> options, TimeProvider clock, CancellationToken ct) =>
        {
            var participants = request.Participants ?? [];
            var errors = new RequestErrors().OpId(request.OpId)
                .Check((request.UnitCode is null) != (request.IncidentId is null), "unitCode", "either unitCode or incidentId")
                .Check(request.UnitCode is null || (UnitCode.IsValid(request.UnitCode) && request.UnitCode.Length >= 9), "unitCode", "a street, community or grid code")
                .Check(request.IncidentId is null || DistrictIds.IsValid(request.IncidentId), "incidentId", "a case id")
                .Check(request.Title is { Length: >= 1 and <= 200 }, "title", "required, at most 200 characters")
                .Check(request.Description is not { Length: > 4000 }, "description", "at most 4000 characters")
                .Check(participants.Count is >= 2 and <= 10, "participants", "2 to 10 participating departments")
                .Check(participants.All(p => p?.Department is { Length: >= 1 and <= 20 } && p.Part is { Length: >= 1 and <= 200 }), "participants",
                    "each a department code with its part (at most 200 characters)")
                .Check(participants.Select(p => p?.Department).Distinct().Count() == participants.Count, "participants", "each department once")
                .Check(request.PartsDueInDays is null or (>= 1 and <= 90), "partsDueInDays", "between 1 and 90");
            if (errors.Any)
            {
                return errors.Problem();
            }

            var unit = request.UnitCode;
            if (request.IncidentId is { } incidentId)
            {
                if (await cluster.GetGrain<IIncidentGrain>(incidentId).Detail() is not { } detail || !CaseVisibility.MaySee(context.User, detail.Incident))
                {
                    return Problems.Invalid("incidentId", "no such case in your area");
                }

                unit = detail.Incident.UnitCode;
            }

            if (ScopeGuard.Deny(context.User, unit!, Permission.Mediate) is { } denied)
            {
                return denied;
            }

            var now = clock.GetUtcNow();
            var due = now + TimeSpan.FromDays(request.PartsDueInDays ?? options.Value.PartsDueInDays);
            var operation = new Operation(context.User.Username(), request.OpId!, "mediation.open",
                OperationIds.Hash(unit, request.IncidentId, request.Title, request.Description ?? "", string.Join(";", participants.Select(p => p.Department + "=" + p.Part)), request.PartsDueInDays));
            var result = await cases.OpenAsync(operation, new MediationOpening(unit!, request.IncidentId, request.Title!, request.Description ?? "",
                [.. participants.Select(p => (p.Department!, p.Part!))], due), now, ct);
            if (result.Outcome == MediationOutcome.Done)
            {
                // The case's grain watches the parts' deadline (a retried opening tells it again).
                await cluster.GetGrain<IMediationGrain>(result.Case!.Id).Changed();
            }

            return result.Outcome switch
            {
                MediationOutcome.Done => TypedResults.Created($"/api/v1/mediations/{result.Case!.Id}", result.Case),
                MediationOutcome.OpIdReused => Problems.OpIdReused(),
                _ => Problems.Unprocessable("participants", "departments of the dispute's district (GET /api/v1/departments), each enabled"),
            };
        })
        .WithSummary("Opens a joint mediation (三所联调): a dispute in a unit, or from a case (incidentId), with 2–10 participating departments of its district "
            + "each with its part, due within partsDueInDays (default Mediation:PartsDueInDays, 7). Mediators (admin, operator, staff) in scope; idempotent by opId. "
            + "A part still missing at partsDueAt raises mediation-part-overdue (subject kind mediation, deadline mediationPart), which escalates until the last part is recorded or the case is closed.");

        group.MapGet("/", async Task<Results<Ok<Page<MediationCase>>, ProblemHttpResult>> (
            string? unit, string? state, string? after, int? limit, HttpContext context, MediationCases cases, CancellationToken ct) =>
        {
            var scope = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(scope, limit, context.User, out var take, Permission.RecordMediationParts) is { } problem)
            {
                return problem;
            }

            if (state is not null and not ("open" or "closed"))
            {
                return Problems.InvalidQuery("state", "open or closed");
            }

            var rows = await cases.ListAsync(scope, context.User.DepartmentOf(), state, after, take + 1, ct);
            return TypedResults.Ok(Page<MediationCase>.From(rows, take, c => c.Id));
        })
        .WithSummary("The mediations within unit (default the caller's), newest first, by state (open | closed); department staff see those their department takes part in.");

        group.MapGet("/kpis", async Task<Results<Ok<DepartmentKpis>, ProblemHttpResult>> (
            string? unit, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, MediationCases cases, TimeProvider clock, CancellationToken ct) =>
        {
            var scope = unit ?? context.User.UnitCodeOf();
            if (!UnitCode.IsValid(scope) || KpisApi.Period(from, to, clock) is not { } period)
            {
                return Problems.BadRequest("unit must be a unit code; to must follow from, within 400 days");
            }

            if (ScopeGuard.Deny(context.User, scope, Permission.RecordMediationParts) is { } denied)
            {
                return denied;
            }

            var rows = await cases.KpisAsync(scope, period.From, period.To, clock.GetUtcNow(), ct);
            var department = context.User.DepartmentOf();
            return TypedResults.Ok(new DepartmentKpis(scope, period.From, period.To, [.. rows.Where(r => department is null || r.DepartmentCode == department)]));
        })
        .WithSummary("Per participating department, over the mediations within unit opened in [from, to) (default this month): cases, parts recorded, on time "
            + "(by the parts' deadline), overdue (missing past it), agreements and referrals, and onTimeRate. Department staff get their own row.");

        group.MapGet("/{id}", async Task<Results<Ok<MediationCase>, ProblemHttpResult>> (string id, HttpContext context, MediationCases cases, CancellationToken ct) =>
            await VisibleAsync(id, context.User, cases, ct) is { } found
                ? ScopeGuard.Deny(context.User, found.UnitCode, Permission.RecordMediationParts) ?? (Results<Ok<MediationCase>, ProblemHttpResult>)TypedResults.Ok(found)
                : Problems.NotFound())
        .WithSummary("One mediation with its parts (who recorded what, when) and sessions.");

        group.MapPost("/{id}/sessions", async Task<Results<Ok<MediationCase>, ProblemHttpResult, ValidationProblem>> (
            string id, SessionRequest request, HttpContext context, MediationCases cases, CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.ScheduledAt is not null, "scheduledAt", "required, ISO 8601 with offset")
                .Check(request.Place is not { Length: > 200 }, "place", "at most 200 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await VisibleAsync(id, context.User, cases, ct) is not { } found)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, found.UnitCode, Permission.Mediate) is { } denied)
            {
                return denied;
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "mediation.session", OperationIds.Hash(id, request.ScheduledAt, request.Place ?? ""));
            return Answer(await cases.ScheduleAsync(operation, id, request.ScheduledAt!.Value, request.Place ?? "", ct));
        })
        .WithSummary("Schedules the mediation's next session (调解会): when and where. Mediators in scope; 409 once closed.");

        group.MapPost("/{id}/parts/{departmentCode}", async Task<Results<Ok<MediationCase>, ProblemHttpResult, ValidationProblem>> (
            string id, string departmentCode, PartRecordRequest request, HttpContext context, MediationCases cases, IClusterClient cluster, TimeProvider clock,
            CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.Record is { Length: >= 1 and <= 4000 }, "record", "required, at most 4000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await VisibleAsync(id, context.User, cases, ct) is not { } found)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, found.UnitCode, Permission.RecordMediationParts) is { } denied)
            {
                return denied;
            }

            // A department's staff record their own department's part only; a mediator may record any on its behalf.
            if (context.User.DepartmentOf() is { } own && own != departmentCode)
            {
                return Problems.Forbidden("Not your department's part");
            }

            if (found.Parts.All(p => p.DepartmentCode != departmentCode))
            {
                return Problems.NotFound();
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "mediation.part", OperationIds.Hash(id, departmentCode, request.Record));
            return await AnswerAsync(await cases.RecordPartAsync(operation, id, departmentCode, request.Record!, clock.GetUtcNow(), ct), cluster);
        })
        .WithSummary("A participating department records its part (its staff, or a mediator on its behalf); recording again replaces it while the case is open. 409 once closed.");

        group.MapPost("/{id}/close", async Task<Results<Ok<MediationCase>, ProblemHttpResult, ValidationProblem>> (
            string id, CloseRequest request, HttpContext context, MediationCases cases, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.Outcome is not null && MediationOutcomes.All.Contains(request.Outcome), "outcome", "agreement or referred")
                .Check(request.Outcome != MediationOutcomes.Referred || request.ReferredTo is { Length: >= 1 and <= 200 }, "referredTo",
                    "where a failed mediation is referred (法院, 仲裁…), required for referred")
                .Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await VisibleAsync(id, context.User, cases, ct) is not { } found)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, found.UnitCode, Permission.Mediate) is { } denied)
            {
                return denied;
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "mediation.close", OperationIds.Hash(id, request.Outcome, request.ReferredTo, request.Note));
            return await AnswerAsync(await cases.CloseAsync(operation, id, request.Outcome!, request.Outcome == MediationOutcomes.Referred ? request.ReferredTo : null,
                request.Note, clock.GetUtcNow(), ct), cluster);
        })
        .WithSummary("Closes the mediation with its outcome: agreement (调解成功) or referred (调解不成, with referredTo). 409 while a participating department "
            + "has not recorded its part (the detail names them), or once closed.");

        return group;
    }

    /// <summary>The case when it exists and the caller may know of it: within their scope, and for department staff only if their department takes part.</summary>
    private static async Task<MediationCase?> VisibleAsync(string id, ClaimsPrincipal user, MediationCases cases, CancellationToken ct) =>
        DistrictIds.IsValid(id) && await cases.FindAsync(id, ct) is { } found && UnitCode.IsWithin(found.UnitCode, user.UnitCodeOf())
        && (user.DepartmentOf() is not { } department || found.Parts.Any(p => p.DepartmentCode == department))
            ? found
            : null;

    /// <summary>A part recorded or the case closed: its grain looks at the parts' deadline again (the last part, or the close, ends its alert).</summary>
    private static async Task<Results<Ok<MediationCase>, ProblemHttpResult, ValidationProblem>> AnswerAsync(MediationResult result, IClusterClient cluster)
    {
        if (result.Outcome == MediationOutcome.Done)
        {
            await cluster.GetGrain<IMediationGrain>(result.Case!.Id).Changed();
        }

        return Answer(result);
    }

    private static Results<Ok<MediationCase>, ProblemHttpResult, ValidationProblem> Answer(MediationResult result) => result.Outcome switch
    {
        MediationOutcome.Done => TypedResults.Ok(result.Case!),
        MediationOutcome.OpIdReused => Problems.OpIdReused(),
        MediationOutcome.Conflict when result.Missing is { Count: > 0 } missing =>
            Problems.Conflict("Every participating department must record its part first", "missing: " + string.Join(", ", missing)),
        MediationOutcome.Conflict => Problems.Conflict("The mediation is closed"),
        MediationOutcome.InvalidDepartment => Problems.NotFound(),
        _ => Problems.NotFound(),
    };
}
