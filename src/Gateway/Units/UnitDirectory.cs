using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Units;

/// <summary>A unit as the API and the wall screens show it.</summary>
public sealed record UnitView(string Code, string Name, string Level, string? ParentCode, IReadOnlyDictionary<string, long> Counters, IReadOnlyList<UnitChildView> Children);

/// <summary>A child unit in <see cref="UnitView.Children"/>.</summary>
public sealed record UnitChildView(string Code, string Name, string Level, IReadOnlyDictionary<string, long> Counters);

/// <summary>
/// Which units exist and which districts a unit spans. Until the city model lands, this knows the
/// city and its five central districts by name and accepts any well-formed code below them, with
/// zero counters; the unit grains of the city-model issue replace it.
/// </summary>
public sealed class UnitDirectory
{
    public const string City = "5101";

    private static readonly Dictionary<string, string> Known = new()
    {
        [City] = "成都市",
        ["510104"] = "锦江区",
        ["510105"] = "青羊区",
        ["510106"] = "金牛区",
        ["510107"] = "武侯区",
        ["510108"] = "成华区",
    };

    private static readonly IReadOnlyDictionary<string, long> ZeroCounters = new Dictionary<string, long>
    {
        ["workersOnDuty"] = 0,
        ["workersOnline"] = 0,
        ["alertsFiring"] = 0,
        ["incidentsOpen"] = 0,
        ["incidentsOverdue"] = 0,
        ["keyPersonsAbnormal"] = 0,
    };

    public static IReadOnlyList<string> Districts { get; } = [.. Known.Keys.Where(k => k.Length == 6).Order()];

    public bool Exists(string code) =>
        UnitCode.IsValid(code) && (code == City || (code.StartsWith(City, StringComparison.Ordinal) && Known.ContainsKey(code[..6])));

    /// <summary>The districts whose events a subscriber to <paramref name="code"/> may receive.</summary>
    public IReadOnlyList<string> DistrictsOf(string code) => code == City ? Districts : [code[..6]];

    public UnitView? Describe(string code)
    {
        if (!Exists(code))
        {
            return null;
        }

        var level = UnitCode.LevelOf(code);
        var children = code == City
            ? Districts.Select(d => new UnitChildView(d, Known[d], UnitCode.LevelName(UnitLevel.District), ZeroCounters)).ToList()
            : [];
        return new UnitView(code, Known.GetValueOrDefault(code, code), UnitCode.LevelName(level), UnitCode.ParentOf(code), ZeroCounters, children);
    }
}
