using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Units;

/// <summary>A unit as the API and the wall screens show it.</summary>
public sealed record UnitView(string Code, string Name, string Level, string? ParentCode, IReadOnlyDictionary<string, long> Counters, IReadOnlyList<UnitChildView> Children);

/// <summary>A child unit in <see cref="UnitView.Children"/>.</summary>
public sealed record UnitChildView(string Code, string Name, string Level, IReadOnlyDictionary<string, long> Counters);

/// <summary>Units as their grains know them: identity from the map, live counters from the roll-up.</summary>
public sealed class UnitDirectory(IClusterClient cluster)
{
    public async Task<UnitView?> DescribeAsync(string code)
    {
        if (!UnitCode.IsValid(code) || await cluster.GetGrain<IUnitGrain>(code).Snapshot() is not { } unit)
        {
            return null;
        }

        return new UnitView(unit.Code, unit.Name, UnitCode.LevelName(unit.Level), unit.ParentCode, unit.Counters.ToWire(),
            [.. unit.Children.Select(c => new UnitChildView(c.Code, c.Name, UnitCode.LevelName(UnitCode.LevelOf(c.Code)), c.Counters.ToWire()))]);
    }

    /// <summary>The districts a unit spans: the city's children, or the unit's own district.</summary>
    public static IReadOnlyList<string> DistrictsOf(UnitView unit) =>
        unit.Level == UnitCode.LevelName(UnitLevel.City) ? [.. unit.Children.Select(c => c.Code)] : [unit.Code[..6]];
}
