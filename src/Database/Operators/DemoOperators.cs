namespace OpsCentre.Database.Operators;

/// <summary>
/// The demo city's operators, one per role (see CONTRACT.md, "Local defaults"). "First" means the
/// lowest code: the demo city numbers streets, communities and grids from 001. They are created with the demo
/// city only (<c>OpsCentre.CityGen ensure</c> with <c>OPSCENTRE_DEMO=on</c>, <c>DemoSeeding</c>), and only when
/// missing: an existing account is never reset or re-enabled.
/// </summary>
public static class DemoOperators
{
    public const string DefaultPassword = "demo-password";

    public static IReadOnlyList<OperatorAccount> All { get; } =
    [
        new("city.admin", "成都市管理员", "admin", "5101", Disabled: false),
        new("jinjiang.operator", "锦江区网格化服务管理监管中心", "operator", "510104", Disabled: false),
        new("jinjiang.street.operator", "锦江区第一街道网格化服务管理中心", "operator", "510104001", Disabled: false),
        new("jinjiang.community.staff", "锦江区第一社区网格化服务管理站", "staff", "510104001001", Disabled: false),
        new("jinjiang.grid.worker", "锦江区第一网格网格员", "worker", "510104001001001", Disabled: false),
        new("jinjiang.corrections.officer", "锦江区社区矫正工作人员", "corrections", "510104", Disabled: false),
        new("city.auditor", "成都市审计员", "auditor", "5101", Disabled: false),
    ];
}
