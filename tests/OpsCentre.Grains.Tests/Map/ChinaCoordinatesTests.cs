using OpsCentre.Grains.Map;

namespace OpsCentre.Grains.Tests.Map;

/// <summary>WGS-84 ⇄ GCJ-02 against published pairs of the common formula, and round trips.</summary>
public sealed class ChinaCoordinatesTests
{
    [Theory]
    // (WGS-84 lat, lon) → (GCJ-02 lat, lon), as published with implementations of the formula.
    [InlineData(40.0, 116.0, 40.001213650174, 116.006141221789)]
    [InlineData(39.915, 116.404, 39.91640428150164, 116.41024449916938)]
    [InlineData(30.6107779, 121.0917077, 30.608604331756705, 121.09626935575027)]
    public void Wgs84ToGcj02MatchesPublishedPairs(double lat, double lon, double gcjLat, double gcjLon)
    {
        var (actualLat, actualLon) = ChinaCoordinates.Wgs84ToGcj02(lat, lon);
        // Published implementations differ in the last digits of their constants: within 1e-6° (about 10 cm).
        Assert.Equal(gcjLat, actualLat, 1e-6);
        Assert.Equal(gcjLon, actualLon, 1e-6);
        var (backLat, backLon) = ChinaCoordinates.Gcj02ToWgs84(gcjLat, gcjLon);
        Assert.Equal(lat, backLat, 1e-7);
        Assert.Equal(lon, backLon, 1e-7);
    }

    [Fact]
    public void TheInverseRoundTripsAcrossChengduToBetterThanAMillionthOfADegree()
    {
        var random = new Random(3);
        for (var i = 0; i < 2000; i++)
        {
            var (lat, lon) = (30.0 + random.NextDouble() * 1.5, 102.9 + random.NextDouble() * 1.9);
            var (gLat, gLon) = ChinaCoordinates.Wgs84ToGcj02(lat, lon);
            // In Chengdu the offset is a few hundred metres, so the conversion is not the identity.
            Assert.InRange(Math.Abs(gLat - lat) + Math.Abs(gLon - lon), 1e-3, 1e-2);
            var (wLat, wLon) = ChinaCoordinates.Gcj02ToWgs84(gLat, gLon);
            Assert.InRange(Math.Abs(wLat - lat), 0, 1e-6);
            Assert.InRange(Math.Abs(wLon - lon), 0, 1e-6);
        }
    }

    [Fact]
    public void OutsideChinaNothingMoves()
    {
        Assert.Equal((48.8584, 2.2945), ChinaCoordinates.Wgs84ToGcj02(48.8584, 2.2945));
        Assert.Equal((48.8584, 2.2945), ChinaCoordinates.Gcj02ToWgs84(48.8584, 2.2945));
        Assert.Equal((30.66, 104.07), ChinaCoordinates.ToWgs84(CoordSystems.Wgs84, 30.66, 104.07));
        Assert.NotEqual((30.66, 104.07), ChinaCoordinates.ToWgs84(CoordSystems.Gcj02, 30.66, 104.07));
    }
}
