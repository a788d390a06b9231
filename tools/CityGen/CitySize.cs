namespace OpsCentre.CityGen;

/// <summary>
/// How big a generated city is: which of 成都市's real districts it holds (empty: all 20), how many grids each real
/// community is cut into (at least <see cref="GridsPerCommunity"/>, and in the first district held — 锦江区, where the
/// demo accounts sit — more in a street that would otherwise have fewer than <see cref="GridsPerStreet"/> grids), and
/// how many people live in a grid.
/// </summary>
public sealed record CitySize(string Name, IReadOnlyList<string> Districts, int GridsPerCommunity, int GridsPerStreet, int KeyPersonsPerGrid, int ExtraWorkerEvery)
{
    /// <summary>The five central districts 锦江, 青羊, 金牛, 武侯, 成华 (510104–510108).</summary>
    public static IReadOnlyList<string> CentralDistricts { get; } = ["510104", "510105", "510106", "510107", "510108"];

    /// <summary>All of 成都市: 20 districts, 261 streets, 3,047 communities, two grids each (~6,100 grids, ~24,000 key persons). The run command's default.</summary>
    public static CitySize City { get; } = new("city", [], 2, 0, 4, 25);

    /// <summary>The five central districts: 429 communities of ten grids each (~4,300 grids).</summary>
    public static CitySize Central { get; } = new("central", CentralDistricts, 10, 0, 4, 25);

    /// <summary>All of 成都市 with 16 grids per community (~49,000 grids, ~195,000 key persons), for load.</summary>
    public static CitySize Large { get; } = new("large", [], 16, 0, 4, 25);

    /// <summary>
    /// The large city with twenty key persons a grid (~49,000 grids, ~975,000 key persons): about a million grains of the
    /// city model, for the memory benchmark's silo holding a million active grains. Synthetic in its numbers only.
    /// </summary>
    public static CitySize Million { get; } = new("million", [], 16, 0, 20, 25);

    /// <summary>A small city for the grain tests: the five central districts, one grid per community, 锦江区's streets at least 24 (~700 grids).</summary>
    public static CitySize Tiny { get; } = new("tiny", CentralDistricts, 1, 24, 2, 10);

    /// <summary>
    /// The integration suite's city: the five central districts, 锦江区 with at least 60 grids in every street, so each
    /// test can hold grids of its own in 锦江区's first streets — where the demo accounts sit — with room to spare, the
    /// others with one grid per community (~1,000 grids).
    /// </summary>
    public static CitySize Suite { get; } = new("suite", CentralDistricts, 1, 60, 2, 10);

    public static IReadOnlyList<CitySize> All { get; } = [City, Central, Large, Million, Tiny, Suite];

    /// <summary>Whether the size holds the district.</summary>
    public bool Holds(string districtCode) => Districts.Count == 0 || Districts.Contains(districtCode);

    /// <summary>The grids one community of a street of <paramref name="communitiesInStreet"/> communities is cut into.</summary>
    public int GridsIn(string districtCode, int communitiesInStreet) =>
        Math.Max(GridsPerCommunity, GridsPerStreet > 0 && (Districts.Count == 0 || districtCode == Districts[0]) ? (GridsPerStreet + communitiesInStreet - 1) / communitiesInStreet : 0);

    /// <summary>A size by name; <c>demo</c>, the former name of the run command's city, is <see cref="City"/>.</summary>
    public static CitySize Parse(string name) => name == "demo"
        ? City
        : All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown size '{name}' ({string.Join(", ", All.Select(s => s.Name))}, demo = city)");
}
