using Npgsql;

namespace OpsCentre.Database.Collections;

/// <summary>A grid's standard address (标准地址) as a paper form lists it: the key the worker writes residents against.</summary>
public sealed record PaperAddress(string Id, string Road, string Number, string? Building, string? Unit, string? Room);

/// <summary>What a grid's summary sheet (汇总表) prints: the registries' live row counts, floating residents whose registration is due, open cases, paper records pending.</summary>
public sealed record PaperSummary(
    long Addresses, long Registered, long Floating, long FloatingDue, long Housing, long Organisations, long Places, long Components, long OpenCases, long PaperPending);

/// <summary>
/// The data of the printable forms of a grid (人+纸): its standard addresses for the registration form, its figures for the
/// summary form. Counts and addresses only — no personal data is printed.
/// </summary>
public sealed class PaperForms(NpgsqlDataSource db)
{
    /// <summary>The most addresses a registration form lists.</summary>
    public const int MaxAddresses = 300;

    public async Task<List<PaperAddress>> AddressesAsync(string grid, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT id, road, number, building, unit, room FROM registry_address
            WHERE unit_code = @grid AND removed_at IS NULL ORDER BY road, number, building NULLS FIRST, unit NULLS FIRST, room NULLS FIRST, id LIMIT @limit
            """);
        command.Parameters.AddWithValue("grid", grid);
        command.Parameters.AddWithValue("limit", MaxAddresses);
        return await command.ReadAllAsync(r => new PaperAddress(r.GetString(0), r.GetString(1), r.GetString(2), r.NullableString(3), r.NullableString(4), r.NullableString(5)), ct);
    }

    /// <summary>The grid's figures at <paramref name="today"/> (a floating resident is due when the registration expires within 30 days of it).</summary>
    public async Task<PaperSummary> SummaryAsync(string grid, DateOnly today, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT (SELECT count(*) FROM registry_address WHERE unit_code = @grid AND removed_at IS NULL),
                   (SELECT count(*) FROM registry_person WHERE unit_code = @grid AND removed_at IS NULL AND residence = 'registered'),
                   (SELECT count(*) FROM registry_person WHERE unit_code = @grid AND removed_at IS NULL AND residence = 'floating'),
                   (SELECT count(*) FROM registry_person WHERE unit_code = @grid AND removed_at IS NULL AND residence = 'floating'
                                                         AND (registration_expiry IS NULL OR registration_expiry <= @today + 30)),
                   (SELECT count(*) FROM registry_housing WHERE unit_code = @grid AND removed_at IS NULL),
                   (SELECT count(*) FROM registry_organisation WHERE unit_code = @grid AND removed_at IS NULL),
                   (SELECT count(*) FROM registry_key_place WHERE unit_code = @grid AND removed_at IS NULL),
                   (SELECT count(*) FROM registry_component WHERE unit_code = @grid AND removed_at IS NULL),
                   (SELECT count(*) FROM incident WHERE unit_code = @grid AND stage NOT IN ('closed', 'cancelled') AND drill_id IS NULL),
                   (SELECT count(*) FROM collection_record WHERE unit_code = @grid AND channel = 'paper' AND state = 'pending')
            """);
        command.Parameters.AddWithValue("grid", grid);
        command.Parameters.AddWithValue("today", today);
        return (await command.ReadAllAsync(r => new PaperSummary(
            r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9)), ct)).Single();
    }
}
