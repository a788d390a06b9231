using Npgsql;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>
/// How often a key person of one supervision level (监管等级: strict, ordinary, lenient) checks in and is visited (回访).
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.SupervisionInterval")]
public sealed record SupervisionInterval([property: Id(0)] string Level, [property: Id(1)] TimeSpan CheckInEvery, [property: Id(2)] TimeSpan VisitEvery);

/// <summary>
/// The supervision schedule (<c>supervision_schedule</c>): one row per level. Read by the silo's <see cref="Alerts.RuleBook"/>
/// with the rules (a change moves their revision, so running grains take it within a second) and by the administration API.
/// </summary>
public sealed class SupervisionSchedules(NpgsqlDataSource db)
{
    /// <summary>The levels, as the table checks them.</summary>
    public static IReadOnlyList<string> Levels { get; } = ["strict", "ordinary", "lenient"];

    /// <summary>The longest interval a level may have.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(366);

    public async Task<List<SupervisionInterval>> ReadAsync(CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("SELECT level, check_in_every, visit_every FROM supervision_schedule ORDER BY level");
        var levels = new List<SupervisionInterval>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            levels.Add(new SupervisionInterval(reader.GetString(0), reader.GetFieldValue<TimeSpan>(1), reader.GetFieldValue<TimeSpan>(2)));
        }

        return levels;
    }

    /// <summary>The level's row, locked for the rest of <paramref name="transaction"/>, or null for an unknown level.</summary>
    public static async Task<SupervisionInterval?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string level, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT level, check_in_every, visit_every FROM supervision_schedule WHERE level = @level FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("level", level);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new SupervisionInterval(reader.GetString(0), reader.GetFieldValue<TimeSpan>(1), reader.GetFieldValue<TimeSpan>(2))
            : null;
    }

    /// <summary>Sets the level's intervals inside <paramref name="transaction"/>.</summary>
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SupervisionInterval interval, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE supervision_schedule SET check_in_every = @checkIn, visit_every = @visit WHERE level = @level", connection, transaction);
        command.Parameters.AddWithValue("level", interval.Level);
        command.Parameters.AddWithValue("checkIn", interval.CheckInEvery);
        command.Parameters.AddWithValue("visit", interval.VisitEvery);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
