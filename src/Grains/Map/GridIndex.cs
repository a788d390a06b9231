using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace OpsCentre.Grains.Map;

/// <summary>
/// Position → grid: an STR-tree over the grid polygons' envelopes, and for each candidate an indexed
/// point-in-area locator (NetTopologySuite). Immutable; a new map builds a new index.
/// </summary>
public sealed class GridIndex
{
    private readonly STRtree<Entry> _tree = new();
    private readonly Dictionary<string, Geometry> _areas = [];
    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    public GridIndex(IEnumerable<(string Code, Geometry Polygon)> grids)
    {
        foreach (var (code, polygon) in grids)
        {
            _tree.Insert(polygon.EnvelopeInternal, new Entry(code, new IndexedPointInAreaLocator(polygon)));
            _areas[code] = polygon;
            Count++;
        }

        _tree.Build();
    }

    /// <summary>Number of grids indexed.</summary>
    public int Count { get; }

    /// <summary>The code of the grid containing the position (boundary points count as inside), or null outside every grid.</summary>
    public string? Locate(double lat, double lon)
    {
        var coordinate = new Coordinate(lon, lat);
        var candidates = _tree.Query(new Envelope(coordinate));
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Locator.Locate(coordinate) != Location.Exterior)
            {
                return candidates[i].Code;
            }
        }

        return null;
    }

    /// <summary>The polygon of a grid, or null when the map has no such grid.</summary>
    public Geometry? AreaOf(string gridCode) => _areas.GetValueOrDefault(gridCode);

    public static Point PointAt(double lat, double lon) => Factory.CreatePoint(new Coordinate(lon, lat));

    private sealed record Entry(string Code, IPointOnGeometryLocator Locator);
}
