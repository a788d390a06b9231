using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database.Operations;

namespace OpsCentre.Database.Registries;

/// <summary>
/// The one write path of the registries (collections once approved, imports, the demo city): validates a
/// <see cref="RegistryWrite"/> against <see cref="RegistryFields"/>, applies the field-ownership rule (一数一源,
/// <c>registry_field_owner</c>), and writes the row, its previous version into <c>registry_history</c> and a row of the
/// change feed (<c>registry_change</c>), all in the caller's transaction, under the operation ledger's claim of
/// (source/collectedBy, opId). A write that is not applied changes nothing: it runs inside a savepoint that is rolled
/// back, so the caller's transaction stays usable.
/// </summary>
/// <remarks>
/// Ownership: a source that does not own a field may fill it while it is empty (a grid worker's first collection of a
/// resident's name and ID number), and its provenance then names that source; once the field holds a value, only the
/// owner changes it — another source's different value is refused, naming the field and its owner. A removal is no
/// field's write: any source may remove a row (a resident moved away), and its history keeps everything.
/// </remarks>
public sealed partial class RegistryWriter(PersonalDataCipher cipher, TimeProvider clock)
{
    /// <summary>The operation ledger's kind of a registry write.</summary>
    public const string OperationKind = "registry.write";

    private const string Savepoint = "registry_write";
    private Dictionary<string, Dictionary<string, string>>? _owners;

    /// <summary>The ledger's caller of a write: its source and collector, so two collectors' op ids never collide.</summary>
    public static string CallerOf(RegistryWrite write) => $"{write.Source}/{write.CollectedBy}";

    public async Task<RegistryWriteOutcome> ApplyAsync(NpgsqlTransaction tx, RegistryWrite write, CancellationToken ct)
    {
        var connection = tx.Connection ?? throw new InvalidOperationException("the transaction has already completed");
        if (Shape(write) is { } malformed)
        {
            return malformed;
        }

        var table = RegistryFields.Of(write.Registry)!;
        var parsed = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var (name, node) in write.Data)
        {
            if (table.Field(name) is not { } field)
            {
                return RegistryWriteOutcome.Invalid(name, $"{name} is not a field of {table.Registry}; its fields: {string.Join(", ", table.Fields.Select(f => f.Name))}");
            }

            var value = Parse(field, node);
            if (value.Error is { } error)
            {
                return RegistryWriteOutcome.Invalid(name, error);
            }

            parsed[name] = value.Value!;
        }

        var id = write.Id ?? table.IdPrefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        await tx.SaveAsync(Savepoint, ct);
        try
        {
            var outcome = await ApplyAsync(connection, tx, table, write, id, parsed, ct);
            if (outcome.IsApplied)
            {
                await tx.ReleaseAsync(Savepoint, ct);
            }
            else
            {
                await tx.RollbackAsync(Savepoint, ct);
            }

            return outcome;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation or PostgresErrorCodes.CheckViolation
            or PostgresErrorCodes.NotNullViolation)
        {
            await tx.RollbackAsync(Savepoint, ct);
            return e.ConstraintName switch
            {
                "registry_person_one_id_number" => RegistryWriteOutcome.Invalid("idNumber", "another resident holds this ID number"),
                "registry_component_one_code" => RegistryWriteOutcome.Invalid("code", "another component holds this code"),
                { } name when name.EndsWith("_pkey", StringComparison.Ordinal) => RegistryWriteOutcome.Invalid("id", $"{table.Registry} already holds {id}"),
                var name => RegistryWriteOutcome.Invalid(null, $"the write breaks the rule {name}"),
            };
        }
        catch (Exception) when (tx.Connection is { State: System.Data.ConnectionState.Open })
        {
            // Anything else (a lost connection, a cancellation) is the caller's to handle; the savepoint goes with what it started.
            await tx.RollbackAsync(Savepoint, CancellationToken.None);
            throw;
        }
    }

    private static RegistryWriteOutcome? Shape(RegistryWrite write)
    {
        if (RegistryFields.Of(write.Registry) is not { } table)
        {
            return RegistryWriteOutcome.Invalid("registry", $"one of {string.Join(", ", RegistryNames.All)}");
        }

        if (!RegistryActions.All.Contains(write.Action, StringComparer.Ordinal))
        {
            return RegistryWriteOutcome.Invalid("action", $"one of {string.Join(", ", RegistryActions.All)}");
        }

        if (!OperationIds.IsValid(write.OpId))
        {
            return RegistryWriteOutcome.Invalid("opId", OperationIds.Requirement);
        }

        if (string.IsNullOrWhiteSpace(write.Source) || write.Source.Length > 60)
        {
            return RegistryWriteOutcome.Invalid("source", "required, at most 60 characters");
        }

        if (string.IsNullOrWhiteSpace(write.CollectedBy) || write.CollectedBy.Length > 200)
        {
            return RegistryWriteOutcome.Invalid("collectedBy", "required, at most 200 characters");
        }

        if (write.Id is null && write.Action != RegistryActions.Create)
        {
            return RegistryWriteOutcome.Invalid("id", $"an {write.Action} names the record's id");
        }

        if (write.Id is { } id && (id.Length > 120 || !id.StartsWith(table.IdPrefix, StringComparison.Ordinal) || id.Length == table.IdPrefix.Length
            || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
        {
            return RegistryWriteOutcome.Invalid("id", $"an id of {table.Registry} is {table.IdPrefix} followed by letters, digits, '-', '_' or '.' (at most 120 characters)");
        }

        if (write.Action == RegistryActions.Remove && write.Data.Count > 0)
        {
            return RegistryWriteOutcome.Invalid("data", "a removal carries no data");
        }

        return null;
    }

    private async Task<RegistryWriteOutcome> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryTable table,
        RegistryWrite write, string id, Dictionary<string, Value> parsed, CancellationToken ct)
    {
        var operation = new Operation(CallerOf(write), write.OpId, OperationKind, OperationIds.Hash(write.Registry, write.Id, write.Action,
            OperationIds.Json(write.Data.ToJsonString()), write.Source, write.CollectedBy, write.CollectedAt));
        var claim = await OperationLedger.ClaimAsync(connection, tx, operation, id, ct);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Reused:
                return RegistryWriteOutcome.Reused(write.OpId);
            case ClaimOutcome.Replay:
                return await ReplayAsync(connection, tx, table, write, claim.ResultId, ct);
        }

        var current = await CurrentAsync(connection, tx, table, id, ct);
        if (write.Action == RegistryActions.Create)
        {
            if (current is not null)
            {
                return RegistryWriteOutcome.Invalid("id", $"{table.Registry} already holds {id}");
            }
        }
        else if (current is null || current["removed_at"] is not null)
        {
            return RegistryWriteOutcome.NotFound(id);
        }

        var now = clock.GetUtcNow();
        if (write.Action == RegistryActions.Remove)
        {
            await SaveHistoryAsync(connection, tx, table, id, now, ct);
            var removedVersion = await ExecuteVersionAsync(connection, tx,
                $"UPDATE {table.Table} SET removed_at = @now, version = version + 1, source = @source, collected_by = @by, collected_at = @at WHERE id = @id RETURNING version",
                write, id, now, [], ct);
            await AddChangeAsync(connection, tx, table, write, id, (string)current!["unit_code"]!.GetValue<string>(), removedVersion, [], now, ct);
            return RegistryWriteOutcome.Applied(id, removedVersion, []);
        }

        // What the row holds now, field by field, in the comparable form of Value.Key.
        var before = table.Fields.ToDictionary(f => f.Name, f => current is null ? null : StoredKey(f, current), StringComparer.Ordinal);
        if (await ResolveGridAsync(connection, tx, table, parsed, before, ct) is { } gridProblem)
        {
            return gridProblem;
        }

        // A component's category is the code's digits 7–10 unless the write says it (and then they must agree).
        if (table.Registry == RegistryNames.Components && parsed.TryGetValue("code", out var code) && code.Key is { Length: 16 } digits && !parsed.ContainsKey("category"))
        {
            parsed["category"] = new Value(digits.Substring(6, 4), digits.Substring(6, 4));
        }

        var changed = table.Fields.Where(f => parsed.TryGetValue(f.Name, out var v) && v.Key != before[f.Name]).Select(f => f.Name).ToList();
        var after = new Dictionary<string, string?>(before, StringComparer.Ordinal);
        foreach (var name in changed)
        {
            after[name] = parsed[name].Key;
        }

        if (write.Action == RegistryActions.Create && table.Fields.FirstOrDefault(f => f.Required && after[f.Name] is null) is { } missing)
        {
            return RegistryWriteOutcome.Invalid(missing.Name, $"{missing.Name} is required");
        }

        if (Consistency(table, name => after[name]) is { } inconsistent)
        {
            return inconsistent;
        }

        var owners = await OwnersAsync(connection, tx, ct);
        foreach (var name in changed)
        {
            if (owners.TryGetValue(table.Registry, out var fields) && fields.TryGetValue(name, out var owner)
                && owner != write.Source && before[name] is not null)
            {
                return RegistryWriteOutcome.Refused(name, owner, write.Source);
            }
        }

        foreach (var name in changed)
        {
            if (await ReferenceProblemAsync(connection, tx, table.Field(name)!, parsed[name], ct) is { } problem)
            {
                return problem;
            }
        }

        if (changed.Count == 0)
        {
            return RegistryWriteOutcome.Applied(id, current!["version"]!.GetValue<int>(), []);
        }

        var provenance = new JsonObject();
        foreach (var name in changed)
        {
            provenance[name] = RegistryProvenance.Entry(write.Source, write.CollectedBy, write.CollectedAt, write.Channel);
        }

        int version;
        var columns = changed.Select(n => (table.Field(n)!, parsed[n])).ToList();
        if (write.Action == RegistryActions.Create)
        {
            var names = columns.SelectMany(c => ColumnsOf(c.Item1)).ToList();
            var parameters = columns.SelectMany(c => ColumnsOf(c.Item1).Select(col => "@" + col)).ToList();
            version = await ExecuteVersionAsync(connection, tx,
                $"""
                INSERT INTO {table.Table} (id, {string.Join(", ", names)}, source, collected_by, collected_at, version, provenance)
                VALUES (@id, {string.Join(", ", parameters)}, @source, @by, @at, 1, @provenance) RETURNING version
                """, write, id, now, columns, ct, provenance);
        }
        else
        {
            await SaveHistoryAsync(connection, tx, table, id, now, ct);
            var sets = columns.SelectMany(c => ColumnsOf(c.Item1)).Select(col => $"{col} = @{col}");
            version = await ExecuteVersionAsync(connection, tx,
                $"""
                UPDATE {table.Table} SET {string.Join(", ", sets)}, source = @source, collected_by = @by, collected_at = @at,
                    version = version + 1, provenance = provenance || @provenance
                WHERE id = @id RETURNING version
                """, write, id, now, columns, ct, provenance);
        }

        await AddChangeAsync(connection, tx, table, write, id, after["unitCode"]!, version, changed, now, ct);
        return RegistryWriteOutcome.Applied(id, version, changed);
    }

    private static async Task<RegistryWriteOutcome> ReplayAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryTable table,
        RegistryWrite write, string id, CancellationToken ct)
    {
        await using var change = new NpgsqlCommand(
            """
            SELECT version, changed_fields FROM registry_change
            WHERE registry = @registry AND id = @id AND op_id = @op AND source = @source AND collected_by = @by
            ORDER BY position DESC LIMIT 1
            """, connection, tx);
        change.Parameters.AddWithValue("registry", table.Registry);
        change.Parameters.AddWithValue("id", id);
        change.Parameters.AddWithValue("op", write.OpId);
        change.Parameters.AddWithValue("source", write.Source);
        change.Parameters.AddWithValue("by", write.CollectedBy);
        await using (var reader = await change.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                return RegistryWriteOutcome.Applied(id, reader.GetInt32(0), reader.GetFieldValue<string[]>(1), replayed: true);
            }
        }

        // The first write changed nothing, so it left no change row: its answer was the version the row had.
        await using var row = new NpgsqlCommand($"SELECT version FROM {table.Table} WHERE id = @id", connection, tx);
        row.Parameters.AddWithValue("id", id);
        return await row.ExecuteScalarAsync(ct) is int version
            ? RegistryWriteOutcome.Applied(id, version, [], replayed: true)
            : RegistryWriteOutcome.NotFound(id);
    }

    private static async Task<JsonObject?> CurrentAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryTable table, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT (to_jsonb(t) - 'search')::text FROM {table.Table} t WHERE id = @id FOR UPDATE", connection, tx);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) is string json ? JsonNode.Parse(json)!.AsObject() : null;
    }

    /// <summary>
    /// The grid of a row with an address is its address's: a write naming an address and no grid takes the address's, and
    /// a write whose grid and address disagree is invalid.
    /// </summary>
    private static async Task<RegistryWriteOutcome?> ResolveGridAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryTable table,
        Dictionary<string, Value> parsed, Dictionary<string, string?> before, CancellationToken ct)
    {
        if (table.Field("addressId") is { } addressField)
        {
            var addressId = parsed.TryGetValue("addressId", out var a) ? a.Key : before["addressId"];
            if (addressId is not null && (parsed.ContainsKey("addressId") || parsed.ContainsKey("unitCode")))
            {
                if (await UnitOfAsync(connection, tx, RegistryFields.Addresses.Table, addressId, ct) is not { } addressGrid)
                {
                    return RegistryWriteOutcome.Invalid("addressId", $"no address {addressId}");
                }

                if (!parsed.ContainsKey("unitCode") && parsed.ContainsKey("addressId"))
                {
                    parsed["unitCode"] = new Value(addressGrid, addressGrid);
                }
                else if (parsed["unitCode"].Key != addressGrid)
                {
                    return RegistryWriteOutcome.Invalid(addressField.Name, $"address {addressId} is in grid {addressGrid}, not {parsed["unitCode"].Key}");
                }
            }
        }

        if (parsed.TryGetValue("unitCode", out var grid) && grid.Key != before["unitCode"])
        {
            await using var command = new NpgsqlCommand("SELECT 1 FROM unit_map WHERE code = @code", connection, tx);
            command.Parameters.AddWithValue("code", grid.Key!);
            if (await command.ExecuteScalarAsync(ct) is null)
            {
                return RegistryWriteOutcome.Invalid("unitCode", $"the city has no grid {grid.Key}");
            }
        }

        return null;
    }

    /// <summary>Rules between fields of the row as it would be after the write, each field read by <paramref name="after"/> (its value, or null).</summary>
    private static RegistryWriteOutcome? Consistency(RegistryTable table, Func<string, string?> after)
    {
        switch (table.Registry)
        {
            case RegistryNames.Population when after("registrationStart") is { } start && after("registrationExpiry") is { } expiry
                                               && string.CompareOrdinal(start, expiry) > 0:
                return RegistryWriteOutcome.Invalid("registrationExpiry", "the registration expires before it starts");
            case RegistryNames.Housing when after("tenantId") is not null && after("use") != "rented":
                return RegistryWriteOutcome.Invalid("tenantId", "only a rented dwelling has a tenant");
            case RegistryNames.Components:
                var code = after("code")!;
                if (after("category") is { } category && category != code.Substring(6, 4))
                {
                    return RegistryWriteOutcome.Invalid("category", $"the code {code} names category {code.Substring(6, 4)}");
                }

                if (after("unitCode") is { } grid && !code.StartsWith(grid[..6], StringComparison.Ordinal))
                {
                    return RegistryWriteOutcome.Invalid("code", $"a component code begins with its district's code {grid[..6]}");
                }

                break;
        }

        return null;
    }

    private static async Task<RegistryWriteOutcome?> ReferenceProblemAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryField field, Value value, CancellationToken ct)
    {
        if (field.Kind != RegistryFieldKind.Reference || value.Key is null)
        {
            return null;
        }

        var found = field.References == RegistryFields.KeyPersonReference
            ? await KeyPersonExistsAsync(connection, tx, value.Key, ct)
            : await UnitOfAsync(connection, tx, RegistryFields.Of(field.References)!.Table, value.Key, ct) is not null;
        return found ? null : RegistryWriteOutcome.Invalid(field.Name, $"no {(field.References == RegistryFields.KeyPersonReference ? "key person" : field.References)} record {value.Key}");
    }

    private static async Task<string?> UnitOfAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string table, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT unit_code FROM {table} WHERE id = @id AND removed_at IS NULL", connection, tx);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<bool> KeyPersonExistsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT 1 FROM key_person WHERE id = @id AND ended_at IS NULL", connection, tx);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>The owners of fields (registry → field → source). They change only by migration, so one read per process serves.</summary>
    private async Task<Dictionary<string, Dictionary<string, string>>> OwnersAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (_owners is { } owners)
        {
            return owners;
        }

        owners = [];
        await using var command = new NpgsqlCommand("SELECT registry, field, source FROM registry_field_owner", connection, tx);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var registry = reader.GetString(0);
            if (!owners.TryGetValue(registry, out var fields))
            {
                owners[registry] = fields = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            fields[reader.GetString(1)] = reader.GetString(2);
        }

        return _owners = owners;
    }

    private static async Task SaveHistoryAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryTable table, string id, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO registry_history (registry, id, version, row_data, source, collected_by, collected_at, replaced_at)
            SELECT @registry, id, version, to_jsonb(t) - 'search', source, collected_by, collected_at, @now FROM {table.Table} t WHERE id = @id
            """, connection, tx);
        command.Parameters.AddWithValue("registry", table.Registry);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<int> ExecuteVersionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, RegistryWrite write, string id,
        DateTimeOffset now, List<(RegistryField Field, Value Value)> columns, CancellationToken ct, JsonObject? provenance = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("source", write.Source);
        command.Parameters.AddWithValue("by", write.CollectedBy);
        command.Parameters.AddWithValue("at", write.CollectedAt.ToUniversalTime());
        if (provenance is not null)
        {
            command.Parameters.Add(new NpgsqlParameter("provenance", NpgsqlDbType.Jsonb) { Value = provenance.ToJsonString() });
        }

        foreach (var (field, value) in columns)
        {
            if (field.Kind == RegistryFieldKind.Sealed)
            {
                var clear = value.Stored as string;
                command.Parameters.Add(new NpgsqlParameter(field.Column + "_cipher", NpgsqlDbType.Bytea) { Value = clear is null ? DBNull.Value : cipher.Encrypt(clear) });
                command.Parameters.Add(new NpgsqlParameter(field.Column + "_hash", NpgsqlDbType.Bytea) { Value = clear is null ? DBNull.Value : cipher.Hash(clear) });
            }
            else
            {
                command.Parameters.AddWithValue(field.Column, value.Stored ?? DBNull.Value);
            }
        }

        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task AddChangeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryTable table, RegistryWrite write, string id,
        string unitCode, int version, List<string> changed, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO registry_change (registry, id, unit_code, action, version, changed_fields, source, collected_by, op_id, at)
            VALUES (@registry, @id, @unit, @action, @version, @changed, @source, @by, @op, @now)
            """, connection, tx);
        command.Parameters.AddWithValue("registry", table.Registry);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("unit", unitCode);
        command.Parameters.AddWithValue("action", write.Action);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("changed", changed.ToArray());
        command.Parameters.AddWithValue("source", write.Source);
        command.Parameters.AddWithValue("by", write.CollectedBy);
        command.Parameters.AddWithValue("op", write.OpId);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static IEnumerable<string> ColumnsOf(RegistryField field) =>
        field.Kind == RegistryFieldKind.Sealed ? [field.Column + "_cipher", field.Column + "_hash"] : [field.Column];

    /// <summary>
    /// A parsed value: <see cref="Stored"/> for the column (a sealed field's normal clear text, encrypted when written),
    /// <see cref="Key"/> to compare with what the row holds (a sealed field's keyed hash as <c>\x…</c> hex, as
    /// <c>to_jsonb</c> writes bytea); both null for a cleared field.
    /// </summary>
    private sealed record Value(object? Stored, string? Key);

    private readonly record struct Parsed(Value? Value, string? Error);

    private string? StoredKey(RegistryField field, JsonObject row)
    {
        var node = row[field.Kind == RegistryFieldKind.Sealed ? field.Column + "_hash" : field.Column];
        if (node is null)
        {
            return null;
        }

        return field.Kind switch
        {
            RegistryFieldKind.Integer => node.GetValue<long>().ToString(CultureInfo.InvariantCulture),
            RegistryFieldKind.Number => node.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
            _ => node.GetValue<string>(),
        };
    }

    private Parsed Parse(RegistryField field, JsonNode? node)
    {
        if (node is null)
        {
            return field.Required ? new(null, $"{field.Name} is required and may not be cleared") : new(new Value(null, null), null);
        }

        if (node is not JsonValue value)
        {
            return new(null, $"{field.Name} is a single value");
        }

        var kind = value.GetValueKind();
        if (field.Kind is RegistryFieldKind.Integer or RegistryFieldKind.Number)
        {
            if (kind != JsonValueKind.Number || !NumberOf(value, out var number) || !double.IsFinite(number) || number < field.Min || number > field.Max)
            {
                return new(null, $"{field.Name} is a number from {field.Min} to {field.Max}");
            }

            if (field.Kind == RegistryFieldKind.Integer)
            {
                return number != Math.Floor(number)
                    ? new(null, $"{field.Name} is a whole number")
                    : new(new Value((int)number, ((long)number).ToString(CultureInfo.InvariantCulture)), null);
            }

            return new(new Value(number, number.ToString("R", CultureInfo.InvariantCulture)), null);
        }

        if (kind != JsonValueKind.String)
        {
            return new(null, $"{field.Name} is a string");
        }

        var text = value.GetValue<string>().Trim();
        if (text.Length == 0)
        {
            return field.Required ? new(null, $"{field.Name} is required") : new(new Value(null, null), null);
        }

        if (text.Length > field.MaxLength && field.Kind != RegistryFieldKind.Sealed)
        {
            return new(null, $"{field.Name} is at most {field.MaxLength} characters");
        }

        if (text.Any(char.IsControl))
        {
            return new(null, $"{field.Name} holds control characters");
        }

        switch (field.Kind)
        {
            case RegistryFieldKind.Choice:
                return field.Choices!.Contains(text, StringComparer.Ordinal) ? new(new Value(text, text), null) : new(null, $"{field.Name} is one of {string.Join(", ", field.Choices!)}");
            case RegistryFieldKind.Date:
                return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? new(new Value(date, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), null)
                    : new(null, $"{field.Name} is a date, yyyy-MM-dd");
            case RegistryFieldKind.Grid:
                return text.Length == 15 && text.All(char.IsAsciiDigit) ? new(new Value(text, text), null) : new(null, $"{field.Name} is a grid's 15-digit unit code");
            case RegistryFieldKind.Sealed:
                var normal = PersonalDataCipher.Normalise(text);
                var problem = field.Name switch
                {
                    "idNumber" => IdNumbers.IsValid(normal) ? null : "idNumber is an 18-character resident ID number (GB 11643) with its check digit",
                    "phone" => PhoneIsValid(normal) ? null : "phone is 7 to 15 digits, optionally after +",
                    _ => normal.Length <= field.MaxLength ? null : $"{field.Name} is at most {field.MaxLength} characters",
                };
                return problem is null ? new(new Value(normal, @"\x" + Convert.ToHexStringLower(cipher.Hash(normal))), null) : new(null, problem);
            case RegistryFieldKind.Text when field.Name == "code":
                return text.Length == 16 && text.All(char.IsAsciiDigit) ? new(new Value(text, text), null)
                    : new(null, "code is 16 digits: district (6), category (4), serial (6)");
            case RegistryFieldKind.Text when field.Name == "category":
                return text.Length == 4 && text.All(char.IsAsciiDigit) ? new(new Value(text, text), null) : new(null, "category is 4 digits (major class, subclass)");
            default:
                return new(new Value(text, text), null);
        }
    }

    /// <summary>A JSON number's value: read directly when the node holds a .NET number (an import's cells), else from its JSON text.</summary>
    private static bool NumberOf(JsonValue value, out double number)
    {
        if (value.TryGetValue<long>(out var whole))
        {
            number = whole;
            return true;
        }

        if (value.TryGetValue<double>(out number))
        {
            return true;
        }

        return double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    private static bool PhoneIsValid(string phone)
    {
        var digits = phone.StartsWith('+') ? phone[1..] : phone;
        return digits.Length is >= 7 and <= 15 && digits.All(char.IsAsciiDigit);
    }
}

/// <summary>Resident identity card numbers (居民身份证号码, GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character.</summary>
public static class IdNumbers
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    public static bool IsValid(string id) =>
        id.Length == 18 && id[..17].All(char.IsAsciiDigit) && id[17] == CheckCharacter(id.AsSpan(0, 17));

    /// <summary>The check character of the first 17 digits.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }
}
