using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.Operation.Union;
using OpsCentre.CityGen;
using OpsCentre.Grains.Map;

namespace OpsCentre.Grains.Tests.Map;

/// <summary>The city the run command loads — 成都市 from its real divisions and boundaries — checked geometrically (no database needed).</summary>
public sealed class GeneratedCityTests
{
    internal static readonly Lazy<GeneratedCity> Chengdu = new(() => new CityGenerator(CitySize.City, 20261129).Generate());

    private static readonly Lazy<GridIndex> Index = new(() =>
        new GridIndex(Chengdu.Value.Units.Where(u => u.Code.Length == 15).Select(u => (u.Code, u.Geometry))));

    /// <summary>Area (deg², about 1 m²) within which floating-point overlay may make a level differ from its parent.</summary>
    private const double Tolerance = 1e-10;

    [Fact]
    public void TheCityHasChengdusTwentyDistrictsWithTheirRealCodesAndNames()
    {
        var districts = Chengdu.Value.Units.Where(u => u.Code.Length == 6).ToDictionary(u => u.Code, u => u.Name);
        Assert.Equal(20, districts.Count);
        Assert.Equal(
            ["510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115", "510116",
             "510117", "510118", "510121", "510129", "510131", "510181", "510182", "510183", "510184", "510185"],
            districts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["锦江区", "青羊区", "金牛区", "武侯区", "成华区"], new[] { "510104", "510105", "510106", "510107", "510108" }.Select(c => districts[c]));
        // Renamed since the boundary file was drawn: joined by name, under today's codes.
        Assert.Equal(("郫都区", "新津区", "简阳市"), (districts["510117"], districts["510118"], districts["510185"]));
        Assert.Equal(261, Chengdu.Value.Units.Count(u => u.Code.Length == 9));
        Assert.Equal(3047, Chengdu.Value.Units.Count(u => u.Code.Length == 12));
        Assert.Equal("成都市", Chengdu.Value.Units.Single(u => u.Code == "5101").Name);
    }

    [Fact]
    public void JinjiangHasItsElevenRealStreetsAndCommunities()
    {
        var units = Chengdu.Value.Units.ToDictionary(u => u.Code);
        var streets = Chengdu.Value.Units.Where(u => u.Code.Length == 9 && u.Code.StartsWith("510104", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["锦官驿街道", "东湖街道", "锦华路街道", "春熙路街道", "书院街街道", "牛市口街道", "沙河街道", "狮子山街道", "成龙路街道", "柳江街道", "三圣街道"],
            streets.Select(s => s.Name));
        Assert.Equal("锦官驿街道", units["510104017"].Name);
        Assert.Equal("春熙路街道", units["510104022"].Name);
        Assert.Equal("水井坊社区", units["510104017001"].Name);
        Assert.Equal("水井坊社区第1网格", units["510104017001001"].Name);
    }

    [Fact]
    public void EveryLevelTilesItsParentWithoutGapsOrOverlaps()
    {
        var units = Chengdu.Value.Units.ToDictionary(u => u.Code);
        foreach (var parent in units.Values.Where(u => u.Code.Length < 15))
        {
            var length = parent.Code.Length == 4 ? 6 : parent.Code.Length + 3;
            var children = units.Values.Where(u => u.Code.Length == length && u.Code.StartsWith(parent.Code, StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(children);
            var union = CascadedPolygonUnion.Union(children.Select(c => c.Geometry).ToList());
            // No gaps: the union of the children is the parent.
            Assert.True(union.SymmetricDifference(parent.Geometry).Area < Tolerance * children.Count, $"{parent.Code} {parent.Name} differs from the union of its children");
            // Every child inside its parent.
            Assert.All(children, c => Assert.True(c.Geometry.Difference(parent.Geometry).Area < Tolerance, $"{c.Code} sticks out of {parent.Code}"));
            // No overlaps: siblings whose envelopes meet share no area.
            var tree = new STRtree<GeneratedUnit>();
            children.ForEach(c => tree.Insert(c.Geometry.EnvelopeInternal, c));
            foreach (var child in children)
            {
                foreach (var other in tree.Query(child.Geometry.EnvelopeInternal).Where(o => string.CompareOrdinal(o.Code, child.Code) > 0))
                {
                    Assert.True(child.Geometry.Intersection(other.Geometry).Area < Tolerance, $"{child.Code} and {other.Code} overlap");
                }
            }
        }
    }

    [Fact]
    public void InADistrictOfOnePieceEveryStreetAndCommunityIsOneConnectedArea()
    {
        var jinjiang = Chengdu.Value.Units.Where(u => u.Code.StartsWith("510104", StringComparison.Ordinal)).ToList();
        Assert.IsType<Polygon>(jinjiang.Single(u => u.Code == "510104").Geometry);
        Assert.All(jinjiang.Where(u => u.Code.Length is 9 or 12), u => Assert.True(u.Geometry is Polygon, $"{u.Code} {u.Name} is in {u.Geometry.NumGeometries} pieces"));
        // Across the whole city only a few, beside the districts' own exclaves, are not.
        Assert.InRange(Chengdu.Value.Units.Count(u => u.Code.Length == 9 && u.Geometry is not Polygon), 0, 30);
    }

    [Fact]
    public void EveryWorkerAndKeyPersonLivesInsideTheirGrid()
    {
        Assert.All(Chengdu.Value.Workers, w => Assert.Equal(w.Grid, Index.Value.Locate(w.Lat, w.Lon)));
        Assert.All(Chengdu.Value.KeyPersons, p => Assert.Equal(p.Grid, Index.Value.Locate(p.Lat, p.Lon)));
    }

    [Fact]
    public void RealPlacesFallInTheirRealDistricts()
    {
        Assert.StartsWith("510104", Index.Value.Locate(30.61, 104.11));     // south-east 锦江区
        Assert.StartsWith("510105", Index.Value.Locate(30.660, 104.029));   // 杜甫草堂, 青羊区
        Assert.StartsWith("510104", Index.Value.Locate(30.6575, 104.0810));  // 春熙路, 锦江区
        Assert.StartsWith("510107", Index.Value.Locate(30.6465, 104.0475));  // 武侯祠, 武侯区
        Assert.StartsWith("510181", Index.Value.Locate(31.0020, 103.6040));  // 都江堰 (the irrigation works), 都江堰市
        Assert.Null(Index.Value.Locate(39.9, 116.4));                        // Beijing is not in Chengdu
    }

    [Fact]
    public void PointsJustEitherSideOfADistrictBorderFallOnTheSideTheConvertedBoundaryPutsThem()
    {
        var districts = Chengdu.Value.Units.Where(u => u.Code.Length == 6).ToList();
        var jinjiang = districts.Single(d => d.Code == "510104").Geometry;
        var checkedBorders = 0;
        foreach (var neighbour in districts.Where(d => d.Code != "510104" && d.Geometry.Intersects(jinjiang)))
        {
            var border = jinjiang.Boundary.Intersection(neighbour.Geometry.Boundary);
            var segments = border.Coordinates.Zip(border.Coordinates.Skip(1)).Where(s => s.First.Distance(s.Second) > 2e-4).Take(5).ToList();
            foreach (var (a, b) in segments)
            {
                // 1e-5° (about a metre) either side of the middle of a shared edge.
                var (mx, my) = ((a.X + b.X) / 2, (a.Y + b.Y) / 2);
                var length = a.Distance(b);
                var (nx, ny) = (-(b.Y - a.Y) / length * 1e-5, (b.X - a.X) / length * 1e-5);
                foreach (var (lon, lat) in new[] { (mx + nx, my + ny), (mx - nx, my - ny) })
                {
                    var expected = jinjiang.Covers(GridIndex.PointAt(lat, lon)) ? "510104" : neighbour.Geometry.Covers(GridIndex.PointAt(lat, lon)) ? neighbour.Code : null;
                    Assert.NotNull(expected);
                    Assert.StartsWith(expected, Index.Value.Locate(lat, lon));
                    checkedBorders++;
                }
            }
        }

        Assert.True(checkedBorders >= 10, $"only {checkedBorders} border points were checked");
    }

    [Fact]
    public void TheBoundariesAreConvertedFromGcj02()
    {
        // 锦江区's first boundary point in the package (GCJ-02) is 104.08984375 E, 30.640625 N; its WGS-84 place is about
        // 250 m south-west, where the converted boundary has it.
        var (lat, lon) = ChinaCoordinates.Gcj02ToWgs84(30.640625, 104.08984375);
        var boundary = Chengdu.Value.Units.Single(u => u.Code == "510104").Geometry;
        Assert.True(boundary.Boundary.Distance(GridIndex.PointAt(lat, lon)) < 1e-6, "the converted point lies on 锦江区's boundary");
        Assert.True(boundary.Boundary.Distance(GridIndex.PointAt(30.640625, 104.08984375)) > 1e-5, "the unconverted point does not");
        Assert.InRange(GridIndex.PointAt(lat, lon).Distance(GridIndex.PointAt(30.640625, 104.08984375)), 2e-3, 4e-3);
    }

    [Fact]
    public void TheSameSeedGivesTheSameCity()
    {
        var again = new CityGenerator(CitySize.Tiny, 5).Generate();
        var first = new CityGenerator(CitySize.Tiny, 5).Generate();
        Assert.Equal(first.Units.Select(u => (u.Code, u.Name, u.Geometry.AsText())), again.Units.Select(u => (u.Code, u.Name, u.Geometry.AsText())));
        Assert.Equal(first.Workers, again.Workers);
        Assert.Equal(first.KeyPersons, again.KeyPersons);
    }

    [Fact]
    public void EachSizeHoldsWhatItSays()
    {
        var suite = new CityGenerator(CitySize.Suite, 3).Generate();
        Assert.Equal(CitySize.CentralDistricts, suite.Units.Where(u => u.Code.Length == 6).Select(u => u.Code));
        Assert.All(suite.Units.Where(u => u.Code.Length == 9 && u.Code.StartsWith("510104", StringComparison.Ordinal)),
            street => Assert.InRange(suite.Units.Count(u => u.Code.Length == 15 && u.Code.StartsWith(street.Code, StringComparison.Ordinal)), 60, 80));
        Assert.InRange(Chengdu.Value.Units.Count(u => u.Code.Length == 15), 6000, 6200);
        Assert.Equal(CitySize.City, CitySize.Parse("demo"));
    }
}
