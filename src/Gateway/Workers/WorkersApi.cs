using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Workers;

/// <summary><c>GET /api/v1/workers?unit=</c>: the grid workers (网格员) assigned within a unit, and a worker's track.</summary>
public static class WorkersApi
{
    /// <param name="Lat">Last known position; the home position until the worker's device reports.</param>
    public sealed record WorkerItem(string Id, string Name, string GridCode, double Lat, double Lon, bool Online, bool OnDuty);

    public sealed record TrackResponse(string WorkerId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<TrackPointItem> Points);

    public static RouteGroupBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/workers").WithTags("Workers");

        group.MapGet("/", async Task<Results<Ok<Page<WorkerItem>>, ProblemHttpResult>> (
            string? unit, int? limit, string? after, HttpContext context, WorkerRoster roster, IClusterClient cluster, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take) is { } problem)
            {
                return problem;
            }

            // Roster from the database, live state from each worker's grain.
            var rows = await roster.PageAsync(unit!, after ?? "", take + 1, ct);
            var live = await Task.WhenAll(rows.Select(w => cluster.GetGrain<IWorkerGrain>(w.Id).Snapshot()));
            var items = rows.Select((w, i) => live[i] is { } now
                ? new WorkerItem(w.Id, w.Name, now.CurrentGrid ?? w.AssignedGrid, now.Lat ?? w.HomeLat, now.Lon ?? w.HomeLon, now.Online, now.OnDuty)
                : new WorkerItem(w.Id, w.Name, w.AssignedGrid, w.HomeLat, w.HomeLon, Online: false, OnDuty: false)).ToList();
            return TypedResults.Ok(Page<WorkerItem>.From(items, take, w => w.Id));
        })
        .WithSummary("Grid workers assigned within the unit, paged by id, with their live position and state.");

        group.MapGet("/{id}/track", async Task<Results<Ok<TrackResponse>, ProblemHttpResult>> (
            string id, DateTimeOffset? from, DateTimeOffset? to, string? purpose, HttpContext context, PersonalDataReads reads, TimeProvider clock, CancellationToken ct) =>
        {
            var end = to ?? clock.GetUtcNow();
            var start = from ?? end.AddHours(-24);
            if (start > end || end - start > TimeSpan.FromDays(31))
            {
                return Problems.BadRequest("from must be before to, at most 31 days apart");
            }

            // Where a worker went is personal data in clear: a read names its purpose, and is audited like a key person's.
            return await reads.ReadAsync(context.User, id, WorkerRoster.AssignedGridAsync, Permission.ReadTracks, "worker.track", purpose, purposeRequired: true,
                async read => new Disclosure<TrackResponse>(
                    new TrackResponse(id, start, end, await WorkerRoster.TrackAsync(read.Connection, read.Transaction, id, start, end, ct)), true, "track"), ct);
        })
        .WithSummary("The worker's accepted positions between from and to (default: the last 24 hours), oldest first, at most 10,000. For admins, operators and "
            + $"community staff (others 403); the read names its purpose ({AccessPurposes.Described}; 400 otherwise) and is audited.");

        return group;
    }
}
