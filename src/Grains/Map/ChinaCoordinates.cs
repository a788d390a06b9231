namespace OpsCentre.Grains.Map;

/// <summary>The coordinate systems a position may arrive in. Internally every position is WGS-84.</summary>
public static class CoordSystems
{
    /// <summary>WGS-84, what GPS chips report (the default, and the internal system).</summary>
    public const string Wgs84 = "wgs84";

    /// <summary>GCJ-02 (国测局坐标), what Chinese map SDKs and map data use.</summary>
    public const string Gcj02 = "gcj02";

    public static bool IsKnown(string? system) => system is null or Wgs84 or Gcj02;
}

/// <summary>
/// WGS-84 ⇄ GCJ-02 (国测局坐标系, the obfuscated datum of Chinese map sources and phone map SDKs), after the
/// widely published approximation of the GCJ-02 offset (Krasovsky ellipsoid, a = 6378245 m). WGS-84 → GCJ-02
/// is the formula; GCJ-02 → WGS-84 has no closed form and is found by fixed-point iteration to better than
/// 1e-7° (about a centimetre). Outside mainland China's rough box no offset is applied, as the map SDKs do.
/// </summary>
public static class ChinaCoordinates
{
    private const double SemiMajorAxis = 6378245.0;
    private const double EccentricitySquared = 0.00669342162296594323;

    /// <summary>Whether a WGS-84 position lies in the box where GCJ-02 applies an offset.</summary>
    public static bool InChina(double lat, double lon) => lon is >= 72.004 and <= 137.8347 && lat is >= 0.8293 and <= 55.8271;

    /// <summary>The GCJ-02 position of a WGS-84 one.</summary>
    public static (double Lat, double Lon) Wgs84ToGcj02(double lat, double lon)
    {
        if (!InChina(lat, lon))
        {
            return (lat, lon);
        }

        var (dLat, dLon) = Offset(lat, lon);
        return (lat + dLat, lon + dLon);
    }

    /// <summary>The WGS-84 position of a GCJ-02 one: iterates w ← w − (gcj(w) − g) until it moves less than 1e-9°.</summary>
    public static (double Lat, double Lon) Gcj02ToWgs84(double lat, double lon)
    {
        if (!InChina(lat, lon))
        {
            return (lat, lon);
        }

        var (wLat, wLon) = (lat, lon);
        for (var i = 0; i < 30; i++)
        {
            var (gLat, gLon) = Wgs84ToGcj02(wLat, wLon);
            var (eLat, eLon) = (gLat - lat, gLon - lon);
            wLat -= eLat;
            wLon -= eLon;
            if (Math.Abs(eLat) < 1e-9 && Math.Abs(eLon) < 1e-9)
            {
                break;
            }
        }

        return (wLat, wLon);
    }

    /// <summary>Converts a position reported in <paramref name="system"/> (<see cref="CoordSystems"/>, null = WGS-84) to WGS-84.</summary>
    public static (double Lat, double Lon) ToWgs84(string? system, double lat, double lon) =>
        system == CoordSystems.Gcj02 ? Gcj02ToWgs84(lat, lon) : (lat, lon);

    private static (double DLat, double DLon) Offset(double lat, double lon)
    {
        var x = lon - 105.0;
        var y = lat - 35.0;
        var radLat = lat * Math.PI / 180.0;
        var sinLat = Math.Sin(radLat);
        var w = 1 - EccentricitySquared * sinLat * sinLat;
        var sqrtW = Math.Sqrt(w);
        var dLat = LatitudeShift(x, y) * 180.0 / (SemiMajorAxis * (1 - EccentricitySquared) / (w * sqrtW) * Math.PI);
        var dLon = LongitudeShift(x, y) * 180.0 / (SemiMajorAxis / sqrtW * Math.Cos(radLat) * Math.PI);
        return (dLat, dLon);
    }

    private static double Waves(double x) => (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;

    private static double LatitudeShift(double x, double y) =>
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.Sqrt(Math.Abs(x))
        + Waves(x)
        + (20.0 * Math.Sin(y * Math.PI) + 40.0 * Math.Sin(y / 3.0 * Math.PI)) * 2.0 / 3.0
        + (160.0 * Math.Sin(y / 12.0 * Math.PI) + 320.0 * Math.Sin(y * Math.PI / 30.0)) * 2.0 / 3.0;

    private static double LongitudeShift(double x, double y) =>
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.Sqrt(Math.Abs(x))
        + Waves(x)
        + (20.0 * Math.Sin(x * Math.PI) + 40.0 * Math.Sin(x / 3.0 * Math.PI)) * 2.0 / 3.0
        + (150.0 * Math.Sin(x / 12.0 * Math.PI) + 300.0 * Math.Sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
}
