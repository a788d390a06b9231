using Microsoft.AspNetCore.Http.HttpResults;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.Precision;
using NetTopologySuite.Simplify;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Units;

/// <summary><c>/api/v1/units/{code}</c> and its map, within the caller's scope.</summary>
public static class UnitsApi
{
    /// <summary>
    /// Display polygons keep detail down to 1/<c>DisplayResolution</c> of the map's extent (its children's envelope): about
    /// half a pixel of a wall screen's map panel. A whole city of real district boundaries (~1,000–2,000 vertices each) comes
    /// down to a few hundred per district; a community's grids keep their metres.
    /// </summary>
    private const double DisplayResolution = 2000;

    /// <summary>The least tolerance in degrees (about 0.5 m): below it nothing on a screen changes.</summary>
    private const double MinimumTolerance = 0.000005;

    /// <summary>Coordinates on the wire rounded to 1e-6 degrees (about 0.1 m).</summary>
    private static readonly PrecisionModel DisplayPrecision = new(1_000_000);

    /// <summary>Codes one names request may ask for: a wall screen's batch of what it has just seen.</summary>
    public const int MaxNamedCodes = 200;

    /// <summary>A unit's name as a screen shows it in place of its code.</summary>
    public sealed record UnitName(string Code, string Name, string Level, string? ParentCode);

    public static RouteGroupBuilder MapUnitsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/units").WithTags("Units");

        // A literal segment: routing prefers it to {code}, which could never be "names" anyway (codes are digits).
        group.MapGet("/names", async Task<Results<Ok<Page<UnitName>>, ProblemHttpResult>> (string? codes, HttpContext context, MapStore map, CancellationToken ct) =>
        {
            var asked = (codes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            var bad = asked.Find(c => !UnitCode.IsValid(c));
            if (asked.Count is 0 or > MaxNamedCodes || bad is not null)
            {
                return Problems.InvalidQuery("codes", $"1 to {MaxNamedCodes} unit codes, comma-separated" + (bad is null ? "" : $"; '{bad[..Math.Min(bad.Length, 20)]}' is not a unit code"));
            }

            // The role's function, on the caller's own unit; then, per code, the scope: out of it a code is left out, as a
            // list leaves out what the caller may not see, so its existence does not leak.
            if (ScopeGuard.Deny(context.User, context.User.UnitCodeOf(), Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            var within = asked.Where(c => ScopeGuard.Check(context.User, c, Permission.ViewUnits) == ScopeDecision.Allowed).ToList();

            var found = within.Count == 0 ? [] : await map.FindManyAsync(within, ct);
            return TypedResults.Ok(new Page<UnitName>([.. found.Select(u => new UnitName(u.Code, u.Name, UnitCode.LevelName(UnitCode.LevelOf(u.Code)), u.ParentCode))], null));
        })
        .WithSummary($"The names of up to {MaxNamedCodes} units (codes comma-separated), for screens that show names in place of codes; codes outside the caller's scope or unknown are left out.");

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

            var children = await map.ChildGeometriesAsync(code, ct);
            var extent = new Envelope();
            foreach (var (_, geometry) in children)
            {
                extent.ExpandToInclude(geometry.EnvelopeInternal);
            }

            var tolerance = Math.Max(Math.Max(extent.Width, extent.Height) / DisplayResolution, MinimumTolerance);
            var features = new FeatureCollection();
            foreach (var (unit, geometry) in children)
            {
                var shown = GeometryPrecisionReducer.ReducePointwise(TopologyPreservingSimplifier.Simplify(geometry, tolerance), DisplayPrecision);
                features.Add(new Feature(shown, new AttributesTable
                {
                    { "code", unit.Code },
                    { "name", unit.Name },
                    { "level", UnitCode.LevelName(UnitCode.LevelOf(unit.Code)) },
                    { "labelPoint", LabelPoint(geometry) },
                }));
            }

            return TypedResults.Json(features, MapImporter.GeoJsonOptions, "application/geo+json");
        })
        .WithSummary("GeoJSON of the unit's children (simplified for display: detail down to 1/2000 of the map's extent, coordinates to 1e-6°), "
            + "with properties code, name, level and labelPoint ([lon, lat] inside the unit's largest part, where a screen puts its name).");

        return group;
    }

    /// <summary>Where a unit's name goes on a map: a point inside its largest part (a real district's centre of bounds may lie outside it).</summary>
    private static double[] LabelPoint(Geometry geometry)
    {
        var largest = Enumerable.Range(0, geometry.NumGeometries).Select(geometry.GetGeometryN).MaxBy(g => g.Area) ?? geometry;
        var point = largest.InteriorPoint;
        return point.IsEmpty ? [] : [Math.Round(point.X, 6), Math.Round(point.Y, 6)];
    }
}
