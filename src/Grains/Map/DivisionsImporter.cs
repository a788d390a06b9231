using Npgsql;
using NpgsqlTypes;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Map;

/// <summary>
/// Loads the division list (区划, the codes and names of the national statistical divisions, as china-division publishes
/// them) from CSV or .xlsx: a header whose first two columns are <c>code</c> and <c>name</c> (further columns, such as
/// china-division's <c>provinceCode</c>, are ignored), then one unit per line, its parent being its code's prefix. A unit
/// new to the map is added without a polygon until a map import draws it; a known unit is renamed. Units are never ended
/// by a division list: a unit missing from it stays. All or nothing, with every refused line and its reason.
/// </summary>
public sealed class DivisionsImporter : IImporter
{
    public const string Header = "code,name";

    public async Task<ImportOutcome> RunAsync(ImportInput input, NpgsqlConnection connection, NpgsqlTransaction transaction, ImportProgress progress, CancellationToken ct)
    {
        var table = TableFile.Read(input.Content);
        if (table.Problem is { } problem)
        {
            return ImportOutcome.Refused(1, null, problem);
        }

        if (table.Header.Length < 2 || !table.Header[0].Equals("code", StringComparison.OrdinalIgnoreCase) || !table.Header[1].Equals("name", StringComparison.OrdinalIgnoreCase))
        {
            return ImportOutcome.Refused(1, null, $"the header must begin with: {Header}");
        }

        var known = await UnitCodes.AboveGridsAsync(connection, transaction, ct);
        var units = new List<(string Code, string Name)>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var errors = new List<ImportError>();
        foreach (var row in table.Rows)
        {
            var code = row.Fields.ElementAtOrDefault(0) ?? "";
            var name = row.Fields.ElementAtOrDefault(1) ?? "";
            var (field, reason) = !UnitCode.IsValid(code) ? ("code", "a unit code: 4, 6, 9, 12 or 15 digits")
                : !UnitCode.IsWithin(code, input.Unit) ? ("code", $"unit {code} lies outside the import's unit {input.Unit}")
                : name.Length == 0 ? ("name", "name is empty")
                : name.Length > 200 ? ("name", "at most 200 characters")
                : !codes.Add(code) ? ("code", "the code appears more than once")
                : ((string?)null, (string?)null);
            if (reason is null)
            {
                units.Add((code, name));
            }
            else
            {
                errors.Add(new ImportError(row.Line, field, reason));
            }
        }

        foreach (var row in table.Rows)
        {
            var code = row.Fields.ElementAtOrDefault(0) ?? "";
            if (UnitCode.IsValid(code) && UnitCode.ParentOf(code) is { } parent && !codes.Contains(parent) && !known.Contains(parent))
            {
                errors.Add(new ImportError(row.Line, "code", $"parent unit {parent} is neither in this file nor in the map"));
            }
        }

        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        progress.Report(table.Rows.Count, units.Count, errors.Select(e => e.Line).Distinct().Count());
        if (errors.Count > 0 || table.Rows.Count == 0)
        {
            return errors.Count > 0
                ? new ImportOutcome(table.Rows.Count, units.Count, errors, ImportChanges.None)
                : ImportOutcome.Refused(2, null, "the file has no units");
        }

        return new ImportOutcome(table.Rows.Count, units.Count, [], await StoreAsync(units, input, connection, transaction, ct));
    }

    private static async Task<ImportChanges> StoreAsync(List<(string Code, string Name)> units, ImportInput input, NpgsqlConnection connection,
        NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE division_import (code text PRIMARY KEY, name text, parent_code text) ON COMMIT DROP", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var import = await connection.BeginBinaryImportAsync("COPY division_import FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (code, name) in units)
            {
                await import.StartRowAsync(ct);
                await import.WriteAsync(code, NpgsqlDbType.Text, ct);
                await import.WriteAsync(name, NpgsqlDbType.Text, ct);
                await import.WriteAsync(UnitCode.ParentOf(code), NpgsqlDbType.Text, ct);
            }

            await import.CompleteAsync(ct);
        }

        await using var apply = new NpgsqlCommand(
            """
            INSERT INTO import_change (job_id, subject, subject_id, action, old_value, new_value, at)
            SELECT @job, 'unit', i.code, CASE WHEN m.code IS NULL THEN 'added' ELSE 'updated' END,
                   CASE WHEN m.code IS NOT NULL THEN jsonb_build_object('name', m.name) END, jsonb_build_object('name', i.name), @now
            FROM division_import i LEFT JOIN unit_map m ON m.code = i.code
            WHERE m.code IS NULL OR m.name <> i.name;

            SELECT count(*) FILTER (WHERE m.code IS NULL)::int, count(*) FILTER (WHERE m.name <> i.name)::int, count(*) FILTER (WHERE m.name = i.name)::int
            FROM division_import i LEFT JOIN unit_map m ON m.code = i.code;

            INSERT INTO unit_map (code, name, parent_code, geometry)
            SELECT code, name, parent_code, NULL FROM division_import
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, updated_at = now() WHERE unit_map.name <> excluded.name;
            """, connection, transaction);
        apply.Parameters.AddWithValue("job", input.JobId);
        apply.Parameters.AddWithValue("now", input.Now.ToUniversalTime());
        ImportChanges changes;
        await using (var reader = await apply.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            changes = new ImportChanges(reader.GetInt32(0), reader.GetInt32(1), 0, reader.GetInt32(2));
        }

        if (changes.Added + changes.Updated > 0)
        {
            await UnitCodes.BumpMapVersionAsync(connection, transaction, ct);
        }

        return changes;
    }
}
