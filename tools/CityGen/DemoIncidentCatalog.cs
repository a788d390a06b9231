using OpsCentre.Grains.Incidents;

namespace OpsCentre.CityGen;

/// <summary>
/// The demo city's case categories with their deadlines (per urgency: to accept, to dispatch, to start,
/// to resolve after dispatch, to verify), and five departments per district.
/// </summary>
public static class DemoIncidentCatalog
{
    private static Dictionary<string, string> Stages(string reported, string accepted, string dispatched, string resolve, string handled) => new()
    {
        ["reported"] = reported,
        ["accepted"] = accepted,
        ["dispatched"] = dispatched,
        ["resolve"] = resolve,
        ["handled"] = handled,
    };

    private static IncidentCategory Category(string code, string name, Dictionary<string, string> normal, Dictionary<string, string> urgent) =>
        new(code, name, new Dictionary<string, IReadOnlyDictionary<string, string>> { ["normal"] = normal, ["urgent"] = urgent });

    public static IReadOnlyList<IncidentCategory> Categories { get; } =
    [
        Category("public-safety", "公共安全", Stages("PT30M", "PT1H", "PT1H", "P1D", "PT4H"), Stages("PT10M", "PT15M", "PT30M", "PT4H", "PT1H")),
        Category("sanitation", "环境卫生", Stages("PT2H", "PT4H", "PT4H", "P2D", "P1D"), Stages("PT30M", "PT1H", "PT1H", "PT8H", "PT2H")),
        Category("facilities", "市政设施", Stages("PT2H", "PT4H", "PT4H", "P5D", "P1D"), Stages("PT30M", "PT1H", "PT1H", "P1D", "PT4H")),
        Category("dispute-mediation", "人民调解", Stages("PT4H", "P1D", "P1D", "P7D", "P2D"), Stages("PT1H", "PT2H", "PT2H", "P2D", "P1D")),
        Category("property-complaint", "物业纠纷", Stages("PT4H", "P1D", "P1D", "P5D", "P2D"), Stages("PT1H", "PT4H", "PT4H", "P2D", "P1D")),
        Category("migrant-registration", "流动人口登记", Stages("P1D", "P1D", "P1D", "P3D", "P1D"), Stages("PT4H", "PT8H", "PT8H", "P1D", "PT8H")),
    ];

    private static readonly (string Code, string Name)[] DepartmentKinds =
    [
        ("CG", "城市管理局"), ("GA", "公安分局"), ("MZ", "民政局"), ("ZJ", "住房和城乡建设局"), ("SJ", "市场监督管理局"),
    ];

    /// <summary>A demo user of 锦江区's city management bureau (role <c>department</c>), beside the contract's demo operators.</summary>
    public static OpsCentre.Database.Operators.OperatorAccount DepartmentStaff { get; } =
        new("jinjiang.cg.staff", "锦江区城市管理局", "department", "510104", Disabled: false, DepartmentCode: "510104-CG");

    public static IEnumerable<Department> DepartmentsOf(string districtCode, string districtName) =>
        DepartmentKinds.Select(d => new Department($"{districtCode}-{d.Code}", districtName + d.Name, districtCode));

    /// <summary>
    /// Stores the categories and the departments of every district of the map that are missing; safe to run again, and what an
    /// administrator changed since (deadlines, a name, a disabled department) stays as it is.
    /// </summary>
    public static async Task EnsureAsync(IncidentCatalog catalog, IEnumerable<(string Code, string Name)> districts)
    {
        foreach (var category in Categories)
        {
            await catalog.CreateCategoryIfMissingAsync(category);
        }

        foreach (var (code, name) in districts)
        {
            foreach (var department in DepartmentsOf(code, name))
            {
                await catalog.CreateDepartmentIfMissingAsync(department);
            }
        }
    }
}
