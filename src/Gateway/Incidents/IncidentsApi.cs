using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Gateway.Photos;
using Npgsql;
using OpsCentre.Grains;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Incidents;

/// <summary>
/// Cases (事件) through the closed loop: categories, reporting (idempotent by <c>opId</c>), lists and
/// the timeline, and actions. Every action goes through the case's grain, which commits it to the
/// event log before answering.
/// </summary>
public static partial class IncidentsApi
{
    /// <summary>A department's code: its district's, a dash and letters (<c>510104-CG</c>), as the <c>department</c> table checks.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]{6}-[A-Z]{2,8}$")]
    private static partial System.Text.RegularExpressions.Regex DepartmentCode();

    public sealed record CategoryItem(string Code, string Name, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Deadlines);

    public sealed record ActionRequest(string? OpId, string? Action, string? Note, string? UnitCode, string? WorkerId, int? ExtensionMinutes);

    /// <summary>A case with its timeline and the 督办 of its alerts (an overdue stage's escalations), oldest first.</summary>
    /// <summary>One case; <c>Actions</c> are the action names the caller may take on it now (stage, role, scope and duty table, as the POST judges them).</summary>
    public sealed record IncidentResponse(IncidentView Incident, IReadOnlyList<IncidentTimelineEntry> Timeline, IReadOnlyList<Grains.Alerts.Supervision> Supervisions,
        IReadOnlyList<string> Actions);

    public static RouteGroupBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/incident-categories", async Task<Ok<Page<CategoryItem>>> (IncidentCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok(new Page<CategoryItem>([.. (await catalog.CategoriesAsync(ct)).Select(c => new CategoryItem(c.Code, c.Name, c.Deadlines))], null)))
            .WithTags("Incidents")
            .WithSummary("Case categories with their deadlines per urgency and stage (ISO 8601 durations; whole days end at 24:00 Asia/Shanghai).");

        var group = app.MapGroup("/api/v1/incidents").WithTags("Incidents");
        group.MapPost("/", (ReportRequest request, HttpContext context, IncidentReporting reporting, CancellationToken ct) =>
            request.Source is not (null or "operator" or "citizen")
                ? Task.FromResult<Results<Created<ReportResponse>, ProblemHttpResult, ValidationProblem>>(Problems.Invalid("source", "operator or citizen"))
                : reporting.ReportAsync(request, context.User.Username(), request.Source ?? (context.User.RoleOf() == Roles.Worker ? "worker" : "operator"),
                    grid => ScopeGuard.Deny(context.User, grid, Permission.ReportIncidents)
                        ?? (request.DrillId is null ? null : ScopeGuard.Deny(context.User, grid, Permission.RunDrills)),
                    alert => UnitCode.IsWithin(alert.UnitCode, context.User.UnitCodeOf()), ct))
            .WithSummary("Report a case at coordinates (its grid from the map) or in a given grid; with drillId, under a running drill (演练, the centres only): "
                + "marked drill: true, left out of the KPIs. The same opId again returns the original answer; with another body, 422.");

        group.MapGet("/", async Task<Results<Ok<Page<IncidentItem>>, ProblemHttpResult>> (
            string? unit, string? stage, string? category, bool? overdue, string? responsible, string? source, DateTimeOffset? from, DateTimeOffset? to, string? alert,
            int? limit, string? after, HttpContext context, IncidentQueries incidents, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take, Permission.ReadCases) is { } problem)
            {
                return problem;
            }

            if (CheckFilter(stage, responsible, source, from, to, alert) is { } bad)
            {
                return bad;
            }

            if (!ListCursor.TryParse(after, out var cursor))
            {
                return Problems.BadRequest("after must be a cursor returned as next");
            }

            var rows = await incidents.ListAsync(new IncidentFilter(unit!, stage, category, overdue, context.User.DepartmentOf(), cursor, take + 1, responsible, source, from, to, alert), ct);
            return TypedResults.Ok(Page<IncidentItem>.From(rows, take, i => ListCursor.Format(i.ReportedAt, i.Id)));
        })
        .WithSummary("Cases the unit is involved in — in its area, led by it, being transferred to it, co-handled by it (or a unit below it) — newest reported first, by stage, category, overdue, the unit or department responsible, source (operator, citizen, worker, device, alert), the alert a case was opened from (alert, an alert id) and the period reported in (from inclusive, to exclusive; ISO 8601); each with its source and how far its alerts have escalated (督办); paged.");

        group.MapGet("/export", async Task<Results<FileContentHttpResult, ProblemHttpResult>> (
            string? unit, string? stage, string? category, bool? overdue, string? responsible, string? source, DateTimeOffset? from, DateTimeOffset? to, string? alert,
            HttpContext context, IncidentQueries incidents, AuditLog audit, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, null, context.User, out _, Permission.ReadCases) is { } problem)
            {
                return problem;
            }

            if (CheckFilter(stage, responsible, source, from, to, alert) is { } bad)
            {
                return bad;
            }

            var rows = await incidents.ListAsync(new IncidentFilter(unit!, stage, category, overdue, context.User.DepartmentOf(), null, CsvExport.MaxRows, responsible, source, from, to, alert), ct);
            await KpisApi.RecordExportAsync(audit, context.User, "incidents.export", unit!,
                $"unit={unit}; stage={stage}; category={category}; overdue={overdue}; responsible={responsible}; source={source}; alert={alert}; from={from:O}; to={to:O}; rows={rows.Count}", ct);
            return CsvExport.File($"incidents-{unit}.csv", CaseColumns, rows);
        })
        .WithSummary("CSV of the case list as GET /api/v1/incidents selects it (at most 10,000 rows, newest first): zh-CN headers with the English codes; each export is written to the audit log.");

        group.MapGet("/{id}", async Task<Results<Ok<IncidentResponse>, ProblemHttpResult>> (
            string id, HttpContext context, IClusterClient cluster, Grains.Alerts.SupervisionQueries supervisions, CancellationToken ct) =>
            await FindAsync(id, context.User, cluster) is not { } detail ? Problems.NotFound()
            : !Roles.Allows(context.User, Permission.ReadCases) ? Problems.Forbidden()
            : TypedResults.Ok(new IncidentResponse(detail.Incident, detail.Timeline, await supervisions.ForSubjectAsync(Grains.Alerts.SubjectKinds.Incident, id, ct),
                await ActionsAsync(id, detail.Incident, context.User, cluster))))
        .WithSummary("One case with its full timeline (every action as committed to the event log), the 督办 of its overdue stages (the unit urged, when, by which rule, reply due, the reply) and actions: the action names the caller may take now, judged by the rules POST /actions applies (stage, role, scope, duty table).");

        group.MapPost("/{id}/actions", ActAsync)
            // One Accepts for both: routing matches a request's content type against the last one declared (415 otherwise).
            .Accepts<ActionRequest>("application/json", "multipart/form-data")
            .WithSummary("An action of the closed loop; 403 when it is not the caller's duty (docs/incidents.md, separation of duties), 409 when the stage does not allow it, 422 when dispatch names a worker outside the responsible unit; each changes nothing. A retry with the same opId returns the first answer. "
                + "As JSON, or as multipart/form-data with the same fields; `feedback` (反馈) may carry up to 3 photos in `media` (JPEG, PNG or WebP, at most 5 MB each, re-encoded without metadata), stored with the case once per opId before the action is taken and removed again if it is refused.");
        return group;
    }

    /// <summary>A problem for a list filter the contract does not know, else null.</summary>
    private static ProblemHttpResult? CheckFilter(string? stage, string? responsible, string? source, DateTimeOffset? from, DateTimeOffset? to, string? alert) =>
        stage is not null && !IncidentStages.All.Contains(stage) ? Problems.BadRequest($"stage must be one of {string.Join(", ", IncidentStages.All)}")
        : responsible is not null && !UnitCode.IsValid(responsible) && !DepartmentCode().IsMatch(responsible) ? Problems.BadRequest("responsible must be a unit or department code")
        : source is not null && !IncidentSources.All.Contains(source) ? Problems.BadRequest($"source must be one of {string.Join(", ", IncidentSources.All)}")
        : alert is not null && !DistrictIds.IsValid(alert) ? Problems.BadRequest("alert must be an alert id")
        : from is not null && to is not null && to <= from ? Problems.BadRequest("to must be after from")
        : null;

    private static async Task<Results<Ok<IncidentView>, ProblemHttpResult, ValidationProblem>> ActAsync(
        string id, HttpContext context, IClusterClient cluster, IncidentCatalog catalog, MapStore map, WorkerRoster roster, PhotoUploads uploads,
        NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var (read, photos, unreadable) = await ReadActionAsync(context.Request, uploads, ct);
        if (unreadable is not null)
        {
            return unreadable;
        }

        var request = read!;
        var errors = new RequestErrors().OpId(request.OpId)
            .Check(photos.Count == 0 || request.Action == "feedback", PhotoUploads.Field, "photos go with feedback (反馈) only")
            .Check(request.Action is not null && IncidentActions.All.Contains(request.Action), "action", "one of " + string.Join(", ", IncidentActions.All))
            .Check(request.Action is not ("transfer" or "add-co-handler" or "remove-co-handler") || request.UnitCode is not null, "unitCode",
                "the unit or department to transfer to, or to add or remove as co-handler")
            .Check(request.ExtensionMinutes is not (< 1 or > 30 * 1440), "extensionMinutes", "between 1 and 43200")
            .Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters");
        if (errors.Any)
        {
            return errors.Problem();
        }

        if (await FindAsync(id, context.User, cluster) is not { Incident: var incident })
        {
            return Problems.NotFound();
        }

        // The receiving side decides on a transfer within its own scope; for the rest, whoever sees the case may ask, and
        // the case's duty table says which action is whose (a co-handler assists, the lead's side handles).
        if (ScopeGuard.Deny(context.User, ActingOn(request.Action!, incident, context.User), Permission.HandleIncidents) is { } denied)
        {
            return denied;
        }

        if (request.UnitCode is { } code && IncidentActions.NamesUnit(request.Action!) && !await IsTargetAsync(code, request.Action!, incident, catalog, map, ct))
        {
            return Problems.Invalid("unitCode", request.Action == "transfer"
                ? "a unit of the map (of any district) or a department of the case's district"
                : "a unit or department of the case's district");
        }

        if (request.Action == "dispatch" && request.WorkerId is { } workerId
            && !await IsWorkerOfAsync(workerId, IncidentActions.ResponsibleOnDispatch(incident.UnitCode, request.UnitCode), roster, ct))
        {
            return Problems.Unprocessable("workerId", "a grid worker assigned within the unit the case is dispatched to");
        }

        // Who may take which action on this case is the grain's duty table; it answers 403 for what is not the caller's.
        var hash = OperationIds.Hash(request.Action, request.Note, request.UnitCode, request.WorkerId, request.ExtensionMinutes);
        var result = await ActWithPhotosAsync(db, clock, id, request.OpId!, context.User.Username(), photos, () => cluster.GetGrain<IIncidentGrain>(id).Act(new IncidentCommand(
            request.Action!, context.User.Username(), request.OpId!, request.Note, request.UnitCode, request.WorkerId, request.ExtensionMinutes, hash,
            context.User.RoleOf() ?? "", context.User.UnitCodeOf(), context.User.DepartmentOf())), ct);
        return IncidentReporting.Answer(result);
    }

    /// <summary>
    /// Takes an action that may come with photos (反馈 from the console or from a worker's phone): the photos first, under the
    /// action's opId (once however often it is sent), so an acknowledged 反馈 never lacks them; then the action; and if the
    /// case refuses it (stage, duty), the photos this call stored are removed again, so a refused action leaves none.
    /// </summary>
    internal static async Task<IncidentActionResult> ActWithPhotosAsync(NpgsqlDataSource db, TimeProvider clock, string caseId, string opId, string addedBy,
        IReadOnlyList<EncodedPhoto> photos, Func<Task<IncidentActionResult>> act, CancellationToken ct)
    {
        var storedPhotos = false;
        if (photos.Count > 0)
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            storedPhotos = await CasePhotoStore.AddForActionAsync(connection, caseId, opId, photos, addedBy, clock.GetUtcNow(), ct);
        }

        var result = await act();
        if (storedPhotos && result.Outcome is not (IncidentActionOutcome.Done or IncidentActionOutcome.Replayed))
        {
            await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
            await CasePhotoStore.RemoveForActionAsync(connection, caseId, opId, CancellationToken.None);
        }

        return result;
    }

    /// <summary>An action as JSON or as a form with photos (re-encoded here, before anything is written); or the problem to answer.</summary>
    internal static async Task<(ActionRequest? Request, IReadOnlyList<EncodedPhoto> Photos, ProblemHttpResult? Refused)> ReadActionAsync(
        HttpRequest http, PhotoUploads uploads, CancellationToken ct)
    {
        var (json, form, photos, refused) = await uploads.ReadJsonOrFormAsync<ActionRequest>(http, "action", ct);
        if (form is null)
        {
            return (json, [], refused);
        }

        string? Field(string name) => form[name] is [{ Length: > 0 } value] ? value.Trim() : null;
        int? minutes = null;
        if (Field("extensionMinutes") is { } text)
        {
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return (null, [], Problems.InvalidQuery("extensionMinutes", "between 1 and 43200"));
            }

            minutes = parsed;
        }

        return (new ActionRequest(Field("opId"), Field("action"), Field("note"), Field("unitCode"), Field("workerId"), minutes), photos, null);
    }

    /// <summary>The unit whose scope an action on the case needs: the receiving side's for deciding on a transfer, else the caller's side of the case.</summary>
    private static string ActingOn(string action, IncidentView incident, ClaimsPrincipal user) =>
        action is "accept-transfer" or "reject-transfer" && incident.PendingTransferTo is { } target
            ? CaseVisibility.ScopeUnitOf(target)
            : incident.Involved().Select(CaseVisibility.ScopeUnitOf).FirstOrDefault(code => UnitCode.IsWithin(code, user.UnitCodeOf())) ?? incident.UnitCode;

    /// <summary>What the caller may do to the case now: what the case's duty table and stage allow them, within the scope the POST requires.</summary>
    private static async Task<IReadOnlyList<string>> ActionsAsync(string id, IncidentView incident, ClaimsPrincipal user, IClusterClient cluster)
    {
        var allowed = await cluster.GetGrain<IIncidentGrain>(id).ActionsFor(new IncidentActor(user.Username(), user.RoleOf() ?? "", user.UnitCodeOf(), user.DepartmentOf()));
        return [.. allowed.Where(action => ScopeGuard.Deny(user, ActingOn(action, incident, user), Permission.HandleIncidents) is null)];
    }

    private static readonly IReadOnlyList<CsvExport.Column<IncidentItem>> CaseColumns =
    [
        new("事件编号", "id", i => i.Id),
        new("类别", "category", i => i.Category),
        new("紧急程度", "urgency", i => i.Urgency),
        new("阶段", "stage", i => i.Stage),
        new("所在单元", "unitCode", i => i.UnitCode),
        new("责任单位(主办)", "responsibleCode", i => i.ResponsibleCode),
        new("待接收单位", "pendingTransferTo", i => i.PendingTransferTo),
        new("协办单位", "coHandlers", i => i.CoHandlers),
        new("指派网格员", "assignedWorker", i => i.AssignedWorker),
        new("来源", "source", i => i.Source),
        new("超期", "overdue", i => i.Overdue),
        new("督办级别", "escalationLevel", i => i.EscalationLevel),
        new("上报时间", "reportedAt", i => i.ReportedAt),
        new("阶段时限", "stageDeadline", i => i.StageDeadline),
        new("处置时限", "dueAt", i => i.DueAt),
        new("结案时间", "closedAt", i => i.ClosedAt),
        new("演练", "drill", i => i.Drill),
    ];

    /// <summary>The case, when it exists and the caller may see it.</summary>
    private static async Task<IncidentDetail?> FindAsync(string id, ClaimsPrincipal user, IClusterClient cluster) =>
        DistrictIds.IsValid(id) && await cluster.GetGrain<IIncidentGrain>(id).Detail() is { } detail && CaseVisibility.MaySee(user, detail.Incident) ? detail : null;

    /// <summary>Whether the worker exists and is assigned to a grid within <paramref name="responsible"/> (never within a department).</summary>
    private static async Task<bool> IsWorkerOfAsync(string workerId, string responsible, WorkerRoster roster, CancellationToken ct) =>
        UnitCode.IsValid(responsible) && await roster.AssignedGridAsync(workerId, ct) is { } grid && UnitCode.IsWithin(grid, responsible);

    /// <summary>
    /// A unit or department of the district that owns the case (where its unit lies); a transfer may also go to a unit of
    /// another district, which takes the case over — and its ownership — when it accepts. A disabled department takes none.
    /// </summary>
    private static async Task<bool> IsTargetAsync(string code, string action, IncidentView incident, IncidentCatalog catalog, MapStore map, CancellationToken ct) =>
        UnitCode.IsValid(code)
            ? (action == "transfer" || code.StartsWith(incident.UnitCode[..6], StringComparison.Ordinal)) && code.Length >= 6 && await map.FindAsync(code, ct) is not null
            : code.StartsWith(incident.UnitCode[..6], StringComparison.Ordinal) && await catalog.DepartmentAsync(code, ct) is { Disabled: false };
}
