namespace OpsCentre.CityGen;

/// <summary>How big a generated city is. Grids tile the whole city box; people scale with grids.</summary>
public sealed record CitySize(string Name, int Grids, int GridsPerCommunity, int CommunitiesPerStreet, int KeyPersonsPerGrid, int ExtraWorkerEvery)
{
    /// <summary>About 60 streets, 560 communities, 5,000 grids, 5,000 workers, 20,000 key persons.</summary>
    public static CitySize Demo { get; } = new("demo", 5_000, 9, 9, 4, 25);

    /// <summary>Ten times the grids and people of <see cref="Demo"/>.</summary>
    public static CitySize Large { get; } = new("large", 50_000, 9, 90, 4, 25);

    /// <summary>A small city for quick tests.</summary>
    public static CitySize Tiny { get; } = new("tiny", 300, 6, 5, 2, 10);

    /// <summary>
    /// The integration suite's city: twice the tiny one's grids, and streets of ten communities (60 grids), so each test
    /// can hold grids of its own in 锦江区's first streets — where the demo accounts sit — with room to spare.
    /// </summary>
    public static CitySize Suite { get; } = new("suite", 600, 6, 10, 2, 10);

    public static CitySize Parse(string name) => name switch
    {
        "suite" => Suite,
        "demo" => Demo,
        "large" => Large,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"unknown size '{name}' (demo, large, tiny, suite)"),
    };
}
