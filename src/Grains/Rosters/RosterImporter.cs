using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Rosters;

/// <summary>Why one line of a roster import was refused (line 1 is the header).</summary>
public sealed record RosterImportError(int Line, string? Id, string Reason);

public sealed record RosterImportResult(int Imported, IReadOnlyList<RosterImportError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Imports the rosters of grid workers (网格员) and key persons (重点人员) from CSV. All or nothing:
/// every line is validated (fields, codes, coordinates, that the grid exists), and one bad line
/// means nothing changes and every problem is reported by line.
/// </summary>
public sealed class RosterImporter(NpgsqlDataSource dataSource)
{
    public const string WorkersHeader = "id,name,phone,assignedGrid,homeLat,homeLon";
    public const string KeyPersonsHeader = "id,name,idNumber,category,supervisionLevel,gridCode,homeLat,homeLon";

    public static IReadOnlySet<string> Categories { get; } = new HashSet<string> { "community-corrections", "released-prisoner", "drug-rehabilitation", "mental-disorder" };

    public static IReadOnlySet<string> SupervisionLevels { get; } = new HashSet<string> { "strict", "ordinary", "lenient" };

    private static readonly Roster Workers = new("grid_worker", WorkersHeader, "id, name, phone, assigned_grid, home_lat, home_lon", GridField: 3, Checks: []);

    private static readonly Roster KeyPersons = new("key_person", KeyPersonsHeader,
        "id, name, id_number, category, supervision_level, grid_code, home_lat, home_lon", GridField: 5,
        Checks: [(3, Categories, "category"), (4, SupervisionLevels, "supervisionLevel")]);

    public Task<RosterImportResult> ImportWorkersAsync(TextReader csv, CancellationToken cancellationToken = default) =>
        ImportAsync(Workers, csv, cancellationToken);

    public Task<RosterImportResult> ImportKeyPersonsAsync(TextReader csv, CancellationToken cancellationToken = default) =>
        ImportAsync(KeyPersons, csv, cancellationToken);

    private async Task<RosterImportResult> ImportAsync(Roster roster, TextReader csv, CancellationToken cancellationToken)
    {
        var header = await csv.ReadLineAsync(cancellationToken);
        if (header?.Trim() != roster.Header)
        {
            return new RosterImportResult(0, [new RosterImportError(1, null, $"the header must be exactly: {roster.Header}")]);
        }

        var grids = await GridCodesAsync(cancellationToken);
        var columns = roster.Header.Split(',');
        var rows = new List<string[]>();
        var errors = new List<RosterImportError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 1;
        while (await csv.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            var reason = Validate(roster, columns, fields, grids, ids);
            if (reason is null)
            {
                rows.Add(fields);
            }
            else
            {
                errors.Add(new RosterImportError(lineNumber, fields.Length > 0 ? fields[0] : null, reason));
            }
        }

        if (errors.Count > 0)
        {
            return new RosterImportResult(0, errors);
        }

        await StoreAsync(roster, columns.Length, rows, cancellationToken);
        return new RosterImportResult(rows.Count, []);
    }

    private static string? Validate(Roster roster, string[] columns, string[] fields, HashSet<string> grids, HashSet<string> ids)
    {
        if (fields.Length != columns.Length)
        {
            return $"expected {columns.Length} fields, found {fields.Length}";
        }

        for (var i = 0; i < fields.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(fields[i]))
            {
                return $"{columns[i]} is empty";
            }
        }

        foreach (var (field, allowed, name) in roster.Checks)
        {
            if (!allowed.Contains(fields[field]))
            {
                return $"{name} must be one of {string.Join(", ", allowed)}";
            }
        }

        var grid = fields[roster.GridField];
        if (!UnitCode.IsValid(grid) || UnitCode.LevelOf(grid) != UnitLevel.Grid || !grids.Contains(grid))
        {
            return $"{columns[roster.GridField]} {grid} is not a grid of the map";
        }

        if (!double.TryParse(fields[^2], NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || lat is < -90 or > 90
            || !double.TryParse(fields[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var lon) || lon is < -180 or > 180)
        {
            return "homeLat/homeLon must be WGS-84 decimal degrees";
        }

        return ids.Add(fields[0]) ? null : "the id appears more than once";
    }

    private async Task StoreAsync(Roster roster, int fieldCount, List<string[]> rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            $"CREATE TEMP TABLE roster_import ON COMMIT DROP AS SELECT {roster.Columns} FROM {roster.Table} WITH NO DATA", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var import = await connection.BeginBinaryImportAsync($"COPY roster_import ({roster.Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var fields in rows)
            {
                await import.StartRowAsync(cancellationToken);
                for (var i = 0; i < fieldCount - 2; i++)
                {
                    await import.WriteAsync(fields[i], NpgsqlDbType.Text, cancellationToken);
                }

                await import.WriteAsync(double.Parse(fields[^2], CultureInfo.InvariantCulture), NpgsqlDbType.Double, cancellationToken);
                await import.WriteAsync(double.Parse(fields[^1], CultureInfo.InvariantCulture), NpgsqlDbType.Double, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        var updates = string.Join(", ", roster.Columns.Split(", ").Skip(1).Select(c => $"{c} = excluded.{c}"));
        await using (var upsert = new NpgsqlCommand(
            $"INSERT INTO {roster.Table} ({roster.Columns}) SELECT {roster.Columns} FROM roster_import ON CONFLICT (id) DO UPDATE SET {updates}",
            connection, transaction))
        {
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<HashSet<string>> GridCodesAsync(CancellationToken cancellationToken)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT code FROM unit_map WHERE length(code) = 15");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            codes.Add(reader.GetString(0));
        }

        return codes;
    }

    private sealed record Roster(string Table, string Header, string Columns, int GridField, (int Field, IReadOnlySet<string> Allowed, string Name)[] Checks);
}
