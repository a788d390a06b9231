using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Gateway.Auth;
using OpsCentre.Grains;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Gateway.Devices;

/// <summary>Endpoints a device calls with its own key (<c>/api/v1/device/...</c>).</summary>
public static class DeviceApi
{
    public sealed record DeviceIdentityResponse(string DeviceId, string Kind, string BoundTo);

    /// <summary>Something assigned to the device's person: a dispatched case, a visit due.</summary>
    public sealed record DeviceTask(string Kind, string Id, string Title, DateTimeOffset? Due);

    public sealed record DeviceAction(string? OpId, string? Action, string? Note);

    public sealed record CheckInResponse(DateTimeOffset At);

    /// <summary>How far ahead a visit that falls due shows on the worker's phone.</summary>
    private static readonly TimeSpan VisitsShownAhead = TimeSpan.FromDays(3);

    /// <summary>Cases dispatched to the device's worker (or to their grid, unassigned) and not yet handled.</summary>
    private static async Task<IReadOnlyList<DeviceTask>> CaseTasksAsync(HttpContext context, NpgsqlDataSource db, CancellationToken ct)
    {
        if (context.User.FindFirst("device_kind")?.Value != "worker-phone")
        {
            return [];
        }

        await using var command = db.CreateCommand(
            """
            SELECT i.id, c.name || ' · ' || i.stage, i.due_at FROM incident i JOIN incident_category c ON c.code = i.category
            WHERE i.stage IN ('dispatched', 'in-progress')
              AND (i.assigned_worker = @worker
                   OR (i.assigned_worker IS NULL AND i.responsible_code = (SELECT assigned_grid FROM grid_worker WHERE id = @worker)))
            ORDER BY i.due_at NULLS LAST, i.id LIMIT 200
            """);
        command.Parameters.AddWithValue("worker", context.User.FindFirst("bound_to")!.Value);
        var tasks = new List<DeviceTask>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tasks.Add(new DeviceTask("incident", reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return tasks;
    }

    /// <summary>
    /// Visits (回访) due within <see cref="VisitsShownAhead"/> or overdue, to the key persons of the worker's
    /// assigned grid; names masked (a grid worker is not cleared), each person listed audited as a read.
    /// </summary>
    private static async Task<IReadOnlyList<DeviceTask>> VisitTasksAsync(HttpContext context, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        if (context.User.FindFirst("device_kind")?.Value != "worker-phone")
        {
            return [];
        }

        var worker = context.User.FindFirst("bound_to")!.Value;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var tasks = new List<DeviceTask>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT s.id, k.name, s.visit_due FROM key_person_schedule s JOIN key_person k ON k.id = s.id
            WHERE s.grid_code = (SELECT assigned_grid FROM grid_worker WHERE id = @worker) AND s.visit_due <= @horizon
            ORDER BY s.visit_due, s.id LIMIT 200
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("worker", worker);
            command.Parameters.AddWithValue("horizon", (clock.GetUtcNow() + VisitsShownAhead).ToUniversalTime());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                tasks.Add(new DeviceTask("visit", reader.GetString(0), "回访 " + KeyPersons.PersonalDataMasking.Name(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        await using (var audit = new NpgsqlCommand(
            """
            INSERT INTO audit_log (actor, role, action, subject, unmasked, detail)
            SELECT @actor, 'worker', 'key-person.visit-tasks', subject, false, @detail FROM unnest(@subjects) AS subject
            """, connection, transaction))
        {
            audit.Parameters.AddWithValue("actor", worker);
            audit.Parameters.AddWithValue("detail", $"device={context.User.FindFirst(OpsClaims.DeviceId)!.Value}; fields=name(masked),visitDue; purpose=visit tasks");
            audit.Parameters.AddWithValue("subjects", tasks.Select(t => t.Id).ToArray());
            await audit.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return tasks;
    }

    public static RouteGroupBuilder MapDeviceApi(this IEndpointRouteBuilder app)
    {
        // Not through ASP.NET Core's authorization: DeviceKeyAuthentication admits only a device's key here.
        var group = app.MapGroup("/api/v1/device").WithTags("Device").WithMetadata(DeviceKeyRequired.Instance);

        group.MapGet("/me", Ok<DeviceIdentityResponse> (HttpContext context) =>
        {
            var user = context.User;
            return TypedResults.Ok(new DeviceIdentityResponse(
                user.FindFirst(OpsClaims.DeviceId)!.Value, user.FindFirst("device_kind")!.Value, user.FindFirst("bound_to")!.Value));
        })
        .WithSummary("The device the X-Device-Key belongs to: lets a device check its key.");

        group.MapGet("/tasks", async Task<Ok<Paging.Page<DeviceTask>>> (HttpContext context, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
            TypedResults.Ok(new Paging.Page<DeviceTask>([.. await CaseTasksAsync(context, db, ct), .. await VisitTasksAsync(context, db, clock, ct)], null)))
        .WithSummary("What is assigned to the device's worker: cases dispatched to them (or to their grid, unassigned) and not yet handled, then visits (回访) to the key persons of their grid due within 3 days or overdue (names masked).");

        group.MapPost("/visits", (KeyPersons.SupervisionApi.DeviceVisitRequest request, HttpContext context, NpgsqlDataSource db, IClusterClient cluster,
            TimeProvider clock, CancellationToken ct) => KeyPersons.SupervisionApi.RecordDeviceVisitAsync(request, context.User, db, cluster, clock, ct))
        .WithSummary("A grid worker records a visit (回访) to a key person of their assigned grid: outcome met | concern | absent, notes; idempotent by opId.");

        group.MapPost("/incidents", (Incidents.IncidentsApi.ReportRequest request, HttpContext context, IClusterClient cluster, IncidentCatalog catalog,
            Grains.Map.GridLocator grids, Grains.Map.MapStore map, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
            context.User.FindFirst("device_kind")?.Value != "worker-phone"
                ? Task.FromResult<Results<Created<Incidents.IncidentsApi.ReportResponse>, ProblemHttpResult, ValidationProblem>>(
                    TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only a grid worker's phone reports cases"))
                // A worker reports what they find wherever they are in the city; the case goes to the grid of its position.
                : Incidents.IncidentsApi.ReportForAsync(request with { AlertId = null, Source = null }, context.User.FindFirst("bound_to")!.Value, "device",
                    _ => null, _ => false, cluster, catalog, grids, map, db, clock, ct))
        .WithSummary("A grid worker reports a case from the phone (上报), at coordinates or in a grid; idempotent by opId like the operators' report.");

        group.MapPost("/check-ins", async Task<Results<Ok<CheckInResponse>, ProblemHttpResult>> (HttpContext context, IClusterClient cluster, TimeProvider clock) =>
        {
            if (context.User.FindFirst("device_kind")?.Value != "person-phone")
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only a key person's own phone checks in");
            }

            var at = clock.GetUtcNow();
            await cluster.GetGrain<Grains.KeyPersons.IKeyPersonGrain>(context.User.FindFirst("bound_to")!.Value).CheckIn(at);
            return TypedResults.Ok(new CheckInResponse(at));
        })
        .WithSummary("A key person's scheduled self-report (报到) through their phone.");

        group.MapPost("/incidents/{id}/actions", async Task<Results<Ok<IncidentView>, ProblemHttpResult, ValidationProblem>> (
            string id, DeviceAction request, HttpContext context, NpgsqlDataSource db, IClusterClient cluster, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            Hosting.OperationIds.Check(request.OpId, errors);
            if (request.Action is not ("start" or "feedback"))
            {
                errors["action"] = ["start or feedback"];
            }

            if (request.Note is { Length: > 2000 })
            {
                errors["note"] = ["at most 2000 characters"];
            }

            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }

            // A device acts only on its own worker's tasks; anything else does not exist for it.
            if ((await CaseTasksAsync(context, db, ct)).All(t => t.Id != id))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");
            }

            var worker = context.User.FindFirst("bound_to")!.Value;
            var hash = Hosting.OperationIds.Hash(request.Action, request.Note);
            return Incidents.IncidentsApi.Answer(await cluster.GetGrain<IIncidentGrain>(id).Act(new IncidentCommand(request.Action!, worker, request.OpId!, request.Note, null, null, null, hash)));
        })
        .WithSummary("The worker starts a task or feeds back from the device (start | feedback); the case must be one of the device's tasks.");

        return group.MapStatusApi();
    }
}
