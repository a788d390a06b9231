namespace OpsCentre.Database.Registries;

/// <summary>
/// The six base-information registries (六类网格基础信息库, 一标三实): their slugs, as they appear in URLs, in
/// <see cref="RegistryWrite.Registry"/> and in the change feed.
/// </summary>
public static class RegistryNames
{
    /// <summary>标准地址: standard addresses, the key the others hang on.</summary>
    public const string Addresses = "addresses";

    /// <summary>实有人口: residents, registered or floating (流动人口).</summary>
    public const string Population = "population";

    /// <summary>实有房屋: dwellings, owner-occupied, rented or vacant.</summary>
    public const string Housing = "housing";

    /// <summary>实有单位/组织: enterprises, shops, social organisations, property companies, residents' committees.</summary>
    public const string Organisations = "organisations";

    /// <summary>重点场所: schools, hospitals, markets, compounds (院落).</summary>
    public const string KeyPlaces = "key-places";

    /// <summary>城市部件: manhole covers, street lamps, hydrants…</summary>
    public const string Components = "components";

    public static IReadOnlyList<string> All { get; } = [Addresses, Population, Housing, Organisations, KeyPlaces, Components];

    /// <summary>Whether <paramref name="registry"/> is one of <see cref="All"/> (case matters: slugs are lower case).</summary>
    public static bool IsKnown(string? registry) => registry is not null && All.Contains(registry, StringComparer.Ordinal);
}
