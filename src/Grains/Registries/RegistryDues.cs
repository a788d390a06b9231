using Npgsql;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Grains.Registries;

/// <summary>A floating resident (流动人口) whose residence registration (居住登记) expires on <paramref name="Expiry"/> (the last valid day).</summary>
public sealed record ReRegistrationDue(string PersonId, string Name, DateOnly Expiry);

/// <summary>A key place (重点场所) whose next inspection is due on <paramref name="Due"/>.</summary>
public sealed record InspectionDue(string PlaceId, string Name, DateOnly Due);

/// <summary>A grid's dues as counted now, and when the counts next change by time alone.</summary>
/// <param name="ToReRegister">Floating residents whose registration expires within <see cref="RegistryDues.ReRegisterWithinDays"/> days, or has expired.</param>
/// <param name="PlacesOverdue">Key places whose inspection due date has passed.</param>
public sealed record GridDues(long ToReRegister, long PlacesOverdue, IReadOnlyList<InspectionDue> Places, DateTimeOffset? NextChange);

/// <summary>
/// What falls due in a grid's base information (到期): residence registrations to renew and key-place inspections. Read from the
/// registries' own tables, one grid at a time (their unit and due-date indexes), never the whole city: by the grid's worker's
/// phone for its tasks, and by the grid's <see cref="IRegistryDuesGrain"/> for its counters and overdue alerts. Dates are the
/// city's calendar (Asia/Shanghai): a registration is valid through its expiry day, an inspection is overdue from the day after it is due.
/// </summary>
public static class RegistryDues
{
    /// <summary>A floating resident is asked to re-register this many days before the registration expires.</summary>
    public const int ReRegisterWithinDays = 30;

    /// <summary>An inspection shows on the worker's phone this many days before it falls due.</summary>
    public const int InspectionShownDays = 7;

    /// <summary>The most places a grid's dues grain watches for overdue inspections.</summary>
    public const int MaxPlaces = 500;

    public static DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, IncidentDeadlines.CityTime).DateTime);

    /// <summary>The moment a city day begins (midnight, Asia/Shanghai).</summary>
    public static DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, IncidentDeadlines.CityTime.GetUtcOffset(local));
    }

    /// <summary>When an inspection due on <paramref name="due"/> becomes overdue: the start of the next day.</summary>
    public static DateTimeOffset OverdueFrom(DateOnly due) => StartOf(due.AddDays(1));

    /// <summary>The floating residents of <paramref name="grid"/> to re-register: expiring by <paramref name="horizon"/> or expired, soonest first.</summary>
    public static async Task<List<ReRegistrationDue>> ReRegistrationsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string grid, DateOnly horizon, int take, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT id, name, registration_expiry FROM registry_person
            WHERE unit_code = @grid AND residence = 'floating' AND removed_at IS NULL AND registration_expiry <= @horizon
            ORDER BY registration_expiry, id LIMIT @take
            """, connection, transaction);
        command.Parameters.AddWithValue("grid", grid);
        command.Parameters.AddWithValue("horizon", horizon);
        command.Parameters.AddWithValue("take", take);
        var rows = new List<ReRegistrationDue>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ReRegistrationDue(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2)));
        }

        return rows;
    }

    /// <summary>The key places of <paramref name="grid"/> with an inspection due by <paramref name="horizon"/> (overdue ones included), soonest first.</summary>
    public static async Task<List<InspectionDue>> InspectionsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string grid, DateOnly horizon, int take, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT id, name, next_inspection_due FROM registry_key_place
            WHERE unit_code = @grid AND removed_at IS NULL AND next_inspection_due <= @horizon
            ORDER BY next_inspection_due, id LIMIT @take
            """, connection, transaction);
        command.Parameters.AddWithValue("grid", grid);
        command.Parameters.AddWithValue("horizon", horizon);
        command.Parameters.AddWithValue("take", take);
        var rows = new List<InspectionDue>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new InspectionDue(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2)));
        }

        return rows;
    }

    /// <summary>
    /// The grid's counts as of <paramref name="now"/>, the places due by tomorrow (those the overdue rule watches; a later one is
    /// looked at when the grid next wakes), and the next moment a count changes with no write: a registration entering the
    /// 30 days, an inspection passing its day.
    /// </summary>
    public static async Task<GridDues> CountAsync(NpgsqlDataSource db, string grid, DateTimeOffset now, CancellationToken ct)
    {
        var today = Today(now);
        var horizon = today.AddDays(ReRegisterWithinDays);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM registry_person WHERE unit_code = @grid AND residence = 'floating' AND removed_at IS NULL AND registration_expiry <= @horizon),
                   (SELECT min(registration_expiry) FROM registry_person WHERE unit_code = @grid AND residence = 'floating' AND removed_at IS NULL AND registration_expiry > @horizon),
                   (SELECT count(*) FROM registry_key_place WHERE unit_code = @grid AND removed_at IS NULL AND next_inspection_due < @today),
                   (SELECT min(next_inspection_due) FROM registry_key_place WHERE unit_code = @grid AND removed_at IS NULL AND next_inspection_due >= @today)
            """, connection);
        command.Parameters.AddWithValue("grid", grid);
        command.Parameters.AddWithValue("horizon", horizon);
        command.Parameters.AddWithValue("today", today);
        long toReRegister, overdue;
        DateOnly? nextExpiry, nextDue;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            toReRegister = reader.GetInt64(0);
            nextExpiry = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateOnly>(1);
            overdue = reader.GetInt64(2);
            nextDue = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateOnly>(3);
        }

        var places = await InspectionsAsync(connection, null, grid, today, MaxPlaces, ct);
        DateTimeOffset? next = null;
        if (nextExpiry is { } expiry)
        {
            next = StartOf(expiry.AddDays(-ReRegisterWithinDays));
        }

        if (nextDue is { } due && (next is null || OverdueFrom(due) < next))
        {
            next = OverdueFrom(due);
        }

        return new GridDues(toReRegister, overdue, places, next);
    }
}
