using System.Globalization;
using System.Text;
using MiniExcelLibs;
using nietras.SeparatedValues;

namespace OpsCentre.Grains.Imports;

/// <summary>One line of a table file after its header: the file's own line number (an Excel file's row number) and its fields.</summary>
public sealed record TableRow(int Line, string[] Fields);

/// <summary>
/// A table as an import reads it — a header row, then lines — from CSV (UTF-8, comma-separated, RFC 4180 quoting; read
/// with Sep) or from an Excel workbook (.xlsx, its first sheet; read with MiniExcel). Which one is told by the file's
/// content (an .xlsx is a zip archive), not by its name.
/// </summary>
public sealed class TableFile
{
    private TableFile(string[] header, List<TableRow> rows, string? problem)
    {
        Header = header;
        Rows = rows;
        Problem = problem;
    }

    public string[] Header { get; }

    /// <summary>The lines after the header; lines with no field filled are left out.</summary>
    public List<TableRow> Rows { get; }

    /// <summary>Why the file could not be read as a table at all (reported as line 1), or null.</summary>
    public string? Problem { get; }

    /// <summary>True when the content is a zip archive, as an .xlsx workbook is.</summary>
    public static bool IsWorkbook(ReadOnlySpan<byte> content) => content.Length >= 4 && content[0] == 'P' && content[1] == 'K' && content[2] == 3 && content[3] == 4;

    public static TableFile Read(byte[] content) => IsWorkbook(content) ? ReadWorkbook(content) : ReadCsv(content);

    private static TableFile ReadCsv(byte[] content)
    {
        string text;
        try
        {
            // Strict UTF-8: a file saved in GBK (as some spreadsheet programs do) is refused, not imported garbled.
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return Failed("the file is not UTF-8 text (save it as \"CSV UTF-8\")");
        }

        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var rows = new List<TableRow>();
        string[]? header = null;
        try
        {
            using var reader = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).FromText(text);
            foreach (var row in reader)
            {
                var fields = new string[row.ColCount];
                for (var i = 0; i < fields.Length; i++)
                {
                    fields[i] = row[i].ToString().Trim();
                }

                if (header is null)
                {
                    header = fields;
                }
                else if (fields.Any(f => f.Length > 0))
                {
                    rows.Add(new TableRow(row.LineNumberFrom, fields));
                }
            }
        }
        catch (InvalidDataException ex)
        {
            return Failed("the file is not valid CSV: " + ex.Message);
        }

        return header is null ? Failed("the file is empty") : new TableFile(header, rows, null);
    }

    private static TableFile ReadWorkbook(byte[] content)
    {
        var rows = new List<TableRow>();
        string[]? header = null;
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            var line = 0;
            foreach (IDictionary<string, object?> row in MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX))
            {
                line++;
                var fields = row.Values.Select(Text).ToArray();
                // A sheet's rows are as wide as its widest: trailing empty cells are no fields.
                var width = fields.Length;
                while (width > 0 && fields[width - 1].Length == 0)
                {
                    width--;
                }

                fields = fields[..width];
                if (header is null)
                {
                    header = fields;
                }
                else if (fields.Length > 0)
                {
                    rows.Add(new TableRow(line, fields));
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever the workbook reader throws on a damaged or hostile file is the file's fault, and says so as line 1.
            return Failed("the file is not a readable Excel workbook (.xlsx): " + ex.Message);
        }

        return header is null ? Failed("the workbook's first sheet is empty") : new TableFile(header, rows, null);
    }

    /// <summary>A cell as text: numbers in the invariant culture (a phone number typed as a number keeps its digits), dates as ISO 8601.</summary>
    private static string Text(object? cell) => (cell switch
    {
        null => "",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    }).Trim();

    private static TableFile Failed(string problem) => new([], [], problem);

    /// <summary>Writes rows as an .xlsx workbook (tests, and exporting a roster to edit).</summary>
    public static byte[] Workbook(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sheet = rows.Select(r => header.Select((name, i) => (name, value: i < r.Count ? r[i] : "")).ToDictionary(c => c.name, c => (object)c.value)).ToList();
        using var stream = new MemoryStream();
        stream.SaveAs(sheet, printHeader: true, excelType: ExcelType.XLSX);
        return stream.ToArray();
    }
}
