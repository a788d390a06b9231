using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Incidents;

/// <summary>
/// Cases (事件) through the closed loop: categories, reporting (idempotent by <c>opId</c>), lists and
/// the timeline, actions, and the assessment KPIs. Every action goes through the case's grain, which
/// commits it to the event log before answering.
/// </summary>
public static class IncidentsApi
{
    public sealed record CategoryItem(string Code, string Name, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Deadlines);

    /// <param name="Source">Where the report came from: <c>operator</c> (default) or <c>citizen</c> (a hotline or app report entered by an operator).</param>
    /// <param name="AlertId">Opens the case from an alert, in one action: the alert is acknowledged with a note naming the case.</param>
    public sealed record ReportRequest(string? OpId, string? Category, string? Urgency, string? Description, double? Lat, double? Lon, string? GridCode, string? AlertId, string? Source = null);

    public sealed record ReportResponse(string Id, string UnitCode, string Stage, DateTimeOffset? Deadline);

    public sealed record ActionRequest(string? OpId, string? Action, string? Note, string? UnitCode, string? WorkerId, int? ExtensionMinutes);

    public sealed record IncidentItem(
        string Id, string Category, string Urgency, string Stage, string UnitCode, string? ResponsibleCode, string? AssignedWorker,
        bool Overdue, DateTimeOffset ReportedAt, DateTimeOffset? StageDeadline, DateTimeOffset? DueAt);

    public sealed record IncidentResponse(IncidentView Incident, IReadOnlyList<IncidentTimelineEntry> Timeline);

    public static IEndpointRouteBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/incident-categories", async Task<Ok<Page<CategoryItem>>> (IncidentCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok(new Page<CategoryItem>([.. (await catalog.CategoriesAsync(ct)).Select(c => new CategoryItem(c.Code, c.Name, c.Deadlines))], null)))
            .WithTags("Incidents")
            .WithSummary("Case categories with their deadlines per urgency and stage (ISO 8601 durations; whole days end at 24:00 Asia/Shanghai).");

        var group = app.MapGroup("/api/v1/incidents").WithTags("Incidents");
        group.MapPost("/", ReportAsync)
            .WithSummary("Report a case at coordinates (its grid from the map) or in a given grid. The same opId again returns the original answer; with another body, 422.");
        group.MapGet("/", ListAsync)
            .WithSummary("Cases within a unit, newest first, by stage, category and overdue; paged.");
        group.MapGet("/{id}", async Task<Results<Ok<IncidentResponse>, ProblemHttpResult>> (string id, HttpContext context, IClusterClient cluster) =>
        {
            var detail = await FindAsync(id, cluster);
            if (detail is null || !MaySee(context.User, detail.Incident))
            {
                return NotFound();
            }

            return ScopeGuard.Deny(Roles.Allows(context.User.RoleOf(), Permission.ViewUnits) ? ScopeDecision.Allowed : ScopeDecision.Forbidden) is { } denied
                ? denied
                : TypedResults.Ok(new IncidentResponse(detail.Incident, detail.Timeline));
        })
        .WithSummary("One case with its full timeline (every action as committed to the event log).");
        group.MapPost("/{id}/actions", ActAsync)
            .WithSummary("An action of the closed loop; 409 when the stage does not allow it (nothing changes). A retry with the same opId returns the first answer.");

        app.MapGet("/api/v1/kpis", KpisAsync).WithTags("Incidents")
            .WithSummary("Assessment KPIs of the cases reported in [from, to) (default: this month, Asia/Shanghai) for a unit, a department or a worker.");
        return app;
    }

    private static async Task<Results<Created<ReportResponse>, ProblemHttpResult, ValidationProblem>> ReportAsync(
        ReportRequest request, HttpContext context, IClusterClient cluster, IncidentCatalog catalog, GridLocator grids, MapStore map,
        NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (request.Source is not (null or "operator" or "citizen"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["source"] = ["operator or citizen"] });
        }

        var source = request.Source ?? (context.User.RoleOf() == Roles.Worker ? "worker" : "operator");
        return await ReportForAsync(request, context.User.Username(), source, grid => ScopeGuard.Deny(context.User, grid, Permission.ReportIncidents),
            alert => MaySeeAlert(context.User, alert), cluster, catalog, grids, map, db, clock, ct);
    }

    /// <summary>
    /// Reports a case for <paramref name="caller"/>: validates, finds the grid, asks <paramref name="authorize"/>
    /// about it, records the request in the ledger (so a retry finds the case), opens the case and — when it
    /// comes from an alert — acknowledges the alert naming the case.
    /// </summary>
    internal static async Task<Results<Created<ReportResponse>, ProblemHttpResult, ValidationProblem>> ReportForAsync(
        ReportRequest request, string caller, string source, Func<string, ProblemHttpResult?> authorize, Func<Grains.Alerts.AlertView, bool> maySeeAlert,
        IClusterClient cluster, IncidentCatalog catalog, GridLocator grids, MapStore map, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        OperationIds.Check(request.OpId, errors);

        if (request.Category is null || await catalog.CategoryAsync(request.Category, ct) is null)
        {
            errors["category"] = ["one of the codes of GET /api/v1/incident-categories"];
        }

        if (request.Urgency is not ("normal" or "urgent"))
        {
            errors["urgency"] = ["normal or urgent"];
        }

        if (string.IsNullOrWhiteSpace(request.Description) || request.Description.Length > 2000)
        {
            errors["description"] = ["required, at most 2000 characters"];
        }

        var byPosition = request.Lat is not null || request.Lon is not null;
        if (byPosition == (request.GridCode is not null))
        {
            errors["location"] = ["either lat and lon, or gridCode"];
        }
        else if (byPosition && (request.Lat is not (>= -90 and <= 90) || request.Lon is not (>= -180 and <= 180)))
        {
            errors["lat"] = ["WGS-84 latitude and longitude"];
        }

        if (request.AlertId is not null && !DistrictIds.IsValid(request.AlertId))
        {
            errors["alertId"] = ["an alert id"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var grid = byPosition
            ? (await grids.IndexAsync(ct)).Locate(request.Lat!.Value, request.Lon!.Value)
            : UnitCode.IsValid(request.GridCode) && UnitCode.LevelOf(request.GridCode) == UnitLevel.Grid && await map.FindAsync(request.GridCode, ct) is not null ? request.GridCode : null;
        if (grid is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["location"] = ["lies in no grid of the map"] });
        }

        if (authorize(grid) is { } denied)
        {
            return denied;
        }

        var alert = request.AlertId is null ? null : await cluster.GetGrain<Grains.Alerts.IAlertGrain>(request.AlertId).Detail();
        if (request.AlertId is not null && (alert is null || !maySeeAlert(alert.Alert)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["alertId"] = ["no such alert in your area"] });
        }

        // The ledger row comes first: a retry finds the case even if this request died before it opened.
        var hash = OperationIds.Hash(request.Category, request.Urgency, request.Description, request.Lat?.ToString("R", CultureInfo.InvariantCulture),
            request.Lon?.ToString("R", CultureInfo.InvariantCulture), request.GridCode, request.AlertId);
        await using var ledger = db.CreateCommand(
            """
            WITH inserted AS (
                INSERT INTO incident_request (caller, op_id, request_hash, incident_id) VALUES (@caller, @op, @hash, @id)
                ON CONFLICT DO NOTHING RETURNING request_hash, incident_id)
            SELECT request_hash, incident_id FROM inserted
            UNION ALL SELECT request_hash, incident_id FROM incident_request WHERE caller = @caller AND op_id = @op
            """);
        ledger.Parameters.AddWithValue("caller", caller);
        ledger.Parameters.AddWithValue("op", request.OpId!);
        ledger.Parameters.AddWithValue("hash", hash);
        ledger.Parameters.AddWithValue("id", DistrictIds.New(grid));
        string id;
        await using (var reader = await ledger.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            if (reader.GetString(0) != hash)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "This opId was already used for a different report");
            }

            id = reader.GetString(1);
        }

        var opened = await cluster.GetGrain<IIncidentGrain>(id).Open(new IncidentOpening(
            request.Category!, request.Urgency!, request.Description!, grid, request.Lat, request.Lon, request.AlertId is null ? source : "alert",
            caller, clock.GetUtcNow(), request.AlertId));
        if (request.AlertId is not null)
        {
            // Whoever opens a case from an alert has taken it on; an alert already acknowledged or resolved stays as it is.
            await cluster.GetGrain<Grains.Alerts.IAlertGrain>(request.AlertId).Acknowledge(caller, "case:" + id, "case " + id + " opened");
        }

        return TypedResults.Created($"/api/v1/incidents/{id}", new ReportResponse(opened.Id, opened.UnitCode, opened.Stage, opened.StageDeadline));
    }

    private static async Task<Results<Ok<Page<IncidentItem>>, ProblemHttpResult>> ListAsync(
        string? unit, string? stage, string? category, bool? overdue, int? limit, string? after, HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (UnitListing.Check(unit, limit, context.User, out var take) is { } problem)
        {
            return problem;
        }

        if (stage is not null && !IncidentStages.All.Contains(stage))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"stage must be one of {string.Join(", ", IncidentStages.All)}");
        }

        await using var command = db.CreateCommand(
            """
            SELECT id, category, urgency, stage, unit_code, responsible_code, assigned_worker, overdue, reported_at, stage_deadline, due_at
            FROM incident
            WHERE unit_code LIKE @prefix AND (@stage::text IS NULL OR stage = @stage) AND (@category::text IS NULL OR category = @category)
              AND (@overdue::boolean IS NULL OR overdue = @overdue) AND (@after::text IS NULL OR id < @after)
              AND (@department::text IS NULL OR responsible_code = @department)
            ORDER BY id DESC LIMIT @take
            """);
        command.Parameters.AddWithValue("prefix", unit + "%");
        command.Parameters.AddWithValue("stage", (object?)stage ?? DBNull.Value);
        command.Parameters.AddWithValue("category", (object?)category ?? DBNull.Value);
        command.Parameters.AddWithValue("overdue", (object?)overdue ?? DBNull.Value);
        command.Parameters.AddWithValue("after", (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("department", (object?)context.User.DepartmentOf() ?? DBNull.Value);
        command.Parameters.AddWithValue("take", take + 1);
        var rows = new List<IncidentItem>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add(new IncidentItem(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetBoolean(7),
                    reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                    reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
            }
        }

        return TypedResults.Ok(Page<IncidentItem>.From(rows, take, i => i.Id));
    }

    private static async Task<Results<Ok<IncidentView>, ProblemHttpResult, ValidationProblem>> ActAsync(
        string id, ActionRequest request, HttpContext context, IClusterClient cluster, IncidentCatalog catalog, MapStore map, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        OperationIds.Check(request.OpId, errors);

        if (request.Action is null || !IncidentActions.All.Contains(request.Action))
        {
            errors["action"] = ["one of " + string.Join(", ", IncidentActions.All)];
        }

        if (request.Action == "transfer" && request.UnitCode is null)
        {
            errors["unitCode"] = ["the unit or department to transfer to"];
        }

        if (request.ExtensionMinutes is < 1 or > 30 * 1440)
        {
            errors["extensionMinutes"] = ["between 1 and 43200"];
        }

        if (request.Note is { Length: > 2000 })
        {
            errors["note"] = ["at most 2000 characters"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var detail = await FindAsync(id, cluster);
        if (detail is null || !MaySee(context.User, detail.Incident))
        {
            return NotFound();
        }

        var incident = detail.Incident;
        // The receiving side decides on a transfer; everyone else acts within the case's own unit.
        var actingOn = request.Action is "accept-transfer" or "reject-transfer" && incident.PendingTransferTo is { } target ? ScopeUnitOf(target) : incident.UnitCode;
        if (ScopeGuard.Deny(context.User, actingOn, Permission.HandleIncidents) is { } denied)
        {
            return denied;
        }

        if (request.UnitCode is { } code && request.Action is "dispatch" or "transfer" && !await IsTargetAsync(code, incident, catalog, map, ct))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["unitCode"] = ["a unit or department of the case's district"] });
        }

        var hash = OperationIds.Hash(request.Action, request.Note, request.UnitCode, request.WorkerId, request.ExtensionMinutes?.ToString(CultureInfo.InvariantCulture));
        return Answer(await cluster.GetGrain<IIncidentGrain>(id).Act(new IncidentCommand(
            request.Action!, context.User.Username(), request.OpId!, request.Note, request.UnitCode, request.WorkerId, request.ExtensionMinutes, hash)));
    }

    /// <summary>The HTTP answer to an action's outcome, the same for operators and devices.</summary>
    internal static Results<Ok<IncidentView>, ProblemHttpResult, ValidationProblem> Answer(IncidentActionResult result) => result.Outcome switch
    {
        IncidentActionOutcome.Done or IncidentActionOutcome.Replayed => TypedResults.Ok(result.Incident!),
        IncidentActionOutcome.NotAllowed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not allowed in this stage", detail: result.Reason),
        IncidentActionOutcome.OpIdReused => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "This opId was already used for a different request"),
        _ => NotFound(),
    };

    private static async Task<Results<Ok<IncidentKpis.Figures>, ProblemHttpResult>> KpisAsync(
        string? unit, string? department, string? worker, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, IncidentKpis kpis,
        IncidentCatalog catalog, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (new[] { unit, department, worker }.Count(x => x is not null) != 1)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "exactly one of unit, department or worker");
        }

        var month = IncidentKpis.CurrentMonth(clock.GetUtcNow());
        var (start, end) = (from ?? month.From, to ?? month.To);
        if (end <= start || end - start > TimeSpan.FromDays(400))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "to must follow from, within 400 days");
        }

        // The scope of a department or a worker is the unit they belong to.
        string? scopeUnit = unit is not null ? (UnitCode.IsValid(unit) ? unit : null)
            : department is not null ? (await catalog.DepartmentAsync(department, ct))?.DistrictCode
            : await WorkerGridAsync(worker!, db, ct);
        if (scopeUnit is null)
        {
            return NotFound();
        }

        if (ScopeGuard.Deny(context.User, scopeUnit, Permission.ViewUnits) is { } denied)
        {
            return denied;
        }

        var (scope, code) = unit is not null ? (IncidentKpis.Scope.Unit, unit) : department is not null ? (IncidentKpis.Scope.Department, department) : (IncidentKpis.Scope.Worker, worker!);
        return TypedResults.Ok(await kpis.ComputeAsync(scope, code, start, end, ct));
    }

    private static bool MaySeeAlert(ClaimsPrincipal user, Grains.Alerts.AlertView alert) => UnitCode.IsWithin(alert.UnitCode, user.UnitCodeOf());

    private static async Task<IncidentDetail?> FindAsync(string id, IClusterClient cluster) =>
        DistrictIds.IsValid(id) ? await cluster.GetGrain<IIncidentGrain>(id).Detail() : null;

    /// <summary>
    /// A case is visible within its own unit, and to the unit it is dispatched or being transferred to;
    /// department staff see only the cases their department is responsible for or asked to take over.
    /// </summary>
    private static bool MaySee(ClaimsPrincipal user, IncidentView incident) => user.DepartmentOf() is { } department
        ? incident.ResponsibleCode == department || incident.PendingTransferTo == department
        : new[] { incident.UnitCode, incident.ResponsibleCode, incident.PendingTransferTo }
            .Any(code => code is not null && UnitCode.IsWithin(ScopeUnitOf(code), user.UnitCodeOf()));

    /// <summary>The unit whose scope covers a unit or department code (a department belongs to its district).</summary>
    private static string ScopeUnitOf(string code) => UnitCode.IsValid(code) ? code : code[..Math.Min(6, code.Length)];

    private static async Task<bool> IsTargetAsync(string code, IncidentView incident, IncidentCatalog catalog, MapStore map, CancellationToken ct) =>
        code.StartsWith(incident.Id[..6], StringComparison.Ordinal)
        && (UnitCode.IsValid(code) ? await map.FindAsync(code, ct) is not null : await catalog.DepartmentAsync(code, ct) is not null);

    private static async Task<string?> WorkerGridAsync(string worker, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT assigned_grid FROM grid_worker WHERE id = @id");
        command.Parameters.AddWithValue("id", worker);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
