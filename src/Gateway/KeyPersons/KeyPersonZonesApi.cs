using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// A key person's zones: the allowed area, home, and the forbidden places that corrections staff
/// manage. Reads are audited like the person's record; adding a place is idempotent by opId.
/// </summary>
public static class KeyPersonZonesApi
{
    public sealed record ZoneRequest(string? OpId, string? Name, double? Lat, double? Lon, double? RadiusM, double[][]? Polygon);

    public sealed record HomeZone(double Lat, double Lon, double RadiusM);

    public sealed record AllowedZone(string UnitCode);

    /// <param name="Home">Null unless the read names a purpose (home is the person's address).</param>
    public sealed record ZonesView(AllowedZone Allowed, HomeZone? Home, IReadOnlyList<ForbiddenPlace> Forbidden);

    public static RouteGroupBuilder MapKeyPersonZonesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/key-persons").WithTags("Key persons");

        group.MapGet("/{id}/zones", (string id, string? purpose, HttpContext context, PersonalDataReads reads, CancellationToken ct) =>
            reads.ReadAsync(context.User, id, Permission.ManageKeyPersonZones, "key-person.zones", purpose, async read =>
            {
                var places = await KeyPersonRecords.ForbiddenPlacesAsync(read.Connection, read.Transaction, id, ct);
                // Home is the person's address: in clear only when the read names a purpose.
                HomeZone? home = null;
                if (read.InClear)
                {
                    var (lat, lon) = await KeyPersonRecords.HomeAsync(read.Connection, read.Transaction, id, ct);
                    home = new HomeZone(lat, lon, KeyPersonGrain.HomeRadiusM);
                }

                var zones = new ZonesView(new AllowedZone(UnitCode.DistrictOf(read.Grid)!), home, places);
                return new Disclosure<ZonesView>(zones, read.InClear, read.InClear ? "home,forbidden" : "forbidden");
            }, ct))
        .WithSummary("The person's zones: the allowed area (their district), home (a circle around the registered address; null unless a purpose is named) "
            + "and forbidden places. Corrections staff only; audited.");

        group.MapPost("/{id}/zones", async Task<Results<Created<ForbiddenPlace>, ProblemHttpResult, ValidationProblem>> (
            string id, ZoneRequest request, HttpContext context, KeyPersonRecords records, IClusterClient cluster, CancellationToken ct) =>
        {
            if (Validate(request) is { Any: true } errors)
            {
                return errors.Problem();
            }

            if (await MayManageZonesAsync(context, id, records, ct) is { } denied)
            {
                return denied;
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "key-person.zone",
                OperationIds.Hash(id, request.Name, request.Lat, request.Lon, request.RadiusM, request.Polygon is null ? null : JsonSerializer.Serialize(request.Polygon)));
            var (outcome, place) = await records.AddForbiddenPlaceAsync(operation, id, request.Name!, request.Lat, request.Lon, request.RadiusM, request.Polygon, ct);
            if (outcome == ClaimOutcome.Reused)
            {
                return Problems.OpIdReused();
            }

            // The grain reads its forbidden places again: the new place counts from the next evaluation, which is now.
            await cluster.GetGrain<IKeyPersonGrain>(id).Reload();
            return TypedResults.Created($"/api/v1/key-persons/{id}/zones", place);
        })
        .WithSummary("Adds a forbidden place (禁止进入区域): a circle (lat, lon, radiusM) or a polygon ([[lon, lat], ...]). Corrections staff only; idempotent by opId.");

        group.MapDelete("/{id}/zones/{zoneId}", async Task<Results<NoContent, ProblemHttpResult>> (
            string id, string zoneId, HttpContext context, KeyPersonRecords records, IClusterClient cluster, CancellationToken ct) =>
        {
            if (await MayManageZonesAsync(context, id, records, ct) is { } denied)
            {
                return denied;
            }

            if (!await records.EndForbiddenPlaceAsync(id, zoneId, context.User.Username(), ct))
            {
                return Problems.NotFound();
            }

            await cluster.GetGrain<IKeyPersonGrain>(id).Reload();
            return TypedResults.NoContent();
        })
        .WithSummary("Ends a forbidden place. Corrections staff only; repeating it changes nothing.");

        return group;
    }

    /// <summary>Null when the caller may manage the person's zones; else 404 (unknown or out of scope) or 403.</summary>
    private static async Task<ProblemHttpResult?> MayManageZonesAsync(HttpContext context, string id, KeyPersonRecords records, CancellationToken ct) =>
        await records.GridOfAsync(id, ct) is { } grid ? ScopeGuard.Deny(context.User, grid, Permission.ManageKeyPersonZones) : Problems.NotFound();

    private static RequestErrors Validate(ZoneRequest request)
    {
        var errors = new RequestErrors().OpId(request.OpId)
            .Check(!string.IsNullOrWhiteSpace(request.Name) && request.Name.Length <= 200, "name", "required, at most 200 characters");
        var circle = request.Lat is not null || request.Lon is not null || request.RadiusM is not null;
        if (circle == (request.Polygon is not null))
        {
            return errors.Check(false, "zone", "either a circle (lat, lon, radiusM) or a polygon, not both");
        }

        return circle
            ? errors.Check(request.Lat is >= -90 and <= 90 && request.Lon is >= -180 and <= 180, "lat", "lat and lon in WGS-84 degrees")
                .Check(request.RadiusM is >= 10 and <= 50_000, "radiusM", "between 10 and 50000 metres")
            : KeyPersonZones.ProblemWith(request.Polygon) is { } problem ? errors.Check(false, "polygon", problem) : errors;
    }
}
