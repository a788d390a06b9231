namespace OpsCentre.Database.Registries;

/// <summary>
/// The six base-information registries (六类网格基础信息库, 一标三实): their names, as the public contract spells them
/// (<c>address|population|housing|organisation|place|component</c>) in URLs, in <see cref="RegistryWrite.Registry"/> and
/// in the change feed. The plural slugs of the first drafts (<c>addresses</c>, <c>key-places</c>…) are accepted as
/// aliases at the edge (<see cref="Canonical"/>) and never stored.
/// </summary>
public static class RegistryNames
{
    /// <summary>标准地址: standard addresses, the key the others hang on.</summary>
    public const string Addresses = "address";

    /// <summary>实有人口: residents, registered or floating (流动人口).</summary>
    public const string Population = "population";

    /// <summary>实有房屋: dwellings, owner-occupied, rented or vacant.</summary>
    public const string Housing = "housing";

    /// <summary>实有单位/组织: enterprises, shops, social organisations, property companies, residents' committees.</summary>
    public const string Organisations = "organisation";

    /// <summary>重点场所: schools, hospitals, markets, compounds (院落).</summary>
    public const string KeyPlaces = "place";

    /// <summary>城市部件: manhole covers, street lamps, hydrants…</summary>
    public const string Components = "component";

    public static IReadOnlyList<string> All { get; } = [Addresses, Population, Housing, Organisations, KeyPlaces, Components];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["addresses"] = Addresses, ["organisations"] = Organisations, ["key-places"] = KeyPlaces, ["key-place"] = KeyPlaces, ["components"] = Components,
    };

    /// <summary>The registry's name for <paramref name="registry"/> or one of its aliases; null for anything else.</summary>
    public static string? Canonical(string? registry) =>
        registry is null ? null : IsKnown(registry) ? registry : Aliases.GetValueOrDefault(registry);

    /// <summary>Whether <paramref name="registry"/> is one of <see cref="All"/> (case matters: names are lower case).</summary>
    public static bool IsKnown(string? registry) => registry is not null && All.Contains(registry, StringComparer.Ordinal);
}
