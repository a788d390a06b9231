using OpsCentre.CityGen;

namespace OpsCentre.Testing;

/// <summary>
/// Hands out parts of the generated city to tests, so that no two tests of a run share one and no test
/// hard-codes an index that another must keep away from. The unit handed out is the grid: a test gets a
/// grid of its own, or a worker or key person together with their whole grid (so a grid's counters
/// and grid-scoped rules are the test's alone). Also hands out unit codes that no generated unit uses,
/// for tests that build their own units. Thread-safe; one per fixture, so unique for the test run.
/// Parts are taken from the street with the most left, the far end of the city (the highest codes)
/// among equals: the demo operators serve its first street, community and grid, so the tests that need
/// a part in their scope ask for low codes, and the tests that need just any part leave those to them.
/// </summary>
public sealed class TestCity(GeneratedCity city)
{
    private readonly HashSet<string> _takenGrids = [];
    private int _unmappedDistricts;
    private int _unmappedCities;

    /// <summary>The whole generated city, for reading (names, shapes, counts); take what a test changes from the methods.</summary>
    public GeneratedCity City => city;

    /// <summary>A grid (15-digit code) under <paramref name="within"/> that no other test holds.</summary>
    public string Grid(string within = "", Func<string, bool>? where = null) =>
        Take(city.Units.Where(u => u.Code.Length == 15).Select(u => u.Code), code => code, within, where, "grid");

    /// <summary>A community (12-digit code) under <paramref name="within"/> none of whose grids another test holds, with all its grids.</summary>
    public string Community(string within = "")
    {
        lock (_takenGrids)
        {
            var grids = city.Units.Where(u => u.Code.Length == 15 && u.Code.StartsWith(within, StringComparison.Ordinal)).Select(u => u.Code).ToList();
            foreach (var community in grids.GroupBy(g => g[..12]).Reverse())
            {
                if (community.All(g => !_takenGrids.Contains(g)))
                {
                    _takenGrids.UnionWith(community);
                    return community.Key;
                }
            }
        }

        throw new InvalidOperationException($"no community under '{within}' is left for another test ({_takenGrids.Count} grids handed out)");
    }

    /// <summary>A worker under <paramref name="within"/>, with their grid, that no other test holds.</summary>
    public GeneratedWorker Worker(string within = "", Func<GeneratedWorker, bool>? where = null) =>
        Take(city.Workers, w => w.Grid, within, where, "worker");

    /// <summary>Up to <paramref name="count"/> workers under <paramref name="within"/>, each with a grid of their own.</summary>
    public IReadOnlyList<GeneratedWorker> Workers(int count, string within = "", Func<GeneratedWorker, bool>? where = null)
    {
        lock (_takenGrids)
        {
            var taken = new List<GeneratedWorker>();
            foreach (var worker in city.Workers.Reverse())
            {
                if (taken.Count < count && IsFree(worker.Grid, within) && (where?.Invoke(worker) ?? true) && _takenGrids.Add(worker.Grid))
                {
                    taken.Add(worker);
                }
            }

            return taken;
        }
    }

    /// <summary>A key person under <paramref name="within"/>, with their grid, that no other test holds.</summary>
    public GeneratedKeyPerson KeyPerson(string within = "", Func<GeneratedKeyPerson, bool>? where = null) =>
        Take(city.KeyPersons, p => p.Grid, within, where, "key person");

    /// <summary>A district code of the city (5101) that no generated unit uses: 510191, 510192, …</summary>
    public string UnmappedDistrict() => Unmapped("5101", 91 + Interlocked.Increment(ref _unmappedDistricts) - 1, 99, "district");

    /// <summary>A city code that no generated unit uses: 5191, 5192, …</summary>
    public string UnmappedCity() => Unmapped("51", 91 + Interlocked.Increment(ref _unmappedCities) - 1, 99, "city");

    private T Take<T>(IEnumerable<T> candidates, Func<T, string> gridOf, string within, Func<T, bool>? where, string what)
    {
        lock (_takenGrids)
        {
            // From the street with the most left (the highest code among equals), so that tests asking for
            // any part of a district do not use up the one street another test needs.
            var free = candidates.Reverse().Where(c => IsFree(gridOf(c), within) && (where?.Invoke(c) ?? true)).ToList();
            if (free.Count > 0)
            {
                var street = free.GroupBy(c => gridOf(c)[..9]).MaxBy(s => FreeGridsIn(s.Key))!;
                var candidate = street.First();
                _takenGrids.Add(gridOf(candidate));
                return candidate;
            }
        }

        throw new InvalidOperationException($"no {what} under '{within}' is left for another test ({_takenGrids.Count} grids handed out)");
    }

    private int FreeGridsIn(string street) => city.Units.Count(u => u.Code.Length == 15 && u.Code.StartsWith(street, StringComparison.Ordinal) && !_takenGrids.Contains(u.Code));

    // The first community of a district's first street is the demo staff's and grid worker's: handed out only to a test that names it.
    private bool IsFree(string grid, string within) =>
        grid.StartsWith(within, StringComparison.Ordinal) && !_takenGrids.Contains(grid) && (within.Length >= 12 || grid[..12] != FirstCommunityOf(grid[..6]));

    private string FirstCommunityOf(string district) =>
        city.Units.Where(u => u.Code.Length == 12 && u.Code.StartsWith(district, StringComparison.Ordinal)).Min(u => u.Code)!;

    private string Unmapped(string prefix, int number, int last, string what)
    {
        var code = prefix + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return number <= last && city.Units.All(u => !u.Code.StartsWith(code, StringComparison.Ordinal))
            ? code
            : throw new InvalidOperationException($"no unmapped {what} code is left ({code})");
    }
}
