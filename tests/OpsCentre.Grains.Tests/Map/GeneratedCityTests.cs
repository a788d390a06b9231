using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Union;
using OpsCentre.CityGen;
using OpsCentre.Grains.Map;

namespace OpsCentre.Grains.Tests.Map;

/// <summary>The demo city as the run command loads it, checked geometrically (no database needed).</summary>
public sealed class GeneratedCityTests
{
    private static readonly Lazy<GeneratedCity> Demo = new(() => new CityGenerator(CitySize.Demo, 20261129).Generate());

    private static readonly Lazy<GridIndex> Index = new(() =>
        new GridIndex(Demo.Value.Units.Where(u => u.Code.Length == 15).Select(u => (u.Code, u.Geometry))));

    [Fact]
    public void TheDemoCityHasTheSizeTheDesignAsksFor()
    {
        var units = Demo.Value.Units;
        Assert.Equal(["510104", "510105", "510106", "510107", "510108"], units.Where(u => u.Code.Length == 6).Select(u => u.Code));
        Assert.Equal(["锦江区", "青羊区", "金牛区", "武侯区", "成华区"], units.Where(u => u.Code.Length == 6).Select(u => u.Name));
        Assert.InRange(units.Count(u => u.Code.Length == 9), 50, 75);
        Assert.InRange(units.Count(u => u.Code.Length == 12), 500, 620);
        Assert.InRange(units.Count(u => u.Code.Length == 15), 4900, 5100);
        Assert.InRange(Demo.Value.Workers.Count, 5000, 5500);
        Assert.InRange(Demo.Value.KeyPersons.Count, 19000, 21000);
    }

    [Fact]
    public void EveryLevelTilesItsParentWithoutGapsOrOverlaps()
    {
        var units = Demo.Value.Units.ToDictionary(u => u.Code);
        foreach (var parent in units.Values.Where(u => u.Code.Length < 15))
        {
            var children = units.Values.Where(u => u.Code.Length > parent.Code.Length && u.Code.Length <= parent.Code.Length + 3
                && u.Code.StartsWith(parent.Code, StringComparison.Ordinal)).Select(u => u.Geometry).ToList();
            Assert.NotEmpty(children);
            var union = CascadedPolygonUnion.Union(children);
            // No overlaps: the children's areas add up to their union's. No gaps: the union is the parent.
            Assert.Equal(union.Area, children.Sum(c => c.Area), 12);
            Assert.True(union.SymmetricDifference(parent.Geometry).Area < 1e-12, $"{parent.Code} is not exactly the union of its children");
        }
    }

    [Fact]
    public void EveryWorkerAndKeyPersonLivesInsideTheirGrid()
    {
        Assert.All(Demo.Value.Workers, w => Assert.Equal(w.Grid, Index.Value.Locate(w.Lat, w.Lon)));
        Assert.All(Demo.Value.KeyPersons, p => Assert.Equal(p.Grid, Index.Value.Locate(p.Lat, p.Lon)));
    }

    [Fact]
    public void TheIndexAgreesWithABruteForceCheckOnRandomPoints()
    {
        var random = new Random(11);
        var grids = Demo.Value.Units.Where(u => u.Code.Length == 15).ToList();
        for (var i = 0; i < 3000; i++)
        {
            var lat = 30.56 + random.NextDouble() * 0.20;
            var lon = 103.96 + random.NextDouble() * 0.22;
            var point = GridIndex.PointAt(lat, lon);
            var expected = grids.FirstOrDefault(g => g.Geometry.Covers(point))?.Code;
            Assert.Equal(expected, Index.Value.Locate(lat, lon));
        }
    }

    [Fact]
    public void APositionInTheCentreSouthEastFallsInJinjiang()
    {
        var grid = Index.Value.Locate(30.657, 104.081);
        Assert.NotNull(grid);
        Assert.StartsWith("510104", grid);
        Assert.StartsWith("510105", Index.Value.Locate(30.66, 104.02));   // west: 青羊区
        Assert.StartsWith("510106", Index.Value.Locate(30.72, 104.06));   // north: 金牛区
        Assert.Null(Index.Value.Locate(39.9, 116.4));                     // Beijing is not in Chengdu
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
}
