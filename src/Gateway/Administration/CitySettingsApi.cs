using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Administration;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.KeyPersons;

namespace OpsCentre.Gateway.Administration;

/// <summary>
/// What the whole city shares, changed by the city's administrators only: case categories with their deadlines
/// (<c>/api/v1/incident-categories</c>, 事件类别与时限) and the supervision schedule of key persons
/// (<c>/api/v1/supervision-schedules</c>, 监管计划). Each change is audited (<see cref="AdminChanges"/>) under the caller's opId.
/// </summary>
public static partial class CitySettingsApi
{
    public sealed record CategoryRequest(
        string? OpId, string? Code, string? Name, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? Deadlines);

    public sealed record CategoryItem(string Code, string Name, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Deadlines);

    public sealed record ScheduleRequest(string? OpId, string? CheckInEvery, string? VisitEvery);

    /// <summary>A level's intervals as ISO 8601 durations.</summary>
    public sealed record ScheduleItem(string Level, string CheckInEvery, string VisitEvery)
    {
        public static ScheduleItem From(SupervisionInterval i) => new(i.Level, System.Xml.XmlConvert.ToString(i.CheckInEvery), System.Xml.XmlConvert.ToString(i.VisitEvery));
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9-]{1,40}$")]
    private static partial System.Text.RegularExpressions.Regex CategoryCode();

    public static IEndpointRouteBuilder MapCitySettingsApi(this IEndpointRouteBuilder app)
    {
        var categories = app.MapGroup("/api/v1/incident-categories").WithTags("Administration");

        categories.MapPost("/", async Task<Results<Created<CategoryItem>, ProblemHttpResult, ValidationProblem>> (
            CategoryRequest request, HttpContext context, AdminChanges changes, IncidentCatalog catalog, CancellationToken ct) =>
        {
            if (Deny(context.User) is { } denied)
            {
                return denied;
            }

            var errors = CategoryErrors(request).Check(request.Code is not null && CategoryCode().IsMatch(request.Code), "code", "2 to 41 characters: a-z, 0-9, '-', starting with a letter");
            if (errors.Any)
            {
                return errors.Problem();
            }

            var category = new IncidentCategory(request.Code!, request.Name!.Trim(), request.Deadlines!);
            var written = await changes.WriteAsync(OperatorsApi.Actor(context.User), Operation(context.User, request, "incident-category.create"), category.Code,
                async (connection, transaction, token) => await IncidentCatalog.WriteCategoryAsync(connection, transaction, category, create: true, token)
                    ? AdminStep.Apply(new AdminChange(AdminEntityKinds.IncidentCategory, category.Code, context.User.UnitCodeOf(), "create", null, category))
                    : AdminStep.Refuse("A category with this code exists"), ct);
            return written.Outcome switch
            {
                AdminOutcome.Applied or AdminOutcome.Replayed when await catalog.CategoryAsync(category.Code, ct) is { } stored =>
                    TypedResults.Created($"/api/v1/incident-categories/{stored.Code}", Item(stored)),
                AdminOutcome.OpIdReused => Problems.OpIdReused(),
                AdminOutcome.Refused => Problems.Conflict(written.Reason!),
                _ => Problems.NotFound(),
            };
        })
        .WithName("CreateIncidentCategory")
        .WithSummary("Create a case category with its deadlines: for each urgency (normal, urgent) each stage (reported, accepted, dispatched, resolve, handled) "
            + "as an ISO 8601 duration (PT2H; whole days such as P3D end at 24:00 Asia/Shanghai). City admins only.");

        categories.MapPut("/{categoryCode}", async Task<Results<Ok<CategoryItem>, ProblemHttpResult, ValidationProblem>> (
            string categoryCode, CategoryRequest request, HttpContext context, AdminChanges changes, IncidentCatalog catalog, CancellationToken ct) =>
        {
            if (Deny(context.User) is { } denied)
            {
                return denied;
            }

            if (await catalog.CategoryAsync(categoryCode, ct) is null)
            {
                return Problems.NotFound();
            }

            var errors = CategoryErrors(request).Check(request.Code is null || request.Code == categoryCode, "code", "the category's code, or nothing: a code does not change");
            if (errors.Any)
            {
                return errors.Problem();
            }

            var category = new IncidentCategory(categoryCode, request.Name!.Trim(), request.Deadlines!);
            var written = await changes.WriteAsync(OperatorsApi.Actor(context.User), Operation(context.User, request with { Code = categoryCode }, "incident-category.change"), categoryCode,
                async (connection, transaction, token) =>
                {
                    if (await IncidentCatalog.LockCategoryAsync(connection, transaction, categoryCode, token) is not { } old)
                    {
                        return AdminStep.Missing();
                    }

                    await IncidentCatalog.WriteCategoryAsync(connection, transaction, category, create: false, token);
                    return AdminStep.Apply(new AdminChange(AdminEntityKinds.IncidentCategory, categoryCode, context.User.UnitCodeOf(), "change", old, category));
                }, ct);
            return written.Outcome switch
            {
                AdminOutcome.Applied or AdminOutcome.Replayed when await catalog.CategoryAsync(categoryCode, ct) is { } stored => TypedResults.Ok(Item(stored)),
                AdminOutcome.OpIdReused => Problems.OpIdReused(),
                _ => Problems.NotFound(),
            };
        })
        .WithName("ChangeIncidentCategory")
        .WithSummary("Change a category's name and deadlines (the whole set, validated as on create). A case takes each stage's deadline from the category "
            + "as it stands when the stage begins: running cases keep the deadlines already set and use the new ones from their next stage on. City admins only.");

        var schedules = app.MapGroup("/api/v1/supervision-schedules").WithTags("Administration");

        schedules.MapGet("/", async Task<Ok<Page<ScheduleItem>>> (SupervisionSchedules store, CancellationToken ct) =>
            TypedResults.Ok(new Page<ScheduleItem>([.. (await store.ReadAsync(ct)).Select(ScheduleItem.From)], null)))
            .WithName("ListSupervisionSchedules")
            .WithSummary("How often a key person of each supervision level (strict, ordinary, lenient) checks in and is visited, as ISO 8601 durations.");

        schedules.MapPut("/{level}", async Task<Results<Ok<ScheduleItem>, ProblemHttpResult, ValidationProblem>> (
            string level, ScheduleRequest request, HttpContext context, AdminChanges changes, SupervisionSchedules store, CancellationToken ct) =>
        {
            if (Deny(context.User) is { } denied)
            {
                return denied;
            }

            if (!SupervisionSchedules.Levels.Contains(level))
            {
                return Problems.NotFound();
            }

            var errors = new RequestErrors().OpId(request.OpId)
                .Check(Interval(request.CheckInEvery) is not null, "checkInEvery", "a positive ISO 8601 duration in days, hours, minutes or seconds, at most P366D")
                .Check(Interval(request.VisitEvery) is not null, "visitEvery", "a positive ISO 8601 duration in days, hours, minutes or seconds, at most P366D");
            if (errors.Any)
            {
                return errors.Problem();
            }

            var interval = new SupervisionInterval(level, Interval(request.CheckInEvery)!.Value, Interval(request.VisitEvery)!.Value);
            var operation = new Operation(context.User.Username(), request.OpId!, "supervision-schedule.change", OperationIds.Hash(level, interval.CheckInEvery, interval.VisitEvery));
            var written = await changes.WriteAsync(OperatorsApi.Actor(context.User), operation, level, async (connection, transaction, token) =>
            {
                if (await SupervisionSchedules.LockAsync(connection, transaction, level, token) is not { } old)
                {
                    return AdminStep.Missing();
                }

                await SupervisionSchedules.WriteAsync(connection, transaction, interval, token);
                return AdminStep.Apply(new AdminChange(AdminEntityKinds.SupervisionSchedule, level, context.User.UnitCodeOf(), "change", ScheduleItem.From(old), ScheduleItem.From(interval)));
            }, ct);
            return written.Outcome switch
            {
                AdminOutcome.Applied or AdminOutcome.Replayed when (await store.ReadAsync(ct)).FirstOrDefault(s => s.Level == level) is { } stored => TypedResults.Ok(ScheduleItem.From(stored)),
                AdminOutcome.OpIdReused => Problems.OpIdReused(),
                _ => Problems.NotFound(),
            };
        })
        .WithName("ChangeSupervisionSchedule")
        .WithSummary("Set a supervision level's check-in and visit intervals (ISO 8601 durations). Running key-person grains use the new intervals within a second "
            + "(the rules' revision moves), without a restart: the next check-in or visit falls due one new interval after the last one. City admins only.");

        return app;
    }

    /// <summary>403 unless the caller is an admin of the city itself (a 4-digit unit): these settings are the whole city's.</summary>
    private static ProblemHttpResult? Deny(ClaimsPrincipal user) =>
        !Roles.Allows(user.RoleOf(), Permission.ManageCitySettings) ? Problems.Forbidden()
        : user.UnitCodeOf().Length != 4 ? Problems.Forbidden("Only the city's administrators change this", "Case categories and the supervision schedule are the whole city's.")
        : null;

    private static RequestErrors CategoryErrors(CategoryRequest request) => new RequestErrors().OpId(request.OpId)
        .Check(request.Name is { Length: > 0 and <= 100 } && !string.IsNullOrWhiteSpace(request.Name), "name", "1 to 100 characters")
        .Check(IncidentCategory.ProblemWith(request.Deadlines) is null, "deadlines", IncidentCategory.ProblemWith(request.Deadlines) ?? "");

    private static Operation Operation(ClaimsPrincipal user, CategoryRequest request, string kind) => new(user.Username(), request.OpId!, kind,
        OperationIds.Hash(request.Code, request.Name, OperationIds.Json(System.Text.Json.JsonSerializer.Serialize(request.Deadlines))));

    private static CategoryItem Item(IncidentCategory c) => new(c.Code, c.Name, c.Deadlines);

    private static TimeSpan? Interval(string? duration) =>
        IncidentDeadlines.IsValidSetting(duration) ? System.Xml.XmlConvert.ToTimeSpan(duration!) : null;
}
