using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// Supervising one key person: their zones (forbidden places managed by corrections staff), their
/// check-ins and their visits (回访). Every read is audited like the person's record; every write is
/// idempotent by the caller's opId.
/// </summary>
public static class SupervisionApi
{
    public sealed record ZoneRequest(string? OpId, string? Name, double? Lat, double? Lon, double? RadiusM, double[][]? Polygon);

    public sealed record ForbiddenPlace(string Id, string Name, double? Lat, double? Lon, double? RadiusM, double[][]? Polygon, string CreatedBy, DateTimeOffset CreatedAt);

    public sealed record HomeZone(double Lat, double Lon, double RadiusM);

    public sealed record AllowedZone(string UnitCode);

    public sealed record ZonesView(AllowedZone Allowed, HomeZone Home, IReadOnlyList<ForbiddenPlace> Forbidden);

    public sealed record CheckInItem(long Seq, DateTimeOffset At);

    public sealed record CheckInsView(string SupervisionLevel, DateTimeOffset? LastCheckIn, DateTimeOffset CheckInDue, IReadOnlyList<CheckInItem> Items);

    public sealed record VisitRequest(string? OpId, string? Outcome, string? Notes, DateTimeOffset? VisitedAt);

    public sealed record DeviceVisitRequest(string? OpId, string? KeyPersonId, string? Outcome, string? Notes, DateTimeOffset? VisitedAt);

    public sealed record VisitItem(string Id, DateTimeOffset VisitedAt, string Outcome, string? Notes, string RecordedBy, DateTimeOffset RecordedAt);

    public sealed record VisitsView(string SupervisionLevel, DateTimeOffset? LastVisit, DateTimeOffset VisitDue, IReadOnlyList<VisitItem> Items);

    public sealed record VisitRecorded(string Id, string KeyPersonId, DateTimeOffset VisitedAt, string Outcome, DateTimeOffset VisitDue);

    /// <summary>How many of the newest check-ins and visits a read returns.</summary>
    private const int Latest = 100;

    /// <summary>How far back a visit may be entered (a worker in paper mode, 人+纸, types them in later).</summary>
    private static readonly TimeSpan VisitBackdating = TimeSpan.FromDays(30);

    private static readonly string[] Outcomes = ["met", "concern", "absent"];

    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ProblemHttpResult Forbidden() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Your role may not do this");

    public static RouteGroupBuilder MapSupervisionApi(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/zones", async Task<Results<Ok<ZonesView>, ProblemHttpResult>> (
            string id, string? purpose, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var grid = await PersonalDataAudit.GridOfAsync(connection, transaction, id, ct);
            var decision = grid is null ? ScopeDecision.OutOfScope : ScopeGuard.Check(context.User, grid, Permission.ManageKeyPersonZones);
            ZonesView? zones = null;
            if (decision == ScopeDecision.Allowed)
            {
                zones = await ZonesAsync(connection, transaction, id, grid!, ct);
            }

            await PersonalDataAudit.RecordAsync(connection, transaction, context.User, "key-person.zones", id, zones is not null,
                zones is null ? "none (denied)" : "home,forbidden", purpose, ct);
            await transaction.CommitAsync(ct);
            return zones is null ? ScopeGuard.Deny(decision)! : TypedResults.Ok(zones);
        })
        .WithSummary("The person's zones: the allowed area (their district), home (a circle around the registered address) and forbidden places. Corrections staff only; audited.");

        group.MapPost("/{id}/zones", async Task<Results<Created<ForbiddenPlace>, ProblemHttpResult, ValidationProblem>> (
            string id, ZoneRequest request, HttpContext context, NpgsqlDataSource db, IClusterClient cluster, CancellationToken ct) =>
        {
            var errors = Validate(request);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }

            await using var connection = await db.OpenConnectionAsync(ct);
            if (await MayManageZonesAsync(connection, context.User, id, ct) is { } denied)
            {
                return denied;
            }

            var polygon = request.Polygon is null ? null : JsonSerializer.Serialize(request.Polygon);
            var hash = OperationIds.Hash(id, request.Name, F(request.Lat), F(request.Lon), F(request.RadiusM), polygon);
            await using (var insert = new NpgsqlCommand(
                """
                INSERT INTO key_person_zone (id, person_id, name, center_lat, center_lon, radius_m, polygon, created_by, op_id, request)
                VALUES (@zone, @person, @name, @lat, @lon, @radius, @polygon::jsonb, @by, @op, @request)
                ON CONFLICT (created_by, op_id) DO NOTHING
                """, connection))
            {
                insert.Parameters.AddWithValue("zone", "zone-" + Guid.NewGuid().ToString("N"));
                insert.Parameters.AddWithValue("person", id);
                insert.Parameters.AddWithValue("name", request.Name!);
                insert.Parameters.AddWithValue("lat", (object?)request.Lat ?? DBNull.Value);
                insert.Parameters.AddWithValue("lon", (object?)request.Lon ?? DBNull.Value);
                insert.Parameters.AddWithValue("radius", (object?)request.RadiusM ?? DBNull.Value);
                insert.Parameters.AddWithValue("polygon", (object?)polygon ?? DBNull.Value);
                insert.Parameters.AddWithValue("by", context.User.Username());
                insert.Parameters.AddWithValue("op", request.OpId!);
                insert.Parameters.AddWithValue("request", hash);
                await insert.ExecuteNonQueryAsync(ct);
            }

            // Inserted now or by an earlier try of the same opId: either way the stored row answers.
            await using var select = new NpgsqlCommand(
                """
                SELECT id, name, center_lat, center_lon, radius_m, polygon::text, created_by, created_at, request
                FROM key_person_zone WHERE created_by = @by AND op_id = @op
                """, connection);
            select.Parameters.AddWithValue("by", context.User.Username());
            select.Parameters.AddWithValue("op", request.OpId!);
            await using var reader = await select.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetString(8) != hash)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "This opId was already used for a different request");
            }

            var place = ReadPlace(reader);
            await reader.DisposeAsync();
            // The grain reads its forbidden places again: the new place counts from the next evaluation, which is now.
            await cluster.GetGrain<IKeyPersonGrain>(id).Reload();
            return TypedResults.Created($"/api/v1/key-persons/{id}/zones", place);
        })
        .WithSummary("Adds a forbidden place (禁止进入区域): a circle (lat, lon, radiusM) or a polygon ([[lon, lat], ...]). Corrections staff only; idempotent by opId.");

        group.MapDelete("/{id}/zones/{zoneId}", async Task<Results<NoContent, ProblemHttpResult>> (
            string id, string zoneId, HttpContext context, NpgsqlDataSource db, IClusterClient cluster, CancellationToken ct) =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            if (await MayManageZonesAsync(connection, context.User, id, ct) is { } denied)
            {
                return denied;
            }

            // Removal is a mark: what was forbidden when stays answerable. Removing twice is the same as once.
            await using var command = new NpgsqlCommand(
                """
                UPDATE key_person_zone SET removed_at = coalesce(removed_at, now()), removed_by = coalesce(removed_by, @by)
                WHERE id = @zone AND person_id = @person
                """, connection);
            command.Parameters.AddWithValue("by", context.User.Username());
            command.Parameters.AddWithValue("zone", zoneId);
            command.Parameters.AddWithValue("person", id);
            if (await command.ExecuteNonQueryAsync(ct) == 0)
            {
                return NotFound();
            }

            await cluster.GetGrain<IKeyPersonGrain>(id).Reload();
            return TypedResults.NoContent();
        })
        .WithSummary("Ends a forbidden place. Corrections staff only; repeating it changes nothing.");

        group.MapGet("/{id}/check-ins", async Task<Results<Ok<CheckInsView>, ProblemHttpResult>> (
            string id, string? purpose, HttpContext context, NpgsqlDataSource db, IClusterClient cluster, CancellationToken ct) =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var grid = await PersonalDataAudit.GridOfAsync(connection, transaction, id, ct);
            var decision = grid is null ? ScopeDecision.OutOfScope : ScopeGuard.Check(context.User, grid, Permission.ViewUnits);
            CheckInsView? view = null;
            if (decision == ScopeDecision.Allowed && await cluster.GetGrain<IKeyPersonGrain>(id).Snapshot() is { } person)
            {
                var items = new List<CheckInItem>();
                await using (var command = new NpgsqlCommand(
                    """
                    SELECT seq, occurred_at FROM event_log
                    WHERE payload ->> 'id' = @id AND district_code = @district AND type = 'keyperson.checked-in'
                    ORDER BY seq DESC LIMIT @take
                    """, connection, transaction))
                {
                    command.Parameters.AddWithValue("id", id);
                    command.Parameters.AddWithValue("district", grid![..6]);
                    command.Parameters.AddWithValue("take", Latest);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        items.Add(new CheckInItem(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)));
                    }
                }

                view = new CheckInsView(person.SupervisionLevel, person.LastCheckIn, person.CheckInDue, items);
            }

            await PersonalDataAudit.RecordAsync(connection, transaction, context.User, "key-person.check-ins", id, false,
                view is null ? "none (denied)" : "checkIns", purpose, ct);
            await transaction.CommitAsync(ct);
            return view is null ? ScopeGuard.Deny(decision) ?? NotFound() : TypedResults.Ok(view);
        })
        .WithSummary("The person's latest check-ins (报到) and when the next is due by their supervision level; audited.");

        group.MapGet("/{id}/visits", async Task<Results<Ok<VisitsView>, ProblemHttpResult>> (
            string id, string? purpose, HttpContext context, NpgsqlDataSource db, IClusterClient cluster, CancellationToken ct) =>
        {
            var unmasked = PersonalDataMasking.MaySeeUnmasked(context.User);
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var grid = await PersonalDataAudit.GridOfAsync(connection, transaction, id, ct);
            var decision = grid is null ? ScopeDecision.OutOfScope : ScopeGuard.Check(context.User, grid, Permission.ViewUnits);
            VisitsView? view = null;
            if (decision == ScopeDecision.Allowed && await cluster.GetGrain<IKeyPersonGrain>(id).Snapshot() is { } person)
            {
                var items = new List<VisitItem>();
                await using (var command = new NpgsqlCommand(
                    """
                    SELECT id, visited_at, outcome, notes, recorded_by, recorded_at FROM key_person_visit
                    WHERE person_id = @id ORDER BY visited_at DESC, id LIMIT @take
                    """, connection, transaction))
                {
                    command.Parameters.AddWithValue("id", id);
                    command.Parameters.AddWithValue("take", Latest);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        // Notes describe the person and their circumstances: personal data, shown to the cleared role only.
                        items.Add(new VisitItem(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
                            unmasked ? reader.GetString(3) : null, reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
                    }
                }

                view = new VisitsView(person.SupervisionLevel, person.LastVisit, person.VisitDue, items);
            }

            await PersonalDataAudit.RecordAsync(connection, transaction, context.User, "key-person.visits", id, view is not null && unmasked,
                view is null ? "none (denied)" : unmasked ? "visits,notes" : "visits", purpose, ct);
            await transaction.CommitAsync(ct);
            return view is null ? ScopeGuard.Deny(decision) ?? NotFound() : TypedResults.Ok(view);
        })
        .WithSummary("The person's latest visits (回访) and when the next is due by their supervision level; notes only for corrections staff; audited.");

        group.MapPost("/{id}/visits", async Task<Results<Created<VisitRecorded>, ProblemHttpResult, ValidationProblem>> (
            string id, VisitRequest request, HttpContext context, NpgsqlDataSource db, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
            !Roles.Allows(context.User.RoleOf(), Permission.RecordVisits)
                ? Forbidden()
                : await RecordVisitAsync(id, request, context.User.Username(), grid => UnitCode.IsWithin(grid, context.User.UnitCodeOf()), db, cluster, clock, ct))
        .WithSummary("Records a visit (回访) with its outcome (met | concern | absent) and notes; an absent visit does not count as the one due. Idempotent by opId.");

        return group;
    }

    /// <summary>Null when the caller may manage the person's zones; else 404 (unknown or out of scope) or 403.</summary>
    private static async Task<ProblemHttpResult?> MayManageZonesAsync(NpgsqlConnection connection, ClaimsPrincipal user, string id, CancellationToken ct) =>
        await PersonalDataAudit.GridOfAsync(connection, null, id, ct) is { } grid ? ScopeGuard.Deny(user, grid, Permission.ManageKeyPersonZones) : NotFound();

    /// <summary>Records a visit from a grid worker's phone: only to a person of the worker's assigned grid.</summary>
    public static async Task<Results<Created<VisitRecorded>, ProblemHttpResult, ValidationProblem>> RecordDeviceVisitAsync(
        DeviceVisitRequest request, ClaimsPrincipal device, NpgsqlDataSource db, IClusterClient cluster, TimeProvider clock, CancellationToken ct)
    {
        if (device.FindFirst("device_kind")?.Value != "worker-phone")
        {
            return Forbidden();
        }

        if (string.IsNullOrWhiteSpace(request.KeyPersonId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["keyPersonId"] = ["required"] });
        }

        var worker = device.FindFirst("bound_to")!.Value;
        await using var command = db.CreateCommand("SELECT assigned_grid FROM grid_worker WHERE id = @id");
        command.Parameters.AddWithValue("id", worker);
        var assigned = await command.ExecuteScalarAsync(ct) as string;
        return await RecordVisitAsync(request.KeyPersonId, new VisitRequest(request.OpId, request.Outcome, request.Notes, request.VisitedAt), worker,
            grid => grid == assigned, db, cluster, clock, ct);
    }

    private static async Task<Results<Created<VisitRecorded>, ProblemHttpResult, ValidationProblem>> RecordVisitAsync(
        string personId, VisitRequest request, string recordedBy, Func<string, bool> mayVisit,
        NpgsqlDataSource db, IClusterClient cluster, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        OperationIds.Check(request.OpId, errors);
        if (!Outcomes.Contains(request.Outcome))
        {
            errors["outcome"] = ["met, concern or absent"];
        }

        if (request.Notes is { Length: > 4000 })
        {
            errors["notes"] = ["at most 4000 characters"];
        }

        if (request.VisitedAt is { } at && (at > now.AddMinutes(5) || at < now - VisitBackdating))
        {
            errors["visitedAt"] = ["not in the future, and at most 30 days ago"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        var grid = await PersonalDataAudit.GridOfAsync(connection, null, personId, ct);
        if (grid is null || !mayVisit(grid))
        {
            return NotFound();
        }

        var hash = OperationIds.Hash(personId, request.Outcome, request.Notes ?? "", request.VisitedAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO key_person_visit (id, person_id, visited_at, outcome, notes, recorded_by, op_id, request)
            VALUES (@visit, @person, @at, @outcome, @notes, @by, @op, @request)
            ON CONFLICT (recorded_by, op_id) DO NOTHING
            """, connection))
        {
            insert.Parameters.AddWithValue("visit", DistrictIds.New(grid));
            insert.Parameters.AddWithValue("person", personId);
            insert.Parameters.AddWithValue("at", (request.VisitedAt ?? now).ToUniversalTime());
            insert.Parameters.AddWithValue("outcome", request.Outcome!);
            insert.Parameters.AddWithValue("notes", request.Notes ?? "");
            insert.Parameters.AddWithValue("by", recordedBy);
            insert.Parameters.AddWithValue("op", request.OpId!);
            insert.Parameters.AddWithValue("request", hash);
            await insert.ExecuteNonQueryAsync(ct);
        }

        string visitId;
        DateTimeOffset visitedAt;
        await using (var select = new NpgsqlCommand("SELECT id, visited_at, request FROM key_person_visit WHERE recorded_by = @by AND op_id = @op", connection))
        {
            select.Parameters.AddWithValue("by", recordedBy);
            select.Parameters.AddWithValue("op", request.OpId!);
            await using var reader = await select.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetString(2) != hash)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "This opId was already used for a different request");
            }

            (visitId, visitedAt) = (reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
        }

        // The row is the record; the grain logs the visit once and counts it. A retry after a failure here
        // finds the row above and tells the grain again, which changes nothing the second time.
        var grain = cluster.GetGrain<IKeyPersonGrain>(personId);
        await grain.Visited(new KeyPersonVisit(visitId, visitedAt, request.Outcome!));
        var person = await grain.Snapshot();
        return TypedResults.Created($"/api/v1/key-persons/{personId}/visits",
            new VisitRecorded(visitId, personId, visitedAt, request.Outcome!, person!.VisitDue));
    }

    private static Dictionary<string, string[]> Validate(ZoneRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        OperationIds.Check(request.OpId, errors);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            errors["name"] = ["required, at most 200 characters"];
        }

        var circle = request.Lat is not null || request.Lon is not null || request.RadiusM is not null;
        if (circle == (request.Polygon is not null))
        {
            errors["zone"] = ["either a circle (lat, lon, radiusM) or a polygon, not both"];
        }
        else if (circle)
        {
            if (request.Lat is not (>= -90 and <= 90) || request.Lon is not (>= -180 and <= 180))
            {
                errors["lat"] = ["lat and lon in WGS-84 degrees"];
            }

            if (request.RadiusM is not (>= 10 and <= 50_000))
            {
                errors["radiusM"] = ["between 10 and 50000 metres"];
            }
        }
        else if (KeyPersonZones.ProblemWith(request.Polygon) is { } problem)
        {
            errors["polygon"] = [problem];
        }

        return errors;
    }

    private static async Task<ZonesView> ZonesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string grid, CancellationToken ct)
    {
        HomeZone home;
        await using (var command = new NpgsqlCommand("SELECT home_lat, home_lon FROM key_person WHERE id = @id", connection, transaction))
        {
            command.Parameters.AddWithValue("id", id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            home = new HomeZone(reader.GetDouble(0), reader.GetDouble(1), KeyPersonGrain.HomeRadiusM);
        }

        var places = new List<ForbiddenPlace>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT id, name, center_lat, center_lon, radius_m, polygon::text, created_by, created_at
            FROM key_person_zone WHERE person_id = @id AND removed_at IS NULL ORDER BY created_at, id
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("id", id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                places.Add(ReadPlace(reader));
            }
        }

        return new ZonesView(new AllowedZone(grid[..6]), home, places);
    }

    private static ForbiddenPlace ReadPlace(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetDouble(4),
        reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<double[][]>(reader.GetString(5)), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7));

    private static string? F(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
}
