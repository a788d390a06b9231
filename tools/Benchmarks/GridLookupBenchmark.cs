using System.Diagnostics;
using OpsCentre.CityGen;
using OpsCentre.Grains.Map;

namespace OpsCentre.Benchmarks;

/// <summary>
/// Position → grid on a generated city: builds the index from the city's grid polygons, then
/// locates uniformly random positions over the city's bounding box (the real boundaries leave part of it outside every grid) on one thread,
/// which is one core's throughput.
/// </summary>
public static class GridLookupBenchmark
{
    public static void Run(CitySize size, TimeSpan duration)
    {
        Console.WriteLine($"city: {size.Name} (seed 20261129)");
        var city = new CityGenerator(size, 20261129).Generate();
        var grids = city.Units.Where(u => u.Code.Length == 15).Select(u => (u.Code, u.Geometry)).ToList();

        var build = Stopwatch.StartNew();
        var index = new GridIndex(grids);
        Console.WriteLine($"index: {index.Count} grids built in {build.ElapsedMilliseconds} ms");

        // Positions prepared up front so the loop measures lookups only.
        var random = new Random(1);
        var box = city.Units.Single(u => u.Code == ChengduDivisions.CityCode).Geometry.EnvelopeInternal;
        var points = new (double Lat, double Lon)[1 << 20];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = (box.MinY + random.NextDouble() * box.Height, box.MinX + random.NextDouble() * box.Width);
        }

        var found = 0L;
        for (var i = 0; i < 200_000; i++)
        {
            found += index.Locate(points[i & (points.Length - 1)].Lat, points[i & (points.Length - 1)].Lon) is null ? 0 : 1;
        }

        var lookups = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 100_000; i++, lookups++)
            {
                var (lat, lon) = points[lookups & (points.Length - 1)];
                found += index.Locate(lat, lon) is null ? 0 : 1;
            }
        }

        var perSecond = lookups / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"lookups: {lookups:N0} in {clock.Elapsed.TotalSeconds:F2} s on one thread ({found:N0} inside a grid)");
        Console.WriteLine($"result: {perSecond:N0} lookups per second per core ({1e9 / perSecond:F0} ns per lookup)");
    }
}
