using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OpsCentre.Gateway.Hosting;

/// <summary>
/// CSV exports (RFC 4180): a header of zh-CN labels with the English field code in brackets (<c>结案率 (closureRate)</c>),
/// UTF-8 with a byte-order mark so spreadsheet programs read the Chinese, CRLF line ends. A cell that a spreadsheet would
/// take for a formula (starting with <c>= + - @</c>) is prefixed with an apostrophe.
/// </summary>
public static class CsvExport
{
    /// <summary>The most rows one export holds.</summary>
    public const int MaxRows = 10_000;

    /// <summary>A column: its zh-CN label, its English code and how to write a row's cell.</summary>
    public sealed record Column<T>(string Label, string Code, Func<T, object?> Value);

    public static FileContentHttpResult File<T>(string fileName, IReadOnlyList<Column<T>> columns, IEnumerable<T> rows)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', columns.Select(c => Cell($"{c.Label} ({c.Code})"))).Append("\r\n");
        foreach (var row in rows)
        {
            text.AppendJoin(',', columns.Select(c => Cell(Format(c.Value(row))))).Append("\r\n");
        }

        return TypedResults.File([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())], "text/csv; charset=utf-8", fileName);
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        DateTimeOffset at => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<string> list => string.Join(' ', list),
        _ => value.ToString() ?? "",
    };

    private static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
