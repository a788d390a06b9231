namespace OpsCentre.Database.Registries;

/// <summary>
/// The categories of city components (城市部件) the demo city and the search use, coded in the style of GB/T 30428.2
/// (数字化城市管理信息系统 第2部分: 管理部件和事件): a two-digit major class (01 公用设施, 02 道路交通, 03 市容环境, 04 园林绿化)
/// and a two-digit subclass. A component's 16-digit code is its district (6) + category (4) + serial (6). The assignment
/// of subclasses below is OpsCentre's, in that style (docs/registries.md); a city brings its own list through the imports.
/// </summary>
public static class ComponentCategories
{
    public static IReadOnlyDictionary<string, string> Names { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["0101"] = "上水井盖",
        ["0102"] = "污水井盖",
        ["0103"] = "雨水井盖",
        ["0104"] = "雨水箅子",
        ["0105"] = "电力井盖",
        ["0106"] = "通信井盖",
        ["0109"] = "消防栓",
        ["0201"] = "路灯",
        ["0202"] = "交通信号灯",
        ["0203"] = "公交站亭",
        ["0301"] = "公共厕所",
        ["0302"] = "垃圾箱",
        ["0401"] = "行道树",
    };

    /// <summary>The name of a category, or the code itself for one not listed.</summary>
    public static string NameOf(string category) => Names.TryGetValue(category, out var name) ? name : category;

    /// <summary>The categories whose name contains <paramref name="fragment"/> (井盖 → every manhole cover's).</summary>
    public static string[] Matching(string fragment) =>
        fragment.Length == 0 ? [] : [.. Names.Where(c => c.Value.Contains(fragment, StringComparison.Ordinal)).Select(c => c.Key)];
}
