using Npgsql;
using OpsCentre.Database;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.Incidents;

/// <summary>One line of the responsibility list (权责清单): cases of <c>Category</c> within <c>PlaceCode</c> go to <c>ResponsibleCode</c>; <c>Auto</c> dispatches them at once.</summary>
public sealed record ResponsibilityEntry(string Category, string PlaceCode, string ResponsibleCode, bool Auto);

/// <summary>A published version of a district's responsibility list, whole.</summary>
public sealed record ResponsibilityListVersion(
    string DistrictCode, int Version, string Note, string PublishedBy, DateTimeOffset PublishedAt, IReadOnlyList<ResponsibilityEntry> Entries);

/// <summary>What the list says for a case: the entry that applies and the version it is from.</summary>
public sealed record ResponsibilityMatch(int Version, ResponsibilityEntry Entry);

/// <summary>
/// The responsibility lists in PostgreSQL (<c>responsibility_list_version</c>, <c>responsibility_entry</c>, migration 0035):
/// each publication is a new version of the district's whole list, under the publisher's operation id; the current list is
/// the highest version. For a case the entry of its category whose place is the longest prefix of the case's unit applies.
/// </summary>
public sealed class ResponsibilityList(NpgsqlDataSource db)
{
    /// <summary>Publishes <paramref name="entries"/> as the district's next version (once per operation id: a retry answers the version it made).</summary>
    public async Task<(ClaimOutcome Outcome, ResponsibilityListVersion? Version)> PublishAsync(
        Operation operation, string district, string note, IReadOnlyList<ResponsibilityEntry> entries, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Publications of one district serialise on this lock: versions are gap-free and never collide.
        await using (var serialise = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('responsibility-list:' || @district))", connection, transaction))
        {
            serialise.Parameters.AddWithValue("district", district);
            await serialise.ExecuteNonQueryAsync(ct);
        }

        int next;
        await using (var max = new NpgsqlCommand("SELECT coalesce(max(version), 0) + 1 FROM responsibility_list_version WHERE district_code = @district", connection, transaction))
        {
            max.Parameters.AddWithValue("district", district);
            next = (int)(await max.ExecuteScalarAsync(ct))!;
        }

        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, $"{district}/{next}", ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return (claim.Outcome, null);
        }

        var version = int.Parse(claim.ResultId[(claim.ResultId.IndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO responsibility_list_version (district_code, version, note, published_by, published_at) VALUES (@district, @version, @note, @by, @now)",
                connection, transaction);
            insert.Parameters.AddWithValue("district", district);
            insert.Parameters.AddWithValue("version", version);
            insert.Parameters.AddWithValue("note", note);
            insert.Parameters.AddWithValue("by", operation.Caller);
            insert.Parameters.AddWithValue("now", now.ToUniversalTime());
            await insert.ExecuteNonQueryAsync(ct);
            foreach (var e in entries)
            {
                await using var add = new NpgsqlCommand(
                    """
                    INSERT INTO responsibility_entry (district_code, version, category, place_code, responsible_code, auto)
                    VALUES (@district, @version, @category, @place, @responsible, @auto)
                    """, connection, transaction);
                add.Parameters.AddWithValue("district", district);
                add.Parameters.AddWithValue("version", version);
                add.Parameters.AddWithValue("category", e.Category);
                add.Parameters.AddWithValue("place", e.PlaceCode);
                add.Parameters.AddWithValue("responsible", e.ResponsibleCode);
                add.Parameters.AddWithValue("auto", e.Auto);
                await add.ExecuteNonQueryAsync(ct);
            }
        }

        var stored = await ReadAsync(connection, transaction, district, version, ct);
        await transaction.CommitAsync(ct);
        return (claim.Outcome, stored);
    }

    /// <summary>A version of the district's list; the current one when <paramref name="version"/> is null; null when there is none.</summary>
    public async Task<ResponsibilityListVersion?> FindAsync(string district, int? version, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var v = version;
        if (v is null)
        {
            await using var max = new NpgsqlCommand("SELECT max(version) FROM responsibility_list_version WHERE district_code = @district", connection);
            max.Parameters.AddWithValue("district", district);
            v = await max.ExecuteScalarAsync(ct) is int found ? found : null;
        }

        return v is null ? null : await ReadAsync(connection, null, district, v.Value, ct);
    }

    /// <summary>The entry of the district's current list that applies to a case of <paramref name="category"/> in <paramref name="unitCode"/>; null when none does.</summary>
    public async Task<ResponsibilityMatch?> MatchAsync(string category, string unitCode, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            SELECT e.version, e.category, e.place_code, e.responsible_code, e.auto FROM responsibility_entry e
            WHERE e.district_code = left(@unit, 6) AND e.category = @category AND @unit LIKE e.place_code || '%'
              AND e.version = (SELECT max(version) FROM responsibility_list_version v WHERE v.district_code = left(@unit, 6))
            ORDER BY length(e.place_code) DESC LIMIT 1
            """);
        command.Parameters.AddWithValue("unit", unitCode);
        command.Parameters.AddWithValue("category", category);
        return (await command.ReadAllAsync(r => new ResponsibilityMatch(r.GetInt32(0), new ResponsibilityEntry(r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4))), ct))
            .SingleOrDefault();
    }

    private static async Task<ResponsibilityListVersion?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string district, int version, CancellationToken ct)
    {
        ResponsibilityListVersion? head;
        await using (var command = new NpgsqlCommand(
            "SELECT note, published_by, published_at FROM responsibility_list_version WHERE district_code = @district AND version = @version", connection, transaction))
        {
            command.Parameters.AddWithValue("district", district);
            command.Parameters.AddWithValue("version", version);
            head = (await command.ReadAllAsync(r => new ResponsibilityListVersion(district, version, r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), []), ct))
                .SingleOrDefault();
        }

        if (head is null)
        {
            return null;
        }

        await using var entries = new NpgsqlCommand(
            """
            SELECT category, place_code, responsible_code, auto FROM responsibility_entry
            WHERE district_code = @district AND version = @version ORDER BY category, place_code
            """, connection, transaction);
        entries.Parameters.AddWithValue("district", district);
        entries.Parameters.AddWithValue("version", version);
        return head with { Entries = await entries.ReadAllAsync(r => new ResponsibilityEntry(r.GetString(0), r.GetString(1), r.GetString(2), r.GetBoolean(3)), ct) };
    }
}
