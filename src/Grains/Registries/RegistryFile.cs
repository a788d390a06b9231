using System.Globalization;
using System.Text.Json.Nodes;
using OpsCentre.Database.Registries;

namespace OpsCentre.Grains.Registries;

/// <summary>One column of a registry's file: the record's <c>id</c> or one of its fields (<see cref="RegistryFields"/>), with its zh-CN label.</summary>
/// <param name="Code">The English name: the field's write name (<c>idNumber</c>), or <c>id</c>.</param>
/// <param name="Label">The zh-CN label a spreadsheet shows (公民身份号码).</param>
/// <param name="Field">The registry field; null for the <c>id</c> column.</param>
public sealed record RegistryColumn(string Code, string Label, RegistryField? Field)
{
    /// <summary>The header cell an export writes: <c>公民身份号码 (idNumber)</c>, as the API's other CSV exports label their columns.</summary>
    public string ExportHeader => $"{Label} ({Code})";

    /// <summary>A header cell names this column when it is the English name (any case), the zh-CN label, or both as an export writes them.</summary>
    public bool IsNamedBy(string cell)
    {
        var text = cell.Trim();
        return text.Equals(Code, StringComparison.OrdinalIgnoreCase) || text == Label || text.Equals(ExportHeader, StringComparison.OrdinalIgnoreCase)
            || text.Replace(" ", "", StringComparison.Ordinal).Equals($"{Label}({Code})", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// The file of a registry (导入/导出文件), the same for its import and its export so a round trip works: the record's
/// <c>id</c>, then every field of <see cref="RegistryFields"/> in their order. Each header cell is the English name, the
/// zh-CN label, or both (<c>姓名 (name)</c>, as the export writes it). A cell's text becomes the write's JSON value:
/// numbers for <see cref="RegistryFieldKind.Integer"/> and <see cref="RegistryFieldKind.Number"/> fields (text that is no
/// number goes to the writer as text, which refuses it with its reason), text for the rest; an empty cell is no value.
/// </summary>
public static class RegistryFile
{
    /// <summary>The zh-CN labels of the fields, by registry and write name.</summary>
    private static readonly Dictionary<(string Registry, string Field), string> Labels = new()
    {
        [(RegistryNames.Addresses, "road")] = "街路巷",
        [(RegistryNames.Addresses, "number")] = "门牌号",
        [(RegistryNames.Addresses, "building")] = "楼栋",
        [(RegistryNames.Addresses, "unit")] = "单元",
        [(RegistryNames.Addresses, "room")] = "户室",
        [(RegistryNames.Addresses, "lat")] = "纬度",
        [(RegistryNames.Addresses, "lon")] = "经度",
        [(RegistryNames.Population, "name")] = "姓名",
        [(RegistryNames.Population, "idNumber")] = "公民身份号码",
        [(RegistryNames.Population, "phone")] = "联系电话",
        [(RegistryNames.Population, "gender")] = "性别",
        [(RegistryNames.Population, "birthYear")] = "出生年份",
        [(RegistryNames.Population, "residence")] = "人口类别",
        [(RegistryNames.Population, "registrationStart")] = "居住登记日期",
        [(RegistryNames.Population, "registrationExpiry")] = "居住登记到期日期",
        [(RegistryNames.Population, "keyPersonId")] = "重点人员编号",
        [(RegistryNames.Housing, "use")] = "房屋使用情况",
        [(RegistryNames.Housing, "ownerId")] = "产权人编号",
        [(RegistryNames.Housing, "tenantId")] = "承租人编号",
        [(RegistryNames.Organisations, "name")] = "单位名称",
        [(RegistryNames.Organisations, "kind")] = "单位类别",
        [(RegistryNames.Organisations, "licenceNumber")] = "营业执照号",
        [(RegistryNames.KeyPlaces, "name")] = "场所名称",
        [(RegistryNames.KeyPlaces, "kind")] = "场所类别",
        [(RegistryNames.KeyPlaces, "civilDefence")] = "人防",
        [(RegistryNames.KeyPlaces, "physicalDefence")] = "物防",
        [(RegistryNames.KeyPlaces, "technicalDefence")] = "技防",
        [(RegistryNames.KeyPlaces, "nextInspectionDue")] = "下次检查日期",
        [(RegistryNames.Components, "code")] = "部件编码",
        [(RegistryNames.Components, "category")] = "部件类别",
        [(RegistryNames.Components, "lat")] = "纬度",
        [(RegistryNames.Components, "lon")] = "经度",
        [(RegistryNames.Components, "state")] = "部件状态",
    };

    /// <summary>Labels that every registry shares.</summary>
    private static readonly Dictionary<string, string> CommonLabels = new(StringComparer.Ordinal)
    {
        ["unitCode"] = "网格编码",
        ["addressId"] = "标准地址编号",
    };

    private static readonly Dictionary<string, IReadOnlyList<RegistryColumn>> ColumnsByRegistry = RegistryFields.All.ToDictionary(
        t => t.Registry,
        t => (IReadOnlyList<RegistryColumn>)[new RegistryColumn("id", "编号", null), .. t.Fields.Select(f => new RegistryColumn(f.Name, LabelOf(t.Registry, f.Name), f))],
        StringComparer.Ordinal);

    /// <summary>The columns of a registry's file, in their order.</summary>
    public static IReadOnlyList<RegistryColumn> Columns(string registry) => ColumnsByRegistry[registry];

    /// <summary>The header row in English names, as a file written by hand may have it (<c>id,unitCode,road,…</c>).</summary>
    public static string Header(string registry) => string.Join(',', Columns(registry).Select(c => c.Code));

    /// <summary>Why a header row is not the registry's, or null when every cell names its column in order.</summary>
    public static string? HeaderProblem(string registry, IReadOnlyList<string> header)
    {
        var columns = Columns(registry);
        return header.Count == columns.Count && columns.Select((c, i) => c.IsNamedBy(header[i])).All(named => named)
            ? null
            : $"the header must name these columns in this order (English names or zh-CN labels): {Header(registry)}";
    }

    /// <summary>A cell's text as the write's value; null for an empty cell.</summary>
    public static JsonNode? ValueOf(RegistryField field, string cell)
    {
        var text = Unprotected(cell.Trim());
        if (text.Length == 0)
        {
            return null;
        }

        if (field.Kind is RegistryFieldKind.Integer or RegistryFieldKind.Number
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return field.Kind == RegistryFieldKind.Integer && number == Math.Floor(number) && Math.Abs(number) < 1e15
                ? JsonValue.Create((long)number)
                : JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    /// <summary>A stored value as a cell: numbers in the invariant culture with every digit they have (so a re-import compares equal), dates as yyyy-MM-dd.</summary>
    public static string CellOf(object? value) => value switch
    {
        null or DBNull => "",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// A cell as an export writes it: one that a spreadsheet would take for a formula (<c>= + - @</c> first, and not a
    /// number) gets an apostrophe in front, which an import takes off again (<see cref="Unprotected"/>).
    /// </summary>
    public static string Protected(string cell) =>
        cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' && !double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? "'" + cell : cell;

    private static string Unprotected(string cell) => cell.Length > 1 && cell[0] == '\'' && cell[1] is '=' or '+' or '-' or '@' ? cell[1..] : cell;

    private static string LabelOf(string registry, string field) =>
        Labels.TryGetValue((registry, field), out var label) ? label : CommonLabels.TryGetValue(field, out var common) ? common : field;
}
