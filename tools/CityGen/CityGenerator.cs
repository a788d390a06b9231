using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Operation.Union;
using NetTopologySuite.Triangulate;

namespace OpsCentre.CityGen;

/// <summary>A generated unit with its polygon.</summary>
public sealed record GeneratedUnit(string Code, string Name, Geometry Geometry);

public sealed record GeneratedWorker(string Id, string Name, string Phone, string Grid, double Lat, double Lon);

public sealed record GeneratedKeyPerson(string Id, string Name, string IdNumber, string Category, string Level, string Grid, double Lat, double Lon);

public sealed record GeneratedCity(IReadOnlyList<GeneratedUnit> Units, IReadOnlyList<GeneratedWorker> Workers, IReadOnlyList<GeneratedKeyPerson> KeyPersons);

/// <summary>
/// Generates 成都市 (or the part of it a <see cref="CitySize"/> holds) deterministically from a seed: the real
/// districts with their real (converted) boundaries, and inside each its real streets and communities with their
/// real codes and names (<see cref="ChengduDivisions"/>). Streets and communities have no published shapes, so
/// theirs are generated: one seed point per community, uniformly inside the district; each community the Voronoi
/// cell of its point clipped to the district; the cells grouped into contiguous streets, each of the street's real
/// number of communities (<see cref="StreetsOf"/>), each street the union of its cells; each community cut into
/// grids by a Voronoi partition of points inside it. Every level tiles its parent
/// exactly (shared edges have the same vertices). Workers and key persons get random names and homes strictly inside their grid.
/// </summary>
public sealed class CityGenerator(CitySize size, int seed, Action<string>? progress = null, ChengduDivisions? divisions = null)
{
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
    private static readonly string[] Given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平", "建国", "志强", "海燕", "晓东"];
    private static readonly string[] Categories = ["community-corrections", "released-prisoner", "drug-rehabilitation", "mental-disorder"];
    private static readonly string[] Levels = ["strict", "ordinary", "lenient"];

    /// <summary>Homes keep this far (degrees, about 10 cm) from their grid's edge, so they lie strictly inside it.</summary>
    private const double EdgeMargin = 1e-6;

    private readonly Random _random = new(seed);

    public GeneratedCity Generate()
    {
        var data = divisions ?? ChengduDivisions.Installed;
        var units = new List<GeneratedUnit>();
        var workers = new List<GeneratedWorker>();
        var persons = new List<GeneratedKeyPerson>();
        var districtPolygons = new List<Geometry>();
        var communitiesByStreet = data.Communities.GroupBy(c => c.ParentCode).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var district in data.Districts.Where(d => size.Holds(d.Code)))
        {
            var boundary = data.Boundaries[district.Code];
            var streets = data.Streets.Where(s => s.ParentCode == district.Code && communitiesByStreet.ContainsKey(s.Code)).ToList();
            var communities = streets.SelectMany(s => communitiesByStreet[s.Code]).ToList();
            var sites = HilbertOrder(SitesIn(boundary, communities.Count), boundary.EnvelopeInternal);
            var cells = VoronoiCells(sites, boundary);
            var order = StreetsOf(cells, streets.Select(st => communitiesByStreet[st.Code].Count).ToList());
            var next = 0;
            var grids = 0;
            foreach (var street in streets)
            {
                var own = communitiesByStreet[street.Code];
                var perCommunity = size.GridsIn(district.Code, own.Count);
                var streetCells = new List<Geometry>();
                foreach (var community in own)
                {
                    var cell = cells[order[next++]];
                    streetCells.Add(cell);
                    units.Add(new GeneratedUnit(community.Code, community.Name, cell));
                    var gridCells = Split(cell, perCommunity);
                    for (var g = 0; g < gridCells.Count; g++)
                    {
                        var gridCode = community.Code + (g + 1).ToString("D3");
                        units.Add(new GeneratedUnit(gridCode, $"{community.Name}第{g + 1}网格", gridCells[g]));
                        AddPeople(gridCode, gridCells[g], workers, persons);
                    }

                    grids += gridCells.Count;
                }

                units.Add(new GeneratedUnit(street.Code, street.Name, Union(streetCells)));
            }

            districtPolygons.Add(boundary);
            units.Add(new GeneratedUnit(district.Code, district.Name, boundary));
            progress?.Invoke($"{district.Name}: {streets.Count} streets, {communities.Count} communities, {grids} grids");
        }

        units.Add(new GeneratedUnit(ChengduDivisions.CityCode, ChengduDivisions.CityName, Union(districtPolygons)));
        units.Sort((a, b) => string.CompareOrdinal(a.Code, b.Code));
        return new GeneratedCity(units, workers, persons);
    }

    /// <summary><paramref name="count"/> distinct random points inside <paramref name="area"/>, at least <see cref="EdgeMargin"/> from its edge.</summary>
    private List<Coordinate> SitesIn(Geometry area, int count)
    {
        var locator = new IndexedPointInAreaLocator(area);
        var envelope = area.EnvelopeInternal;
        var sites = new List<Coordinate>(count);
        var seen = new HashSet<(double, double)>();
        for (var attempt = 0; sites.Count < count && attempt < 200_000 + 1000 * count; attempt++)
        {
            var c = new Coordinate(
                Math.Round(envelope.MinX + envelope.Width * _random.NextDouble(), 7),
                Math.Round(envelope.MinY + envelope.Height * _random.NextDouble(), 7));
            if (locator.Locate(c) == Location.Interior && seen.Add((c.X, c.Y)))
            {
                sites.Add(c);
            }
        }

        if (sites.Count < count)
        {
            throw new InvalidOperationException($"could not place {count} points inside an area of {area.Area:0.########} deg²");
        }

        return sites;
    }

    /// <summary>The Voronoi cell of each site (in the sites' order), clipped to <paramref name="area"/>.</summary>
    private List<Geometry> VoronoiCells(List<Coordinate> sites, Geometry area)
    {
        if (sites.Count == 1)
        {
            return [area];
        }

        var builder = new VoronoiDiagramBuilder { ClipEnvelope = Expanded(area.EnvelopeInternal) };
        builder.SetSites(sites);
        var diagram = builder.GetDiagram(new GeometryFactory(new PrecisionModel(), 4326));
        var bySite = new Dictionary<(double, double), Geometry>();
        for (var i = 0; i < diagram.NumGeometries; i++)
        {
            var cell = diagram.GetGeometryN(i);
            var site = (Coordinate)cell.UserData;
            bySite[(site.X, site.Y)] = cell;
        }

        var prepared = PreparedGeometryFactory.Prepare(area);
        var cells = sites.Select(s =>
        {
            var cell = bySite[(s.X, s.Y)];
            return ChengduDivisions.Clean(prepared.Contains(cell) ? cell : area.Intersection(cell));
        }).ToList();
        return WithoutDetachedParts(cells);
    }

    /// <summary>
    /// A convex cell clipped to a non-convex area may fall apart: each cell keeps its largest part (the one around its
    /// site, as a rule), and every other part goes to the cell it shares the longest edge with. A part that touches no
    /// other cell (an exclave of the area) stays. The cells still tile the area.
    /// </summary>
    private static List<Geometry> WithoutDetachedParts(List<Geometry> cells)
    {
        var moves = new List<(int From, Polygon Part, int To)>();
        for (var i = 0; i < cells.Count; i++)
        {
            var parts = ChengduDivisions.Polygons(cells[i]).OrderByDescending(p => p.Area).ToList();
            foreach (var part in parts.Skip(1))
            {
                var edge = part.Boundary;
                var (to, shared) = Enumerable.Range(0, cells.Count).Where(j => j != i && cells[j].EnvelopeInternal.Intersects(part.EnvelopeInternal))
                    .Select(j => (j, cells[j].Intersection(edge).Length)).DefaultIfEmpty((-1, 0.0)).MaxBy(c => c.Item2);
                if (to >= 0 && shared > 0)
                {
                    moves.Add((i, part, to));
                }
            }
        }

        var result = cells.ToList();
        foreach (var group in moves.GroupBy(m => m.From))
        {
            result[group.Key] = ChengduDivisions.Clean(CascadedPolygonUnion.Union([.. ChengduDivisions.Polygons(result[group.Key]).Where(p => !group.Any(m => m.Part.EqualsExact(p)))]));
        }

        foreach (var group in moves.GroupBy(m => m.To))
        {
            result[group.Key] = ChengduDivisions.Clean(CascadedPolygonUnion.Union([result[group.Key], .. group.Select(m => (Geometry)m.Part)]));
        }

        return result;
    }

    /// <summary>
    /// Groups the community cells into streets of the given sizes, each a contiguous patch where the district allows:
    /// streets are peeled off one after another, each started at the remaining cell with the fewest remaining
    /// neighbours (the edge of what is left) and grown, one neighbouring cell at a time, by the cell that touches the
    /// street most and leaves the remaining cells connected. Answers the cell indices street by street.
    /// </summary>
    private static List<int> StreetsOf(List<Geometry> cells, List<int> sizes)
    {
        var neighbours = Neighbours(cells);
        var centres = cells.Select(c => c.Centroid.Coordinate).ToList();
        var free = new HashSet<int>(Enumerable.Range(0, cells.Count));
        var order = new List<int>(cells.Count);
        foreach (var size in sizes)
        {
            var street = new HashSet<int>();
            Coordinate? origin = null;
            while (street.Count < size)
            {
                var frontier = street.SelectMany(i => neighbours[i]).Where(free.Contains).Distinct().ToList();
                int pick;
                if (frontier.Count == 0)
                {
                    // A new patch: the first of the street, or one across a gap of the district (an exclave).
                    pick = origin is null
                        ? free.OrderBy(i => neighbours[i].Count(free.Contains)).ThenBy(i => i).First()
                        : free.OrderBy(i => centres[i].Distance(origin)).ThenBy(i => i).First();
                }
                else
                {
                    var keepConnected = frontier.Where(i => StaysConnected(free, i, neighbours)).ToList();
                    pick = (keepConnected.Count > 0 ? keepConnected : frontier)
                        .OrderByDescending(i => neighbours[i].Count(street.Contains))
                        .ThenBy(i => centres[i].Distance(origin))
                        .ThenBy(i => i)
                        .First();
                }

                origin ??= centres[pick];
                street.Add(pick);
                free.Remove(pick);
                order.Add(pick);
            }
        }

        return order;
    }

    /// <summary>Whether the free cells other than <paramref name="taken"/> are as connected without it as they were with it (one patch stays one).</summary>
    private static bool StaysConnected(HashSet<int> free, int taken, List<List<int>> neighbours)
    {
        var start = neighbours[taken].FirstOrDefault(i => free.Contains(i) && i != taken, -1);
        if (start < 0)
        {
            return true;
        }

        var seen = new HashSet<int> { start };
        var queue = new Queue<int>([start]);
        while (queue.Count > 0)
        {
            foreach (var next in neighbours[queue.Dequeue()])
            {
                if (next != taken && free.Contains(next) && seen.Add(next))
                {
                    queue.Enqueue(next);
                }
            }
        }

        // Every free neighbour of the taken cell must still be reachable from the others.
        return neighbours[taken].Where(i => free.Contains(i) && i != taken).All(seen.Contains);
    }

    /// <summary>For each cell, the cells it shares an edge with.</summary>
    private static List<List<int>> Neighbours(List<Geometry> cells)
    {
        var tree = new NetTopologySuite.Index.Strtree.STRtree<int>();
        for (var i = 0; i < cells.Count; i++)
        {
            tree.Insert(cells[i].EnvelopeInternal, i);
        }

        tree.Build();
        var neighbours = cells.Select(_ => new List<int>()).ToList();
        for (var i = 0; i < cells.Count; i++)
        {
            foreach (var j in tree.Query(cells[i].EnvelopeInternal).Where(j => j > i).Order())
            {
                if (cells[i].Intersects(cells[j]) && cells[i].Intersection(cells[j]).Length > 1e-7)
                {
                    neighbours[i].Add(j);
                    neighbours[j].Add(i);
                }
            }
        }

        return neighbours;
    }

    /// <summary>A community cut into <paramref name="count"/> grids, numbered from the north-west.</summary>
    private List<Geometry> Split(Geometry community, int count)
    {
        if (count <= 1)
        {
            return [community];
        }

        var sites = SitesIn(community, count).OrderByDescending(c => Math.Round(c.Y, 3)).ThenBy(c => c.X).ToList();
        return VoronoiCells(sites, community);
    }

    private static Envelope Expanded(Envelope envelope)
    {
        var copy = envelope.Copy();
        copy.ExpandBy(Math.Max(envelope.Width, envelope.Height) * 0.1 + 1e-4);
        return copy;
    }

    /// <summary>The sites in the order of a Hilbert curve over the envelope, so consecutive runs are compact.</summary>
    private static List<Coordinate> HilbertOrder(List<Coordinate> sites, Envelope envelope)
    {
        const int N = 1 << 12;
        long Key(Coordinate c)
        {
            var x = (int)Math.Clamp((c.X - envelope.MinX) / Math.Max(envelope.Width, 1e-12) * (N - 1), 0, N - 1);
            var y = (int)Math.Clamp((c.Y - envelope.MinY) / Math.Max(envelope.Height, 1e-12) * (N - 1), 0, N - 1);
            long d = 0;
            for (var s = N / 2; s > 0; s /= 2)
            {
                var rx = (x & s) > 0 ? 1 : 0;
                var ry = (y & s) > 0 ? 1 : 0;
                d += (long)s * s * ((3 * rx) ^ ry);
                if (ry == 0)
                {
                    if (rx == 1)
                    {
                        x = s - 1 - x;
                        y = s - 1 - y;
                    }

                    (x, y) = (y, x);
                }
            }

            return d;
        }

        return [.. sites.OrderBy(Key).ThenBy(c => c.X).ThenBy(c => c.Y)];
    }

    private static Geometry Union(List<Geometry> parts) => ChengduDivisions.Clean(CascadedPolygonUnion.Union(parts));

    private void AddPeople(string grid, Geometry area, List<GeneratedWorker> workers, List<GeneratedKeyPerson> persons)
    {
        var homes = new Homes(area, _random);
        var count = workers.Count % size.ExtraWorkerEvery == 0 ? 2 : 1;
        for (var i = 0; i < count; i++)
        {
            var (lat, lon) = homes.Next();
            workers.Add(new GeneratedWorker($"w{grid}{i + 1}", PersonName(), "13" + _random.Next(100_000_000, 999_999_999), grid, lat, lon));
        }

        for (var i = 0; i < size.KeyPersonsPerGrid; i++)
        {
            var (lat, lon) = homes.Next();
            persons.Add(new GeneratedKeyPerson(
                $"kp{persons.Count + 1:D7}", PersonName(), IdNumber(grid[..6]),
                Categories[_random.Next(Categories.Length)], Levels[_random.Next(Levels.Length)], grid, lat, lon));
        }
    }

    /// <summary>
    /// Random points strictly inside a grid, as far from its edge as the grid allows: about 120 m when it can (a
    /// simulated worker walks up to ~100 m around home and should stay in their grid), then 60, 30 and 10 m, and at
    /// least <see cref="EdgeMargin"/>.
    /// </summary>
    private sealed class Homes(Geometry area, Random random)
    {
        private static readonly double[] Margins = [0.0012, 0.0006, 0.0003, 0.0001, EdgeMargin];
        private readonly IndexedPointInAreaLocator _locator = new(area);
        private readonly Geometry _edge = area.Boundary;

        public (double Lat, double Lon) Next()
        {
            var e = area.EnvelopeInternal;
            foreach (var margin in Margins)
            {
                for (var attempt = 0; attempt < 200; attempt++)
                {
                    var c = new Coordinate(Math.Round(e.MinX + e.Width * random.NextDouble(), 7), Math.Round(e.MinY + e.Height * random.NextDouble(), 7));
                    if (_locator.Locate(c) == Location.Interior && _edge.Distance(area.Factory.CreatePoint(c)) > margin)
                    {
                        return (c.Y, c.X);
                    }
                }
            }

            var inside = area.InteriorPoint.Coordinate;
            return (Math.Round(inside.Y, 7), Math.Round(inside.X, 7));
        }
    }

    private string PersonName() => Surnames[_random.Next(Surnames.Length)] + Given[_random.Next(Given.Length)];

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
