using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Workers;

/// <summary><c>GET /api/v1/workers?unit=</c>: the grid workers (网格员) assigned within a unit.</summary>
public static class WorkersApi
{
    /// <param name="Lat">Last known position; the home position until the worker's device reports.</param>
    public sealed record WorkerItem(string Id, string Name, string GridCode, double Lat, double Lon, bool Online, bool OnDuty);

    public sealed record TrackPointItem(long Seq, DateTimeOffset At, double Lat, double Lon, float? AccuracyM);

    public sealed record TrackResponse(string WorkerId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<TrackPointItem> Points);

    public static RouteGroupBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/workers").WithTags("Workers");

        group.MapGet("/", async Task<Results<Ok<Page<WorkerItem>>, ProblemHttpResult>> (
            string? unit, int? limit, string? after, HttpContext context, NpgsqlDataSource db, IClusterClient cluster, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take) is { } problem)
            {
                return problem;
            }

            await using var command = db.CreateCommand(
                """
                SELECT id, name, assigned_grid, home_lat, home_lon FROM grid_worker
                WHERE assigned_grid LIKE @prefix AND id > @after ORDER BY id LIMIT @take
                """);
            command.Parameters.AddWithValue("prefix", unit + "%");
            command.Parameters.AddWithValue("after", after ?? "");
            command.Parameters.AddWithValue("take", take + 1);
            var rows = new List<WorkerItem>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    rows.Add(new WorkerItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDouble(3), reader.GetDouble(4), Online: false, OnDuty: false));
                }
            }

            // Roster from the database, live state from each worker's grain.
            var live = await Task.WhenAll(rows.Select(w => cluster.GetGrain<IWorkerGrain>(w.Id).Snapshot()));
            for (var i = 0; i < rows.Count; i++)
            {
                if (live[i] is { } now)
                {
                    rows[i] = rows[i] with
                    {
                        GridCode = now.CurrentGrid ?? rows[i].GridCode,
                        Lat = now.Lat ?? rows[i].Lat,
                        Lon = now.Lon ?? rows[i].Lon,
                        Online = now.Online,
                        OnDuty = now.OnDuty,
                    };
                }
            }

            return TypedResults.Ok(Page<WorkerItem>.From(rows, take, w => w.Id));
        })
        .WithSummary("Grid workers assigned within the unit, paged by id, with their live position and state.");

        group.MapGet("/{id}/track", async Task<Results<Ok<TrackResponse>, ProblemHttpResult>> (
            string id, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
        {
            var end = to ?? clock.GetUtcNow();
            var start = from ?? end.AddHours(-24);
            if (start > end || end - start > TimeSpan.FromDays(31))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "from must be before to, at most 31 days apart");
            }

            await using var find = db.CreateCommand("SELECT assigned_grid FROM grid_worker WHERE id = @id");
            find.Parameters.AddWithValue("id", id);
            if (await find.ExecuteScalarAsync(ct) is not string grid)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");
            }

            if (ScopeGuard.Deny(context.User, grid, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            await using var command = db.CreateCommand(
                "SELECT seq, at, lat, lon, accuracy_m FROM device_track WHERE subject_id = @id AND at >= @from AND at <= @to ORDER BY at, seq LIMIT 10000");
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("from", start.ToUniversalTime());
            command.Parameters.AddWithValue("to", end.ToUniversalTime());
            var points = new List<TrackPointItem>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                points.Add(new TrackPointItem(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetDouble(2), reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetFloat(4)));
            }

            return TypedResults.Ok(new TrackResponse(id, start, end, points));
        })
        .WithSummary("The worker's accepted positions between from and to (default: the last 24 hours), oldest first, at most 10,000.");

        return group;
    }
}
