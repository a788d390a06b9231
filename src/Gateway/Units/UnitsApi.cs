using Microsoft.AspNetCore.Http.HttpResults;
using NetTopologySuite.Features;
using NetTopologySuite.Simplify;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Units;

/// <summary><c>/api/v1/units/{code}</c> and its map, within the caller's scope.</summary>
public static class UnitsApi
{
    /// <summary>Douglas-Peucker tolerance in degrees (about 20 m) for display polygons.</summary>
    private const double DisplayTolerance = 0.0002;

    public static RouteGroupBuilder MapUnitsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/units").WithTags("Units");

        group.MapGet("/{code}", async Task<Results<Ok<UnitView>, ProblemHttpResult>> (string code, HttpContext context, UnitDirectory units) =>
        {
            if (ScopeGuard.Deny(context.User, code, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            return await units.DescribeAsync(code) is { } unit
                ? TypedResults.Ok(unit)
                : Problems.NotFound();
        })
        .WithSummary("A unit with its live counters and its children.");

        group.MapGet("/{code}/map", async Task<Results<JsonHttpResult<FeatureCollection>, ProblemHttpResult>> (
            string code, HttpContext context, MapStore map, CancellationToken ct) =>
        {
            if (ScopeGuard.Deny(context.User, code, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            if (!UnitCode.IsValid(code) || await map.FindAsync(code, ct) is null)
            {
                return Problems.NotFound();
            }

            var features = new FeatureCollection();
            foreach (var (unit, geometry) in await map.ChildGeometriesAsync(code, ct))
            {
                features.Add(new Feature(TopologyPreservingSimplifier.Simplify(geometry, DisplayTolerance), new AttributesTable
                {
                    { "code", unit.Code },
                    { "name", unit.Name },
                    { "level", UnitCode.LevelName(UnitCode.LevelOf(unit.Code)) },
                }));
            }

            return TypedResults.Json(features, MapImporter.GeoJsonOptions, "application/geo+json");
        })
        .WithSummary("GeoJSON of the unit's children (simplified for display), with properties code, name, level.");

        return group;
    }
}
