using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;

namespace OpsCentre.Database.Registries;

/// <summary>
/// One registry row as stored, decrypted: its fields by write name (<see cref="RegistryFields"/>), the provenance of
/// each field that has been written (source, collectedBy, collectedAt), and the row's own provenance (its last write).
/// </summary>
public sealed record RegistryRecord(string Registry, string Id, string UnitCode, int Version, string Source, string CollectedBy,
    DateTimeOffset CollectedAt, DateTimeOffset? RemovedAt, JsonObject Fields, JsonObject Provenance);

/// <summary>One change of the change feed (<c>registry_change</c>): field names only, never values.</summary>
public sealed record RegistryChange(long Position, string Registry, string Id, string UnitCode, string Action, int Version,
    IReadOnlyList<string> ChangedFields, string Source, string CollectedBy, DateTimeOffset At);

/// <summary>Reads of the registries: one record (decrypting its sealed fields) and the change feed.</summary>
public sealed class RegistryReader(NpgsqlDataSource db, PersonalDataCipher cipher)
{
    /// <summary>The grid of a registry row (removed or not); null for an unknown id.</summary>
    public static async Task<string?> GridOfAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, RegistryTable table, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT unit_code FROM {table.Table} WHERE id = @id", connection, tx);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>The row <paramref name="id"/> of <paramref name="table"/>, removed or not; null when there is none.</summary>
    public async Task<RegistryRecord?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, RegistryTable table, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT (to_jsonb(t) - 'search')::text FROM {table.Table} t WHERE id = @id", connection, tx);
        command.Parameters.AddWithValue("id", id);
        if (await command.ExecuteScalarAsync(ct) is not string json)
        {
            return null;
        }

        var row = JsonNode.Parse(json)!.AsObject();
        var fields = new JsonObject();
        foreach (var field in table.Fields)
        {
            if (field.Kind == RegistryFieldKind.Sealed)
            {
                fields[field.Name] = row[field.Column + "_cipher"] is { } sealedHex ? cipher.Decrypt(FromByteaHex(sealedHex.GetValue<string>())) : null;
            }
            else
            {
                fields[field.Name] = row[field.Column]?.DeepClone();
            }
        }

        return new RegistryRecord(table.Registry, id, row["unit_code"]!.GetValue<string>(), row["version"]!.GetValue<int>(),
            row["source"]!.GetValue<string>(), row["collected_by"]!.GetValue<string>(), Timestamp(row["collected_at"])!.Value,
            Timestamp(row["removed_at"]), fields, row["provenance"]!.AsObject().DeepClone().AsObject());
    }

    /// <summary>
    /// Changes after <paramref name="after"/> (a position) of rows under <paramref name="unitPrefix"/>, of one registry or
    /// all, oldest first, at most <paramref name="take"/>.
    /// </summary>
    public async Task<List<RegistryChange>> ChangesAsync(string unitPrefix, string? registry, long after, int take, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT position, registry, id, unit_code, action, version, changed_fields, source, collected_by, at FROM registry_change
            WHERE position > @after AND unit_code LIKE @prefix AND (@registry::text IS NULL OR registry = @registry)
            ORDER BY position LIMIT @take
            """);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("prefix", unitPrefix + "%");
        command.Parameters.AddWithValue("registry", (object?)registry ?? DBNull.Value);
        command.Parameters.AddWithValue("take", take);
        var changes = new List<RegistryChange>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            changes.Add(new RegistryChange(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt32(5), reader.GetFieldValue<string[]>(6), reader.GetString(7), reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9)));
        }

        return changes;
    }

    private static byte[] FromByteaHex(string hex) => Convert.FromHexString(hex.AsSpan(2));

    private static DateTimeOffset? Timestamp(JsonNode? node) =>
        node is null ? null : DateTimeOffset.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();
}
