using Npgsql;

namespace OpsCentre.Grains.Incidents;

/// <summary>
/// Assessment KPIs (考核) of the cases reported in a period, for a unit (its cases), a department (cases
/// it is responsible for) or a worker (cases assigned to them). Each rate is numerator / denominator,
/// <c>null</c> when the denominator is 0:
/// <list type="bullet">
/// <item><c>onTimeClosureRate</c> (按期结案率): closed by their due time (with approved extensions) / closed.</item>
/// <item><c>closureRate</c> (结案率): closed / reported and not cancelled.</item>
/// <item><c>reworkRate</c> (返工率): failed verification at least once / verified at least once.</item>
/// <item><c>extensionRate</c> (延期率): at least one extension approved / dispatched.</item>
/// <item><c>meanMinutesByStage</c>: mean minutes spent in each stage, over the cases that left it.</item>
/// </list>
/// Computed from the case list that the database keeps from the event log in the same transaction as
/// each event (<c>incident</c>, migration 0006), so the figures always agree with the log.
/// </summary>
public sealed class IncidentKpis(NpgsqlDataSource db)
{
    public sealed record Figures(
        double? OnTimeClosureRate, double? ClosureRate, double? ReworkRate, double? ExtensionRate,
        IReadOnlyDictionary<string, double> MeanMinutesByStage, long Count);

    public enum Scope
    {
        Unit,
        Department,
        Worker,
    }

    public async Task<Figures> ComputeAsync(Scope scope, string code, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var population = scope switch
        {
            Scope.Unit => "unit_code LIKE @code || '%'",
            Scope.Department => "responsible_code = @code",
            _ => "assigned_worker = @code",
        };
        var where = $"{population} AND reported_at >= @from AND reported_at < @to";
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var counts = new NpgsqlCommand(
            $"""
            SELECT count(*),
                   count(*) FILTER (WHERE stage <> 'cancelled'),
                   count(*) FILTER (WHERE stage = 'closed'),
                   count(*) FILTER (WHERE stage = 'closed' AND closed_at <= due_at),
                   count(*) FILTER (WHERE verified_count > 0),
                   count(*) FILTER (WHERE rework_count > 0),
                   count(*) FILTER (WHERE dispatched_at IS NOT NULL),
                   count(*) FILTER (WHERE extension_count > 0)
            FROM incident WHERE {where}
            """, connection);
        Bind(counts, code, from, to);
        long[] n;
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            n = [.. Enumerable.Range(0, 8).Select(reader.GetInt64)];
        }

        await using var stages = new NpgsqlCommand(
            $"SELECT s.key, avg(s.value::numeric)::float8 FROM incident, jsonb_each_text(stage_minutes) AS s WHERE {where} GROUP BY s.key ORDER BY s.key", connection);
        Bind(stages, code, from, to);
        var means = new Dictionary<string, double>();
        await using (var reader = await stages.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                means[reader.GetString(0)] = Math.Round(reader.GetDouble(1), 2);
            }
        }

        return new Figures(Rate(n[3], n[2]), Rate(n[2], n[1]), Rate(n[5], n[4]), Rate(n[7], n[6]), means, n[0]);
    }

    /// <summary>The current month in Asia/Shanghai time, as the default period.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) CurrentMonth(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, IncidentDeadlines.CityTime);
        var start = new DateTime(local.Year, local.Month, 1);
        var end = start.AddMonths(1);
        return (new DateTimeOffset(start, IncidentDeadlines.CityTime.GetUtcOffset(start)), new DateTimeOffset(end, IncidentDeadlines.CityTime.GetUtcOffset(end)));
    }

    private static double? Rate(long numerator, long denominator) => denominator == 0 ? null : Math.Round((double)numerator / denominator, 4);

    private static void Bind(NpgsqlCommand command, string code, DateTimeOffset from, DateTimeOffset to)
    {
        command.Parameters.AddWithValue("code", code);
        // Npgsql writes timestamptz only from UTC values; callers may pass any offset.
        command.Parameters.AddWithValue("from", from.ToUniversalTime());
        command.Parameters.AddWithValue("to", to.ToUniversalTime());
    }
}
