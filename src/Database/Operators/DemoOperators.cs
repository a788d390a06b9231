namespace OpsCentre.Database.Operators;

/// <summary>
/// The demo city's operators, one per role (see CONTRACT.md, "Local defaults"). The demo city is 成都市 with its real
/// codes, and "first" means the lowest code: 锦江区's first street is 510104017 锦官驿街道, its first community
/// 510104017001 水井坊社区, whose first (generated) grid is 510104017001001. They are created with the demo
/// city only (<c>OpsCentre.CityGen ensure</c> with <c>OPSCENTRE_DEMO=on</c>, <c>DemoSeeding</c>), and only when
/// missing: an existing account is never reset or re-enabled.
/// </summary>
public static class DemoOperators
{
    public const string DefaultPassword = "demo-password";

    /// <summary>锦江区's first street, 锦官驿街道 (the street operator's unit).</summary>
    public const string FirstStreet = "510104017";

    /// <summary>锦官驿街道's first community, 水井坊社区 (the community staff's unit).</summary>
    public const string FirstCommunity = "510104017001";

    /// <summary>水井坊社区's first grid, 水井坊社区第1网格 (the grid worker's unit).</summary>
    public const string FirstGrid = "510104017001001";

    public static IReadOnlyList<OperatorAccount> All { get; } =
    [
        new("city.admin", "成都市管理员", "admin", "5101", Disabled: false),
        new("jinjiang.operator", "锦江区网格化服务管理监管中心", "operator", "510104", Disabled: false),
        new("jinjiang.street.operator", "锦官驿街道网格化服务管理中心", "operator", FirstStreet, Disabled: false),
        new("jinjiang.community.staff", "水井坊社区网格化服务管理站", "staff", FirstCommunity, Disabled: false),
        new("jinjiang.grid.worker", "水井坊社区第1网格网格员", "worker", FirstGrid, Disabled: false),
        new("jinjiang.corrections.officer", "锦江区社区矫正工作人员", "corrections", "510104", Disabled: false),
        new("city.auditor", "成都市审计员", "auditor", "5101", Disabled: false),
    ];
}
