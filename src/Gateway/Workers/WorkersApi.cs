using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Gateway.Paging;

namespace OpsCentre.Gateway.Workers;

/// <summary><c>GET /api/v1/workers?unit=</c>: the grid workers (网格员) assigned within a unit.</summary>
public static class WorkersApi
{
    /// <param name="Lat">Last known position; the home position until the worker's device reports.</param>
    public sealed record WorkerItem(string Id, string Name, string GridCode, double Lat, double Lon, bool Online, bool OnDuty);

    public static RouteGroupBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/workers").WithTags("Workers");

        group.MapGet("/", async Task<Results<Ok<Page<WorkerItem>>, ProblemHttpResult>> (
            string? unit, int? limit, string? after, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
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
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add(new WorkerItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDouble(3), reader.GetDouble(4), Online: false, OnDuty: false));
            }

            return TypedResults.Ok(Page<WorkerItem>.From(rows, take, w => w.Id));
        })
        .WithSummary("Grid workers assigned within the unit, paged by id.");

        return group;
    }
}
