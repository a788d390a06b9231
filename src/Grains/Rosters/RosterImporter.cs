using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Rosters;

/// <summary>
/// Imports the rosters of grid workers (网格员) and key persons (重点人员) from CSV or Excel (.xlsx) with the header row
/// <see cref="WorkersHeader"/> or <see cref="KeyPersonsHeader"/>, for one unit (the job's scope). All or nothing: every line
/// is validated (fields, codes, coordinates, that the grid is in the map and within the unit), and one bad line means
/// nothing changes and every problem is reported by line and field. Otherwise the file is the unit's roster: a person
/// in it is added, updated, brought back (ended before) or left as is; a person of the unit missing from it is ended —
/// kept, with <c>ended_at</c> — and every change goes to <c>import_change</c> with the old and new values. A person
/// the roster holds in another unit may be moved in only when that unit lies within the submitter's own.
/// </summary>
public sealed class RosterImporter : IImporter
{
    public const string WorkersHeader = "id,name,phone,assignedGrid,homeLat,homeLon";
    public const string KeyPersonsHeader = "id,name,idNumber,category,supervisionLevel,gridCode,homeLat,homeLon";

    public static IReadOnlySet<string> Categories { get; } = new HashSet<string> { "community-corrections", "released-prisoner", "drug-rehabilitation", "mental-disorder" };

    public static IReadOnlySet<string> SupervisionLevels { get; } = new HashSet<string> { "strict", "ordinary", "lenient" };

    /// <summary>The most characters of one field.</summary>
    public const int MaxField = 200;

    public static RosterImporter Workers { get; } = new("grid_worker", "worker", WorkersHeader, "id, name, phone, assigned_grid, home_lat, home_lon", "assigned_grid", []);

    public static RosterImporter KeyPersons { get; } = new("key_person", "key-person", KeyPersonsHeader,
        "id, name, id_number, category, supervision_level, grid_code, home_lat, home_lon", "grid_code",
        [(3, Categories), (4, SupervisionLevels)]);

    private readonly string _table;
    private readonly string _subject;
    private readonly string[] _header;
    private readonly string _columns;
    private readonly string _gridColumn;
    private readonly int _gridField;
    private readonly (int Field, IReadOnlySet<string> Allowed)[] _checks;

    private RosterImporter(string table, string subject, string header, string columns, string gridColumn, (int Field, IReadOnlySet<string> Allowed)[] checks)
    {
        _table = table;
        _subject = subject;
        _header = header.Split(',');
        _columns = columns;
        _gridColumn = gridColumn;
        _gridField = Array.IndexOf(columns.Split(", "), gridColumn);
        _checks = checks;
    }

    /// <summary>A roster line: its text fields (all but the home position), and the home position.</summary>
    private sealed record Person(int Line, string[] Text, double HomeLat, double HomeLon)
    {
        public string Id => Text[0];

        public bool SameAs(Person other) => Text.SequenceEqual(other.Text) && HomeLat == other.HomeLat && HomeLon == other.HomeLon;
    }

    public async Task<ImportOutcome> RunAsync(ImportInput input, NpgsqlConnection connection, NpgsqlTransaction transaction, ImportProgress progress, CancellationToken ct)
    {
        var table = TableFile.Read(input.Content);
        if (table.Problem is { } problem)
        {
            return ImportOutcome.Refused(1, null, problem);
        }

        if (!table.Header.SequenceEqual(_header, StringComparer.OrdinalIgnoreCase))
        {
            return ImportOutcome.Refused(1, null, $"the header must be exactly: {string.Join(',', _header)}");
        }

        if (table.Rows.Count == 0)
        {
            // A roster without people would end everyone in the unit: more likely a wrong file than the unit's truth.
            return ImportOutcome.Refused(2, null, "the file lists nobody");
        }

        var grids = await GridCodesAsync(connection, transaction, ct);
        var people = new List<Person>();
        var errors = new List<ImportError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            if (Validate(row, input.Unit, grids, ids) is { } error)
            {
                errors.Add(error);
            }
            else
            {
                people.Add(new Person(row.Line, row.Fields[..^2], Parse(row.Fields[^2]), Parse(row.Fields[^1])));
            }

            if ((people.Count + errors.Count) % 1000 == 0)
            {
                progress.Report(people.Count + errors.Count, people.Count, errors.Count);
            }
        }

        progress.Report(table.Rows.Count, people.Count, errors.Count);
        var held = await HeldAsync(connection, transaction, input.Unit, ids, ct);
        var refusedMoves = 0;
        foreach (var person in people)
        {
            // Moving someone in from another unit takes them from that unit's roster: only within the submitter's own scope.
            if (held.TryGetValue(person.Id, out var now) && now.EndedAt is null && !UnitCode.IsWithin(Grid(now.Person), input.Unit)
                && !UnitCode.IsWithin(Grid(now.Person), input.CallerUnit))
            {
                errors.Add(new ImportError(person.Line, "id", $"{person.Id} is on the roster of a unit outside yours"));
                refusedMoves++;
            }
        }

        if (errors.Count > 0)
        {
            errors.Sort((a, b) => a.Line.CompareTo(b.Line));
            return new ImportOutcome(table.Rows.Count, people.Count - refusedMoves, errors, ImportChanges.None);
        }

        var (write, changes, history) = Diff(people, held, input.Unit);
        await StoreAsync(write, changes, history, input, connection, transaction, ct);
        return new ImportOutcome(table.Rows.Count, people.Count, [],
            new ImportChanges(changes.Added, changes.Updated, changes.Ended.Count, changes.Unchanged));
    }

    private ImportError? Validate(TableRow row, string unit, HashSet<string> grids, HashSet<string> ids)
    {
        var fields = row.Fields;
        if (fields.Length != _header.Length)
        {
            return new ImportError(row.Line, null, $"expected {_header.Length} fields, found {fields.Length}");
        }

        for (var i = 0; i < fields.Length; i++)
        {
            if (fields[i].Length == 0)
            {
                return new ImportError(row.Line, _header[i], $"{_header[i]} is empty");
            }

            if (fields[i].Length > MaxField)
            {
                return new ImportError(row.Line, _header[i], $"{_header[i]}: at most {MaxField} characters");
            }
        }

        foreach (var (field, allowed) in _checks)
        {
            if (!allowed.Contains(fields[field]))
            {
                return new ImportError(row.Line, _header[field], $"{_header[field]} must be one of {string.Join(", ", allowed)}");
            }
        }

        var grid = fields[_gridField];
        if (!UnitCode.IsValid(grid) || UnitCode.LevelOf(grid) != UnitLevel.Grid || !grids.Contains(grid))
        {
            return new ImportError(row.Line, _header[_gridField], $"{_header[_gridField]} {grid} is not a grid of the map");
        }

        if (!UnitCode.IsWithin(grid, unit))
        {
            return new ImportError(row.Line, _header[_gridField], $"grid {grid} lies outside the import's unit {unit}");
        }

        if (!double.TryParse(fields[^2], NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || !double.IsFinite(lat) || lat is < -90 or > 90)
        {
            return new ImportError(row.Line, _header[^2], "homeLat must be WGS-84 decimal degrees");
        }

        if (!double.TryParse(fields[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var lon) || !double.IsFinite(lon) || lon is < -180 or > 180)
        {
            return new ImportError(row.Line, _header[^1], "homeLon must be WGS-84 decimal degrees");
        }

        return ids.Add(fields[0]) ? null : new ImportError(row.Line, "id", "the id appears more than once");
    }

    private string Grid(Person person) => person.Text[_gridField];

    private sealed record Held(Person Person, DateTimeOffset? EndedAt);

    private sealed record Counts(int Added, int Updated, int Unchanged, List<string> Ended);

    private sealed record Change(string Id, string Action, Person? Old, Person? New);

    /// <summary>The roster rows that the file speaks of: its ids wherever they are, and everyone now active within the unit; locked until the import commits.</summary>
    private async Task<Dictionary<string, Held>> HeldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string unit, HashSet<string> ids, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {_columns}, ended_at FROM {_table}
            WHERE id = ANY (@ids) OR ({_gridColumn} LIKE @prefix AND ended_at IS NULL)
            FOR UPDATE
            """, connection, transaction);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        command.Parameters.AddWithValue("prefix", unit + "%");
        var held = new Dictionary<string, Held>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var texts = _header.Length - 2;
        while (await reader.ReadAsync(ct))
        {
            var text = new string[texts];
            for (var i = 0; i < texts; i++)
            {
                text[i] = reader.GetString(i);
            }

            held[text[0]] = new Held(new Person(0, text, reader.GetDouble(texts), reader.GetDouble(texts + 1)), reader.IsDBNull(texts + 2) ? null : reader.GetFieldValue<DateTimeOffset>(texts + 2));
        }

        return held;
    }

    private (List<Person> Write, Counts Counts, List<Change> History) Diff(List<Person> people, Dictionary<string, Held> held, string unit)
    {
        var write = new List<Person>();
        var history = new List<Change>();
        int added = 0, updated = 0, unchanged = 0;
        var inFile = new HashSet<string>(StringComparer.Ordinal);
        foreach (var person in people)
        {
            inFile.Add(person.Id);
            if (!held.TryGetValue(person.Id, out var now))
            {
                added++;
                write.Add(person);
                history.Add(new Change(person.Id, "added", null, person));
            }
            else if (now.EndedAt is not null)
            {
                added++;
                write.Add(person);
                history.Add(new Change(person.Id, "returned", now.Person, person));
            }
            else if (!now.Person.SameAs(person))
            {
                updated++;
                write.Add(person);
                history.Add(new Change(person.Id, "updated", now.Person, person));
            }
            else
            {
                unchanged++;
            }
        }

        var ended = new List<string>();
        foreach (var (id, now) in held)
        {
            if (now.EndedAt is null && !inFile.Contains(id) && UnitCode.IsWithin(Grid(now.Person), unit))
            {
                ended.Add(id);
                history.Add(new Change(id, "ended", now.Person, null));
            }
        }

        return (write, new Counts(added, updated, unchanged, ended), history);
    }

    private async Task StoreAsync(List<Person> write, Counts counts, List<Change> history, ImportInput input, NpgsqlConnection connection,
        NpgsqlTransaction transaction, CancellationToken ct)
    {
        if (write.Count > 0)
        {
            await using (var create = new NpgsqlCommand(
                $"CREATE TEMP TABLE roster_import ON COMMIT DROP AS SELECT {_columns} FROM {_table} WITH NO DATA", connection, transaction))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            await using (var import = await connection.BeginBinaryImportAsync($"COPY roster_import ({_columns}) FROM STDIN (FORMAT BINARY)", ct))
            {
                foreach (var person in write)
                {
                    await import.StartRowAsync(ct);
                    foreach (var text in person.Text)
                    {
                        await import.WriteAsync(text, NpgsqlDbType.Text, ct);
                    }

                    await import.WriteAsync(person.HomeLat, NpgsqlDbType.Double, ct);
                    await import.WriteAsync(person.HomeLon, NpgsqlDbType.Double, ct);
                }

                await import.CompleteAsync(ct);
            }

            var updates = string.Join(", ", _columns.Split(", ").Skip(1).Select(c => $"{c} = excluded.{c}"));
            await using var upsert = new NpgsqlCommand(
                $"""
                INSERT INTO {_table} ({_columns}) SELECT {_columns} FROM roster_import
                ON CONFLICT (id) DO UPDATE SET {updates}, ended_at = NULL, ended_by_job = NULL
                """, connection, transaction);
            await upsert.ExecuteNonQueryAsync(ct);
        }

        if (counts.Ended.Count > 0)
        {
            await using var end = new NpgsqlCommand($"UPDATE {_table} SET ended_at = @now, ended_by_job = @job WHERE id = ANY (@ids)", connection, transaction);
            end.Parameters.AddWithValue("now", input.Now.ToUniversalTime());
            end.Parameters.AddWithValue("job", input.JobId);
            end.Parameters.AddWithValue("ids", counts.Ended.ToArray());
            await end.ExecuteNonQueryAsync(ct);
        }

        await using var log = await connection.BeginBinaryImportAsync(
            "COPY import_change (job_id, subject, subject_id, action, old_value, new_value, at) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var change in history)
        {
            await log.StartRowAsync(ct);
            await log.WriteAsync(input.JobId, NpgsqlDbType.Uuid, ct);
            await log.WriteAsync(_subject, NpgsqlDbType.Text, ct);
            await log.WriteAsync(change.Id, NpgsqlDbType.Text, ct);
            await log.WriteAsync(change.Action, NpgsqlDbType.Text, ct);
            await WriteJsonAsync(log, change.Old, ct);
            await WriteJsonAsync(log, change.New, ct);
            await log.WriteAsync(input.Now.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
        }

        await log.CompleteAsync(ct);
    }

    private async Task WriteJsonAsync(NpgsqlBinaryImporter log, Person? person, CancellationToken ct)
    {
        if (person is null)
        {
            await log.WriteNullAsync(ct);
            return;
        }

        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < person.Text.Length; i++)
        {
            values[_header[i]] = person.Text[i];
        }

        values[_header[^2]] = person.HomeLat;
        values[_header[^1]] = person.HomeLon;
        if (_subject == "key-person")
        {
            // A key person's name, identity number and home are personal data: the history says that they changed, and to
            // what digest, but keeps no copy of them beside the record itself (which masks and audits every read).
            foreach (var field in PersonalFields)
            {
                values[field] = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                    System.Text.Encoding.UTF8.GetBytes(Convert.ToString(values[field], CultureInfo.InvariantCulture)!)))[..16];
            }
        }

        await log.WriteAsync(JsonSerializer.Serialize(values), NpgsqlDbType.Jsonb, ct);
    }

    /// <summary>The key-person fields the import history keeps only as digests.</summary>
    private static readonly string[] PersonalFields = ["name", "idNumber", "homeLat", "homeLon"];

    private static double Parse(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static async Task<HashSet<string>> GridCodesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT code FROM unit_map WHERE length(code) = 15", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            codes.Add(reader.GetString(0));
        }

        return codes;
    }
}
