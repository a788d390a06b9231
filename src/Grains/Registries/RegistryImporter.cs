using System.Text.Json.Nodes;
using Npgsql;
using OpsCentre.Database.Registries;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Registries;

/// <summary>
/// Imports a registry's file (CSV or .xlsx, <see cref="RegistryFile"/>) for one unit through the registries' one write
/// path, <see cref="RegistryWriter"/>: a line with an id the registry holds updates that record (only the fields that
/// differ; a line equal to the record changes nothing, not even its version), any other line creates one (with the
/// line's id, or one the writer gives). Every line is written under the job's source (<c>import</c> unless the caller
/// named another), collected by the submitter at the time of the run, with the operation id <c>import:{job}:{line}</c>,
/// so the record's provenance and the change feed name the job. All or nothing: before anything is written every line
/// is checked — its shape, its unit within the job's, a duplicate ID number (population) or standard address
/// (addresses) within the file or against the registry — and every refusal of the writer (a field another source owns,
/// 一数一源; a value it rejects) is the line's; one refused line and the job's transaction is rolled back.
/// </summary>
public sealed class RegistryImporter(string registry, RegistryWriter writer, PersonalDataCipher cipher) : IImporter
{
    /// <summary>The source of an import's values when the caller names none.</summary>
    public const string DefaultSource = "import";

    private readonly RegistryTable _table = RegistryFields.Of(registry) ?? throw new ArgumentException($"no registry '{registry}'", nameof(registry));

    /// <summary>The operation id of one line's write: the job and the line, so the change feed names the job.</summary>
    public static string OpIdOf(Guid jobId, int line) => $"import:{jobId}:{line}";

    /// <summary>A line read: its id (null when it names none), the data to write.</summary>
    private sealed record Line(int Number, string? Id, JsonObject Data);

    public async Task<ImportOutcome> RunAsync(ImportInput input, NpgsqlConnection connection, NpgsqlTransaction transaction, ImportProgress progress, CancellationToken ct)
    {
        var file = TableFile.Read(input.Content);
        if (file.Problem is { } problem)
        {
            return ImportOutcome.Refused(1, null, problem);
        }

        if (RegistryFile.HeaderProblem(registry, file.Header) is { } header)
        {
            return ImportOutcome.Refused(1, null, header);
        }

        if (file.Rows.Count == 0)
        {
            return ImportOutcome.Refused(2, null, "the file lists nothing");
        }

        var source = input.Source ?? DefaultSource;
        if (!await IsSourceAsync(connection, transaction, source, ct))
        {
            return ImportOutcome.Refused(1, "source", $"{source} is not a source of the registries: {DefaultSource}, or a field's owner (registry_field_owner)");
        }

        var columns = RegistryFile.Columns(registry);
        var read = new Line?[file.Rows.Count];
        Parallel.For(0, file.Rows.Count, new ParallelOptions { CancellationToken = ct }, i => read[i] = Read(file.Rows[i], columns));
        var lines = new List<Line>(file.Rows.Count);
        var errors = new List<ImportError>();
        for (var i = 0; i < file.Rows.Count; i++)
        {
            var row = file.Rows[i];
            if (read[i] is { } line)
            {
                lines.Add(line);
            }
            else
            {
                errors.Add(LineError(row, columns));
            }

            if ((lines.Count + errors.Count) % 10_000 == 0)
            {
                progress.Report(lines.Count + errors.Count, lines.Count, errors.Count);
            }
        }

        errors.AddRange(DuplicateIds(lines));
        var held = await HeldAsync(connection, transaction, lines, ct);
        errors.AddRange(await OutOfScopeAsync(connection, transaction, lines, held, input.Unit, ct));
        errors.AddRange(registry switch
        {
            RegistryNames.Population => await DuplicateIdNumbersAsync(connection, transaction, lines, ct),
            RegistryNames.Addresses => await DuplicateAddressesAsync(connection, transaction, lines, ct),
            _ => [],
        });
        var refused = errors.Select(e => e.Line).ToHashSet();
        progress.Report(file.Rows.Count, file.Rows.Count - refused.Count, refused.Count);
        if (errors.Count > 0)
        {
            return Refusals(file.Rows.Count, errors);
        }

        var writes = lines.Select(l => Write(l, l.Id is not null && held.ContainsKey(l.Id), source, input)).ToList();
        var outcomes = await writer.ApplyManyAsync(transaction, writes, ct, claimEach: false);
        int added = 0, updated = 0, unchanged = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var outcome = outcomes[i];
            if (!outcome.IsApplied)
            {
                errors.Add(new ImportError(lines[i].Number, outcome.Field, outcome.Reason ?? outcome.Status.ToString()));
            }
            else if (writes[i].Action == RegistryActions.Create)
            {
                added++;
            }
            else if (outcome.ChangedFields.Count > 0)
            {
                updated++;
            }
            else
            {
                unchanged++;
            }
        }

        if (errors.Count > 0)
        {
            return Refusals(file.Rows.Count, errors);
        }

        return new ImportOutcome(file.Rows.Count, lines.Count, [], new ImportChanges(added, updated, 0, unchanged))
        {
            Grids = await DuesGridsAsync(connection, transaction, writes, outcomes, held, ct),
        };
    }

    /// <summary>
    /// The grids whose dues the writes may have changed, for the registries with dues (floating residents' registrations,
    /// key places' inspections): each written record's grid now, and before for a record the job moved.
    /// </summary>
    private async Task<IReadOnlyCollection<string>> DuesGridsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<RegistryWrite> writes,
        IReadOnlyList<RegistryWriteOutcome> outcomes, Dictionary<string, (string Unit, bool Removed)> held, CancellationToken ct)
    {
        if (registry is not (RegistryNames.Population or RegistryNames.KeyPlaces))
        {
            return [];
        }

        // A line that names its grid says where the record is now; only the others (placed by their address) are looked up.
        var grids = new HashSet<string>(held.Values.Select(h => h.Unit), StringComparer.Ordinal);
        var ids = new List<string>();
        for (var i = 0; i < writes.Count; i++)
        {
            if (writes[i].Data["unitCode"] is JsonValue named && named.TryGetValue<string>(out var grid) && grid.Trim().Length > 0)
            {
                grids.Add(grid.Trim());
            }
            else if (outcomes[i].Id is { } id)
            {
                ids.Add(id);
            }
        }

        if (ids.Count == 0)
        {
            return grids;
        }

        await using var command = new NpgsqlCommand($"SELECT DISTINCT unit_code FROM {_table.Table} WHERE id = ANY (@ids)", connection, transaction);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            grids.Add(reader.GetString(0));
        }

        return grids;
    }

    /// <summary>
    /// A line's write: an update of the record it names, else a create. An empty cell is no value: a new record leaves the
    /// field out, an existing one has it cleared — except a required field, which an empty cell leaves as it is.
    /// </summary>
    private RegistryWrite Write(Line line, bool update, string source, ImportInput input)
    {
        foreach (var field in _table.Fields)
        {
            if (line.Data[field.Name] is null && (!update || field.Required))
            {
                line.Data.Remove(field.Name);
            }
        }

        return new RegistryWrite(registry, line.Id, update ? RegistryActions.Update : RegistryActions.Create, line.Data, source, input.SubmittedBy, input.Now,
            OpIdOf(input.JobId, line.Number));
    }

    private static ImportOutcome Refusals(int read, List<ImportError> errors)
    {
        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : string.CompareOrdinal(a.Field, b.Field));
        return new ImportOutcome(read, read - errors.Select(e => e.Line).Distinct().Count(), errors, ImportChanges.None);
    }

    /// <summary>A line's id and data, or null when its shape is wrong (<see cref="LineError"/> says how).</summary>
    private static Line? Read(TableRow row, IReadOnlyList<RegistryColumn> columns)
    {
        if (row.Fields.Length > columns.Count || Masked(row, columns) is not null)
        {
            return null;
        }

        var data = new JsonObject();
        string? id = null;
        for (var i = 0; i < columns.Count; i++)
        {
            var cell = i < row.Fields.Length ? row.Fields[i] : "";
            if (columns[i].Field is not { } field)
            {
                id = cell.Trim().Length == 0 ? null : cell.Trim();
            }
            else
            {
                // An empty cell is no value: left out of a new record, cleared on an existing one (as the writer clears a null).
                data[field.Name] = RegistryFile.ValueOf(field, cell);
            }
        }

        return new Line(row.Line, id, data);
    }

    private static ImportError LineError(TableRow row, IReadOnlyList<RegistryColumn> columns) =>
        row.Fields.Length > columns.Count
            ? new ImportError(row.Line, null, $"expected at most {columns.Count} fields, found {row.Fields.Length}")
            : new ImportError(row.Line, Masked(row, columns)!.Code, "this looks masked (*), as an export shows personal data to a role that may not read it in clear; import the values themselves");

    /// <summary>The personal column whose cell holds a mask's asterisk (张*), so that a masked export sent back cannot overwrite the data.</summary>
    private static RegistryColumn? Masked(TableRow row, IReadOnlyList<RegistryColumn> columns) =>
        columns.Where((c, i) => c.Field is { Personal: true } && i < row.Fields.Length && row.Fields[i].Contains('*', StringComparison.Ordinal)).FirstOrDefault();

    private static IEnumerable<ImportError> DuplicateIds(List<Line> lines) =>
        Duplicates(lines.Where(l => l.Id is not null), l => l.Id!, "id", (line, other) => $"id {line.Id} is also on line {other}");

    /// <summary>Lines that share a key: each named with the other line (the first such), so both lines say what they clash with.</summary>
    private static IEnumerable<ImportError> Duplicates(IEnumerable<Line> lines, Func<Line, string> key, string field, Func<Line, int, string> reason)
    {
        foreach (var group in lines.GroupBy(key, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var list = group.ToList();
            foreach (var line in list)
            {
                var other = list.First(l => l != line).Number;
                yield return new ImportError(line.Number, field, reason(line, other));
            }
        }
    }

    /// <summary>The records the file names by id, with their grid and whether they were removed, locked until the job commits.</summary>
    private async Task<Dictionary<string, (string Unit, bool Removed)>> HeldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<Line> lines, CancellationToken ct)
    {
        var held = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        var ids = lines.Where(l => l.Id is not null).Select(l => l.Id!).Distinct().ToArray();
        if (ids.Length == 0)
        {
            return held;
        }

        await using var command = new NpgsqlCommand($"SELECT id, unit_code, removed_at IS NOT NULL FROM {_table.Table} WHERE id = ANY (@ids) FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            held[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2));
        }

        return held;
    }

    /// <summary>
    /// The job writes within its unit only: a record it updates lies there, and so does the grid a line names (or, when
    /// it names none, the grid of the address it names). A removed record is not brought back by an import.
    /// </summary>
    private async Task<List<ImportError>> OutOfScopeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<Line> lines,
        Dictionary<string, (string Unit, bool Removed)> held, string unit, CancellationToken ct)
    {
        var errors = new List<ImportError>();
        var addressGrids = _table.Field("addressId") is null ? [] : await AddressGridsAsync(connection, transaction,
            lines.Where(l => GridOf(l) is null && Text(l, "addressId") is not null).Select(l => Text(l, "addressId")!).Distinct().ToArray(), ct);
        foreach (var line in lines)
        {
            if (line.Id is not null && held.TryGetValue(line.Id, out var record))
            {
                if (!UnitCode.IsWithin(record.Unit, unit))
                {
                    errors.Add(new ImportError(line.Number, "id", $"{line.Id} is a record of a unit outside the import's unit {unit}"));
                    continue;
                }

                if (record.Removed)
                {
                    errors.Add(new ImportError(line.Number, "id", $"{line.Id} was removed; a removed record is not brought back by an import"));
                    continue;
                }
            }

            var grid = GridOf(line) ?? (Text(line, "addressId") is { } address && addressGrids.TryGetValue(address, out var g) ? g : null);
            if (grid is not null && !UnitCode.IsWithin(grid, unit))
            {
                errors.Add(new ImportError(line.Number, GridOf(line) is null ? "addressId" : "unitCode", $"grid {grid} lies outside the import's unit {unit}"));
            }
        }

        return errors;
    }

    private static string? GridOf(Line line) => Text(line, "unitCode");

    private static string? Text(Line line, string field) => line.Data[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static async Task<Dictionary<string, string>> AddressGridsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] ids, CancellationToken ct)
    {
        var grids = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Length == 0)
        {
            return grids;
        }

        await using var command = new NpgsqlCommand("SELECT id, unit_code FROM registry_address WHERE id = ANY (@ids)", connection, transaction);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            grids[reader.GetString(0)] = reader.GetString(1);
        }

        return grids;
    }

    /// <summary>
    /// 实有人口: one ID number, one resident. Lines of the file that share one (in its normal form) are each refused naming
    /// the other; a line whose ID number a live record other than its own holds is refused naming that record.
    /// </summary>
    private async Task<List<ImportError>> DuplicateIdNumbersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<Line> lines, CancellationToken ct)
    {
        var numbered = lines.Select(l => (Line: l, Number: Text(l, "idNumber") is { } n ? PersonalDataCipher.Normalise(n) : null)).Where(x => x.Number is { Length: > 0 }).ToList();
        var errors = Duplicates(numbered.Select(x => x.Line), l => PersonalDataCipher.Normalise(Text(l, "idNumber")!), "idNumber",
            (_, other) => $"the same ID number is on line {other}").ToList();
        if (numbered.Count == 0)
        {
            return errors;
        }

        var hashes = new byte[numbered.Count][];
        Parallel.For(0, numbered.Count, new ParallelOptions { CancellationToken = ct }, i => hashes[i] = cipher.Hash(numbered[i].Number!));
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            "SELECT p.id, p.id_number_hash FROM unnest(@hashes) AS h (hash) JOIN registry_person p ON p.id_number_hash = h.hash WHERE p.removed_at IS NULL",
            connection, transaction) { CommandTimeout = 0 })
        {
            command.Parameters.AddWithValue("hashes", hashes);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                holders[Convert.ToHexString((byte[])reader[1])] = reader.GetString(0);
            }
        }

        for (var i = 0; i < numbered.Count; i++)
        {
            if (holders.TryGetValue(Convert.ToHexString(hashes[i]), out var holder) && holder != numbered[i].Line.Id)
            {
                errors.Add(new ImportError(numbered[i].Line.Number, "idNumber", $"the registry's record {holder} holds this ID number"));
            }
        }

        return errors;
    }

    /// <summary>
    /// 标准地址: one standard address — road, number, building, unit, room — once in a grid. Lines of the file with the same
    /// address in the same grid are each refused naming the other; a line whose address a live record other than its own
    /// holds in that grid is refused naming the record.
    /// </summary>
    private static async Task<List<ImportError>> DuplicateAddressesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<Line> lines, CancellationToken ct)
    {
        var keyed = lines.Where(l => GridOf(l) is not null && Text(l, "road") is not null && Text(l, "number") is not null).ToList();
        var errors = Duplicates(keyed, AddressKey, "road", (_, other) => $"the same standard address (road, number, building, unit, room) in the same grid is on line {other}").ToList();
        if (keyed.Count == 0)
        {
            return errors;
        }

        string[] Column(string field) => keyed.Select(l => Text(l, field) ?? "").ToArray();
        await using var command = new NpgsqlCommand(
            """
            SELECT f.line, a.id
            FROM unnest(@lines, @units, @roads, @numbers, @buildings, @unitNames, @rooms) AS f (line, unit_code, road, number, building, unit, room)
            JOIN registry_address a ON a.unit_code = f.unit_code AND a.road = f.road AND a.number = f.number
                 AND coalesce(a.building, '') = f.building AND coalesce(a.unit, '') = f.unit AND coalesce(a.room, '') = f.room
            WHERE a.removed_at IS NULL
            """, connection, transaction) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("lines", keyed.Select(l => l.Number).ToArray());
        command.Parameters.AddWithValue("units", Column("unitCode"));
        command.Parameters.AddWithValue("roads", Column("road"));
        command.Parameters.AddWithValue("numbers", Column("number"));
        command.Parameters.AddWithValue("buildings", Column("building"));
        command.Parameters.AddWithValue("unitNames", Column("unit"));
        command.Parameters.AddWithValue("rooms", Column("room"));
        var byNumber = keyed.ToDictionary(l => l.Number);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var line = byNumber[reader.GetInt32(0)];
            var holder = reader.GetString(1);
            if (holder != line.Id)
            {
                errors.Add(new ImportError(line.Number, "road", $"the registry's record {holder} is this standard address in grid {GridOf(line)}"));
            }
        }

        return errors;
    }

    private static string AddressKey(Line line) =>
        string.Join('\u001f', new[] { "unitCode", "road", "number", "building", "unit", "room" }.Select(f => Text(line, f) ?? ""));

    private static async Task<bool> IsSourceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string source, CancellationToken ct)
    {
        if (source == DefaultSource)
        {
            return true;
        }

        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM registry_field_owner WHERE source = @source)", connection, transaction);
        command.Parameters.AddWithValue("source", source);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}
