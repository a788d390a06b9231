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
/// <summary>A standard address found for a text: its id, its grid and its position.</summary>
public sealed record PlacedAddress(string AddressId, string UnitCode, double Lat, double Lon);

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
            Timestamp(row["removed_at"]), fields, RegistryProvenance.PerField(row["provenance"]!.AsObject(), table, fields));
    }

    /// <summary>What a resident may say before the standard address: the province, the city, a district (锦江区).</summary>
    private static readonly System.Text.RegularExpressions.Regex AddressPrefix = new("^(四川省)?(成都市)?(\\p{IsCJKUnifiedIdeographs}{1,4}?[区县市])?");

    /// <summary>
    /// Where a standard address (标准地址) said as one run of text lies: the position and grid of the live address whose
    /// road, number, building, unit and room (or road and number alone, a building's door) are <paramref name="text"/>
    /// without spaces, optionally after 四川省, 成都市 and a district's name; null when the registry holds no such address
    /// with a position, or more than one building under a bare road and number that disagree on their grid.
    /// </summary>
    public async Task<PlacedAddress?> PlaceAsync(string text, CancellationToken ct)
    {
        var said = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        var bare = AddressPrefix.Replace(said, "");
        await using var command = db.CreateCommand(
            """
            SELECT id, unit_code, lat, lon,
                   road || number || coalesce(building, '') || coalesce(unit, '') || coalesce(room, '') IN (@said, @bare) AS whole
            FROM registry_address
            WHERE removed_at IS NULL AND lat IS NOT NULL AND lon IS NOT NULL
              AND (road || number || coalesce(building, '') || coalesce(unit, '') || coalesce(room, '') IN (@said, @bare)
                   OR road || number IN (@said, @bare))
            ORDER BY whole DESC, id
            LIMIT 50
            """);
        command.Parameters.AddWithValue("said", said);
        command.Parameters.AddWithValue("bare", bare);
        var found = new List<(PlacedAddress Place, bool Whole)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                found.Add((new PlacedAddress(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3)), reader.GetBoolean(4)));
            }
        }

        // The address itself; or a building's door (road and number) whose dwellings all lie in one grid.
        return found.Count == 0 ? null
            : found[0].Whole || found.All(f => f.Place.UnitCode == found[0].Place.UnitCode) ? found[0].Place
            : null;
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
