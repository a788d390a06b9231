using OpsCentre.CityGen;

namespace OpsCentre.Testing;

/// <summary>
/// Hands out parts of the generated city to tests, so that no two tests of a run share one and no test
/// hard-codes an index that another must keep away from. The unit handed out is the grid: a test gets a
/// grid of its own, or a worker or key person together with their whole grid (so a grid's counters
/// and grid-scoped rules are the test's alone). Also hands out unit codes that no generated unit uses,
/// for tests that build their own units. Thread-safe; one per fixture, so unique for the test run.
/// Of the parts that fit, one is taken from the street with the most grids still free, and in it the
/// one with the highest code, so a test that asks for "any worker of the district" leaves the small
/// streets, and the low codes the demo operators serve (a street's first community, its first grid),
/// to the tests that must have a part there.
/// </summary>
public sealed class TestCity(GeneratedCity city)
{
    private readonly HashSet<string> _takenGrids = [];
    private readonly Dictionary<string, int> _freeInStreet = city.Units.Where(u => u.Code.Length == 15)
        .GroupBy(u => u.Code[..9]).ToDictionary(street => street.Key, street => street.Count());
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
            foreach (var community in grids.GroupBy(g => g[..12]).OrderByDescending(c => _freeInStreet[c.Key[..9]]))
            {
                if (community.All(g => !_takenGrids.Contains(g)))
                {
                    foreach (var grid in community)
                    {
                        Hold(grid);
                    }

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
            while (taken.Count < count && TryTake(city.Workers, w => w.Grid, within, where, out var worker))
            {
                taken.Add(worker);
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
            return TryTake(candidates, gridOf, within, where, out var taken)
                ? taken
                : throw new InvalidOperationException($"no {what} under '{within}' is left for another test ({_takenGrids.Count} grids handed out)");
        }
    }

    /// <summary>The free candidate with the highest code in the street with the most grids free; its grid is held from then on. Called under the lock.</summary>
    private bool TryTake<T>(IEnumerable<T> candidates, Func<T, string> gridOf, string within, Func<T, bool>? where, out T taken)
    {
        var fits = candidates.Where(c => IsFree(gridOf(c), within) && (where?.Invoke(c) ?? true)).ToList();
        if (fits.Count == 0)
        {
            taken = default!;
            return false;
        }

        var most = fits.Max(c => _freeInStreet[gridOf(c)[..9]]);
        taken = fits.Last(c => _freeInStreet[gridOf(c)[..9]] == most);
        Hold(gridOf(taken));
        return true;
    }

    private void Hold(string grid)
    {
        if (_takenGrids.Add(grid))
        {
            _freeInStreet[grid[..9]]--;
        }
    }

    private bool IsFree(string grid, string within) => grid.StartsWith(within, StringComparison.Ordinal) && !_takenGrids.Contains(grid);

    private string Unmapped(string prefix, int number, int last, string what)
    {
        var code = prefix + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return number <= last && city.Units.All(u => !u.Code.StartsWith(code, StringComparison.Ordinal))
            ? code
            : throw new InvalidOperationException($"no unmapped {what} code is left ({code})");
    }
}
