using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.KeyPersons;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>The deadlines of a release hand-over (section <c>ReleaseNotices</c>).</summary>
public sealed class ReleaseNoticeOptions
{
    public const string Section = "ReleaseNotices";

    /// <summary>Hours from the notice to the receiving community's confirmation of receipt (deadline <c>releaseReceipt</c>). Default 24.</summary>
    [Range(1, 24 * 30)]
    public int ConfirmWithinHours { get; set; } = 24;

    /// <summary>Hours from the confirmation to the first visit that finds the person (deadline <c>releaseFirstVisit</c>). Default 72.</summary>
    [Range(1, 24 * 30)]
    public int FirstVisitWithinHours { get; set; } = 72;
}

/// <summary>
/// Release hand-over (刑满释放人员衔接): a notice names the person and the receiving community, which confirms receipt and
/// makes the first visit, each by its deadline; and 帮教 for those with no home, job or family: needs, a helper, support tasks.
/// </summary>
public static class ReleaseNoticesApi
{
    /// <summary>A notice: the person by their key-person id or (the prison system's way) their ID number; the receiving community.</summary>
    public sealed record NoticeRequest(string? OpId, string? PersonId, string? IdNumber, string? CommunityCode, DateTimeOffset? ReleasedAt, string? Note);

    public sealed record PlanRequest(IReadOnlyList<string>? Needs, string? Helper, string? Note);

    public sealed record TaskRequest(string? OpId, string? Title, DateTimeOffset? DueAt);

    public sealed record OutcomeRequest(string? Outcome);

    public static IHostApplicationBuilder AddOpsCentreReleaseNotices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReleaseNoticeOptions>().BindConfiguration(ReleaseNoticeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    public static RouteGroupBuilder MapReleaseNoticesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/release-notices").WithTags("Key persons");

        group.MapPost("/", async Task<Results<Created<ReleaseNotice>, ProblemHttpResult, ValidationProblem>> (
            NoticeRequest request, HttpContext context, ReleaseNotices notices, IClusterClient cluster, IOptions<ReleaseNoticeOptions> options, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check((request.PersonId is null) != (request.IdNumber is null), "personId", "either personId or idNumber (身份证号), not both")
                .Check(request.IdNumber is null or { Length: 18 }, "idNumber", "an 18-character ID number")
                .Check(request.CommunityCode is { Length: 12 } && request.CommunityCode.All(char.IsAsciiDigit), "communityCode", "required, the receiving community's 12-digit code")
                .Check(request.ReleasedAt is not null, "releasedAt", "required, when the person was released")
                .Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            // The function before the scope: a grid's account lies below any community, and lacks the function anyway.
            if (!Roles.Allows(context.User, Permission.NotifyReleases))
            {
                return Problems.Forbidden();
            }

            if (ScopeGuard.Deny(context.User, request.CommunityCode!, Permission.NotifyReleases) is { } denied)
            {
                return denied;
            }

            var personId = request.PersonId ?? await notices.PersonByIdNumberAsync(request.IdNumber!, ct);
            var field = request.PersonId is null ? "idNumber" : "personId";
            if (personId is null)
            {
                return Problems.Unprocessable(field, "no key person on the roster");
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "release-notice",
                OperationIds.Hash(personId, request.CommunityCode, request.ReleasedAt!.Value.ToString("O", CultureInfo.InvariantCulture), request.Note ?? ""));
            var (outcome, notice) = await notices.NotifyAsync(operation, personId, request.CommunityCode!, request.ReleasedAt.Value, request.Note ?? "", clock.GetUtcNow(),
                TimeSpan.FromHours(options.Value.ConfirmWithinHours), TimeSpan.FromHours(options.Value.FirstVisitWithinHours), ct);
            switch (outcome)
            {
                case ReleaseNoticeOutcome.OpIdReused:
                    return Problems.OpIdReused();
                case ReleaseNoticeOutcome.NotFound:
                    return Problems.Unprocessable(field, "no key person on the roster");
                case ReleaseNoticeOutcome.Invalid:
                    return Problems.Unprocessable(field, "the person does not live in the receiving community");
            }

            // The person's grain offers the receipt deadline (releaseReceipt) to the rules from now on.
            await cluster.GetGrain<IKeyPersonGrain>(personId).Reload();
            return TypedResults.Created($"/api/v1/release-notices/{notice!.Id}", notice);
        })
        .WithSummary("A release notice (刑满释放人员衔接): the person (personId, or idNumber as the prison system knows them) and the receiving community; "
            + "receipt is due within ReleaseNotices:ConfirmWithinHours (default 24), else the rule on the deadline releaseReceipt raises an alert that escalates. "
            + "Corrections staff, the supervision centres, machine clients with releases:write; idempotent by opId.");

        group.MapGet("/", async Task<Results<Ok<Page<ReleaseNotice>>, ProblemHttpResult>> (
            string? unit, string? state, int? limit, string? after, HttpContext context, ReleaseNotices notices, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take, Permission.HandleReleases) is { } problem)
            {
                return problem;
            }

            if (state is not (null or "notified" or "confirmed"))
            {
                return Problems.BadRequest("state must be notified or confirmed");
            }

            if (!TryParseCursor(after, out var cursor))
            {
                return Problems.BadRequest("after must be a cursor returned as next");
            }

            var rows = await notices.ListAsync(unit!, state, cursor, take + 1, ct);
            return TypedResults.Ok(Page<ReleaseNotice>.From(rows, take, n => FormatCursor(n.NotifiedAt, n.Id)));
        })
        .WithSummary("The release notices of the communities within a unit (a grid: those of its persons), newest first, with their deadlines and first visit; paged. No names: the person by id.");

        group.MapGet("/{id}", async Task<Results<Ok<ReleaseNotice>, ProblemHttpResult>> (string id, HttpContext context, ReleaseNotices notices, KeyPersonRecords records, CancellationToken ct) =>
            await notices.FindAsync(id, ct) is not { } notice ? Problems.NotFound()
                : await DenyAsync(context, notice, records, ct) is { } denied ? denied : TypedResults.Ok(notice))
        .WithSummary("One release notice, to the receiving community (and the units above it) and the person's grid.");

        group.MapPost("/{id}/confirm", async Task<Results<Ok<ReleaseNotice>, ProblemHttpResult>> (
            string id, HttpContext context, ReleaseNotices notices, KeyPersonRecords records, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
        {
            if (await notices.FindAsync(id, ct) is not { } notice)
            {
                return Problems.NotFound();
            }

            if (await DenyAsync(context, notice, records, ct) is { } denied)
            {
                return denied;
            }

            var (outcome, confirmed) = await notices.ConfirmAsync(id, context.User.Username(), clock.GetUtcNow(), ct);
            if (outcome == ReleaseNoticeOutcome.Conflict)
            {
                return Problems.Conflict("This notice was confirmed before", $"by {confirmed!.ConfirmedBy} at {confirmed.ConfirmedAt:O}");
            }

            // The receipt deadline goes; the first visit's (releaseFirstVisit) comes, and the visit shows on the grid worker's phone.
            await cluster.GetGrain<IKeyPersonGrain>(confirmed!.PersonId).Reload();
            return TypedResults.Ok(confirmed);
        })
        .WithSummary("The receiving community confirms receipt: the first visit falls due within ReleaseNotices:FirstVisitWithinHours (default 72) and appears "
            + "as a first-visit task on the phones of the person's grid workers; a visit that finds the person ends it. 409 once confirmed.");

        var aftercare = app.MapGroup("/api/v1/key-persons/{id}/aftercare").WithTags("Key persons");

        aftercare.MapGet("/", (string id, string? purpose, HttpContext context, PersonalDataReads reads, Aftercare plans, CancellationToken ct) =>
            reads.ReadAsync(context.User, id, Permission.HandleReleases, "key-person.aftercare", purpose, async read =>
            {
                var plan = await plans.PlanAsync(id, ct);
                // The note describes the person's circumstances: in clear only for corrections staff naming a purpose.
                return new Disclosure<AftercarePlan>(read.InClear ? plan : plan with { Note = "" }, read.InClear, read.InClear ? "needs,helper,note,tasks" : "needs,helper,tasks");
            }, ct))
        .WithSummary("帮教: the person's needs (housing, employment, family, income, health, other), helper and support tasks with deadlines and outcomes; audited; the note only in clear.");

        aftercare.MapPut("/", async Task<Results<Ok<AftercarePlan>, ProblemHttpResult, ValidationProblem>> (
            string id, PlanRequest request, HttpContext context, KeyPersonRecords records, Aftercare plans, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new RequestErrors()
                .Check(request.Needs is { Count: <= 6 } needs && needs.All(Aftercare.Needs.Contains), "needs", "a list of " + string.Join(", ", Aftercare.Needs))
                .Check(request.Helper is not { Length: > 200 }, "helper", "at most 200 characters")
                .Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await PersonDeniedAsync(context, id, records, Permission.HandleReleases, ct) is { } denied)
            {
                return denied;
            }

            await plans.SavePlanAsync(id, request.Needs!, request.Helper ?? "", request.Note ?? "", context.User.Username(), clock.GetUtcNow(), ct);
            return TypedResults.Ok(await plans.PlanAsync(id, ct));
        })
        .WithSummary("帮教: records the person's needs, the helper assigned and a note (replacing what was recorded).");

        aftercare.MapPost("/tasks", async Task<Results<Created<AftercareTask>, ProblemHttpResult, ValidationProblem>> (
            string id, TaskRequest request, HttpContext context, KeyPersonRecords records, Aftercare plans, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.Title is { Length: >= 1 and <= 200 }, "title", "required, at most 200 characters")
                .Check(request.DueAt is { } due && due > clock.GetUtcNow(), "dueAt", "required, in the future");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await records.GridOfAsync(id, ct) is not { } grid)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, grid, Permission.HandleReleases) is { } denied)
            {
                return denied;
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "aftercare-task",
                OperationIds.Hash(id, request.Title, request.DueAt!.Value.ToString("O", CultureInfo.InvariantCulture)));
            var (stored, task) = await plans.AddTaskAsync(operation, id, grid, request.Title!, request.DueAt.Value, clock.GetUtcNow(), ct);
            if (!stored)
            {
                return Problems.OpIdReused();
            }

            // The earliest open task's deadline (aftercareTask) is the person's grain's to watch.
            await cluster.GetGrain<IKeyPersonGrain>(id).Reload();
            return TypedResults.Created($"/api/v1/aftercare-tasks/{task!.Id}", task);
        })
        .WithSummary("帮教: a support task with its deadline; open past it, the rule on the deadline aftercareTask raises an alert. Idempotent by opId.");

        app.MapPost("/api/v1/aftercare-tasks/{id}/outcome", async Task<Results<Ok<AftercareTask>, ProblemHttpResult, ValidationProblem>> (
            string id, OutcomeRequest request, HttpContext context, KeyPersonRecords records, Aftercare plans, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
        {
            if (request.Outcome is not { Length: >= 1 and <= 2000 })
            {
                return Problems.Invalid("outcome", "required, at most 2000 characters");
            }

            if (await plans.FindTaskAsync(id, ct) is not { } task)
            {
                return Problems.NotFound();
            }

            if (await PersonDeniedAsync(context, task.PersonId, records, Permission.HandleReleases, ct) is { } denied)
            {
                return denied;
            }

            var (changed, done) = await plans.CompleteTaskAsync(id, request.Outcome, context.User.Username(), clock.GetUtcNow(), ct);
            if (!changed)
            {
                return Problems.Conflict("This task has its outcome already");
            }

            await cluster.GetGrain<IKeyPersonGrain>(task.PersonId).Reload();
            return TypedResults.Ok(done!);
        })
        .WithTags("Key persons")
        .WithSummary("帮教: records a support task's outcome, which ends it (and its deadline). 409 once recorded.");

        return group;
    }

    /// <summary>A notice is seen by the receiving community's side (the units holding it) and by the person's grid below it; 404 to others.</summary>
    private static async Task<ProblemHttpResult?> DenyAsync(HttpContext context, ReleaseNotice notice, KeyPersonRecords records, CancellationToken ct)
    {
        var community = ScopeGuard.Deny(context.User, notice.CommunityCode, Permission.HandleReleases);
        if (community is null)
        {
            return null;
        }

        var grid = await records.GridOfAsync(notice.PersonId, ct);
        return grid is null ? community : ScopeGuard.Deny(context.User, grid, Permission.HandleReleases);
    }

    private static async Task<ProblemHttpResult?> PersonDeniedAsync(HttpContext context, string personId, KeyPersonRecords records, Permission permission, CancellationToken ct) =>
        await records.GridOfAsync(personId, ct) is not { } grid ? Problems.NotFound() : ScopeGuard.Deny(context.User, grid, permission);

    private static string FormatCursor(DateTimeOffset at, string id) =>
        ((at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10).ToString(CultureInfo.InvariantCulture) + "." + id;

    private static bool TryParseCursor(string? text, out (DateTimeOffset At, string Id)? cursor)
    {
        cursor = null;
        if (text is null)
        {
            return true;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 1 || !long.TryParse(text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros > 253_402_300_799_000_000)
        {
            return false;
        }

        cursor = (DateTimeOffset.UnixEpoch.AddTicks(micros * 10), text[(dot + 1)..]);
        return true;
    }
}
