using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Union;

namespace OpsCentre.CityGen;

/// <summary>A generated unit with its polygon.</summary>
public sealed record GeneratedUnit(string Code, string Name, Geometry Geometry);

public sealed record GeneratedWorker(string Id, string Name, string Phone, string Grid, double Lat, double Lon);

public sealed record GeneratedKeyPerson(string Id, string Name, string IdNumber, string Category, string Level, string Grid, double Lat, double Lon);

public sealed record GeneratedCity(IReadOnlyList<GeneratedUnit> Units, IReadOnlyList<GeneratedWorker> Workers, IReadOnlyList<GeneratedKeyPerson> KeyPersons);

/// <summary>
/// Generates 成都市's five central districts, deterministically from a seed. The city box around
/// 30.66 N, 104.07 E is cut into rectangular cells, one per grid; each cell goes to the district
/// whose direction from the centre it lies in (青羊 west, 金牛 north, 成华 north-east, 锦江 south-east,
/// 武侯 south-west). A district's cells, walked row by row in serpentine order, are cut into
/// communities, and communities into streets; every polygon above a grid is the union of its cells,
/// so the map tiles each district without gaps or overlaps by construction.
/// </summary>
public sealed class CityGenerator(CitySize size, int seed, Action<string>? progress = null)
{
    public const double CentreLat = 30.66;
    public const double CentreLon = 104.07;
    private const double MinLon = 103.98, MaxLon = 104.16, MinLat = 30.58, MaxLat = 30.74;

    private static readonly (string Code, string Name, double From, double To)[] Districts =
    [
        ("510104", "锦江区", 300, 380),
        ("510105", "青羊区", 150, 225),
        ("510106", "金牛区", 80, 150),
        ("510107", "武侯区", 225, 300),
        ("510108", "成华区", 20, 80),
    ];

    private static readonly string[] First = ["春", "书", "合", "牛", "东", "莲", "沙", "双", "柳", "锦", "青", "金", "府", "草", "光", "西", "新", "华", "玉", "望"];
    private static readonly string[] Second = ["熙", "院", "江", "桥", "湖", "新", "河", "林", "城", "安", "和", "盛", "兴", "平", "源", "泉", "塘", "山", "坝", "苑"];
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
    private static readonly string[] Given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平", "建国", "志强", "海燕", "晓东"];
    private static readonly string[] Categories = ["community-corrections", "released-prisoner", "drug-rehabilitation", "mental-disorder"];
    private static readonly string[] Levels = ["strict", "ordinary", "lenient"];

    private readonly Random _random = new(seed);
    private readonly GeometryFactory _factory = new(new PrecisionModel(), 4326);

    public GeneratedCity Generate()
    {
        var columns = (int)Math.Round(Math.Sqrt(size.Grids * (MaxLon - MinLon) / (MaxLat - MinLat)));
        var rows = (int)Math.Ceiling(size.Grids / (double)columns);
        var cellsByDistrict = Districts.ToDictionary(d => d.Code, _ => new List<(int Column, int Row)>());
        for (var row = 0; row < rows; row++)
        {
            // Serpentine: consecutive cells of a district stay neighbours, so communities are compact.
            for (var k = 0; k < columns; k++)
            {
                var column = row % 2 == 0 ? k : columns - 1 - k;
                cellsByDistrict[DistrictOf(column, row, columns, rows)].Add((column, row));
            }
        }

        var units = new List<GeneratedUnit>();
        var workers = new List<GeneratedWorker>();
        var persons = new List<GeneratedKeyPerson>();
        var districtPolygons = new List<Geometry>();
        var usedNames = new HashSet<string>();
        foreach (var (code, name, _, _) in Districts)
        {
            var streetPolygons = new List<Geometry>();
            var communities = cellsByDistrict[code].Chunk(size.GridsPerCommunity).ToList();
            var streets = communities.Chunk(size.CommunitiesPerStreet).ToList();
            for (var s = 0; s < streets.Count; s++)
            {
                var streetCode = code + (s + 1).ToString("D3");
                var communityPolygons = new List<Geometry>();
                for (var c = 0; c < streets[s].Length; c++)
                {
                    var communityCode = streetCode + (c + 1).ToString("D3");
                    var communityName = UniqueName(usedNames, "社区");
                    var gridPolygons = new List<Geometry>();
                    var cells = streets[s][c];
                    for (var g = 0; g < cells.Length; g++)
                    {
                        var gridCode = communityCode + (g + 1).ToString("D3");
                        var cell = Cell(cells[g].Column, cells[g].Row, columns, rows);
                        gridPolygons.Add(cell);
                        units.Add(new GeneratedUnit(gridCode, $"{communityName}第{g + 1}网格", cell));
                        AddPeople(gridCode, cell, workers, persons);
                    }

                    var community = Union(gridPolygons);
                    communityPolygons.Add(community);
                    units.Add(new GeneratedUnit(communityCode, communityName, community));
                }

                var street = Union(communityPolygons);
                streetPolygons.Add(street);
                units.Add(new GeneratedUnit(streetCode, UniqueName(usedNames, "街道"), street));
            }

            var district = Union(streetPolygons);
            districtPolygons.Add(district);
            units.Add(new GeneratedUnit(code, name, district));
            progress?.Invoke($"{name}: {streets.Count} streets, {communities.Count} communities, {cellsByDistrict[code].Count} grids");
        }

        units.Add(new GeneratedUnit("5101", "成都市", Union(districtPolygons)));
        units.Sort((a, b) => string.CompareOrdinal(a.Code, b.Code));
        return new GeneratedCity(units, workers, persons);
    }

    private static string DistrictOf(int column, int row, int columns, int rows)
    {
        var lon = MinLon + (column + 0.5) * (MaxLon - MinLon) / columns;
        var lat = MinLat + (row + 0.5) * (MaxLat - MinLat) / rows;
        var dx = (lon - CentreLon) * Math.Cos(CentreLat * Math.PI / 180);
        var dy = lat - CentreLat;
        var angle = Math.Atan2(dy, dx) * 180 / Math.PI;
        angle = angle < 20 ? angle + 360 : angle;
        return Districts.First(d => angle >= d.From && angle < d.To).Code;
    }

    private Polygon Cell(int column, int row, int columns, int rows)
    {
        // Rounded, so that neighbours share exactly the same edge coordinates.
        double Lon(int i) => Math.Round(MinLon + i * (MaxLon - MinLon) / columns, 7);
        double Lat(int j) => Math.Round(MinLat + j * (MaxLat - MinLat) / rows, 7);
        return _factory.CreatePolygon(
        [
            new(Lon(column), Lat(row)), new(Lon(column + 1), Lat(row)), new(Lon(column + 1), Lat(row + 1)),
            new(Lon(column), Lat(row + 1)), new(Lon(column), Lat(row)),
        ]);
    }

    private Geometry Union(List<Geometry> parts)
    {
        var union = CascadedPolygonUnion.Union(parts);
        union.SRID = 4326;
        return union;
    }

    private void AddPeople(string grid, Polygon cell, List<GeneratedWorker> workers, List<GeneratedKeyPerson> persons)
    {
        var count = workers.Count % size.ExtraWorkerEvery == 0 ? 2 : 1;
        for (var i = 0; i < count; i++)
        {
            var (lat, lon) = PointIn(cell);
            workers.Add(new GeneratedWorker($"w{grid}{i + 1}", PersonName(), "13" + _random.Next(100_000_000, 999_999_999), grid, lat, lon));
        }

        for (var i = 0; i < size.KeyPersonsPerGrid; i++)
        {
            var (lat, lon) = PointIn(cell);
            persons.Add(new GeneratedKeyPerson(
                $"kp{persons.Count + 1:D7}", PersonName(), IdNumber(grid[..6]),
                Categories[_random.Next(Categories.Length)], Levels[_random.Next(Levels.Length)], grid, lat, lon));
        }
    }

    private (double Lat, double Lon) PointIn(Polygon cell)
    {
        var e = cell.EnvelopeInternal;
        // Strictly inside: a margin of 5 % keeps home positions off the grid's edges.
        var lon = e.MinX + e.Width * (0.05 + 0.9 * _random.NextDouble());
        var lat = e.MinY + e.Height * (0.05 + 0.9 * _random.NextDouble());
        return (Math.Round(lat, 7), Math.Round(lon, 7));
    }

    private string PersonName() => Surnames[_random.Next(Surnames.Length)] + Given[_random.Next(Given.Length)];

    private string UniqueName(HashSet<string> used, string suffix)
    {
        for (var attempt = 0; ; attempt++)
        {
            var name = First[_random.Next(First.Length)] + Second[_random.Next(Second.Length)] + (attempt < 20 ? "" : (attempt / 20).ToString()) + suffix;
            if (used.Add(name))
            {
                return name;
            }
        }
    }

    /// <summary>An 18-digit resident identity number of the GB 11643 form, with its check digit.</summary>
    private string IdNumber(string area)
    {
        var birth = new DateOnly(1950, 1, 1).AddDays(_random.Next(0, 365 * 55));
        var body = area + birth.ToString("yyyyMMdd") + _random.Next(0, 1000).ToString("D3");
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = body.Select((ch, i) => (ch - '0') * weights[i]).Sum();
        return body + "10X98765432"[sum % 11];
    }
}
