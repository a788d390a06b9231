using Npgsql;

namespace OpsCentre.Grains.Incidents;

/// <summary>
/// Assessment KPIs (考核) of a period <c>[from, to)</c>, for a unit (its cases), a department (cases it is responsible
/// for) or a worker (cases assigned to them), counted as assessors count them: closures in the period the cases
/// closed, intake in the period the cases were reported. Each rate is numerator / denominator, <c>null</c> when the
/// denominator is 0:
/// <list type="bullet">
/// <item><c>onTimeClosureRate</c> (按期结案率): closed in the period by their due time (with approved extensions) / closed in the period.</item>
/// <item><c>closureRate</c> (结案率): closed in the period / (closed in the period + open at its end), where open at the end
/// is reported before the end and neither closed nor cancelled before it: the period's caseload.</item>
/// <item><c>reworkRate</c> (返工率): of the cases closed in the period, those that failed verification at least once / those verified.</item>
/// <item><c>extensionRate</c> (延期率), by report date: reported in the period with at least one extension approved / dispatched.</item>
/// <item><c>meanMinutesByStage</c>, by report date: mean minutes spent in each stage, over the cases reported in the period that left it.</item>
/// <item><c>count</c>: cases reported in the period (intake); <c>closed</c>: closed in it; <c>openAtEnd</c>: open at its end.</item>
/// <item><c>satisfactionRate</c> (满意率), by closing period: residents' cases closed in the period and rated 满意 or 基本满意
/// (<c>satisfied</c>) / those rated (<c>rated</c>). A reopen clears the rating, so only the latest closure is rated.</item>
/// <item><c>reopenRate</c> (重办率), by closing period: residents' cases closed in the period that a resident had reopened
/// (<c>reopened</c>) / residents' cases closed in the period (<c>residentClosed</c>). A resident's case is one with a
/// <c>citizen_report</c> (migration 0020).</item>
/// </list>
/// Cases of a drill (演练, <c>drill_id</c>, migration 0034) are left out of every figure.
/// Computed from the case list that the database keeps from the event log in the same transaction as
/// each event (<c>incident</c>, migration 0006), so the figures always agree with the log.
/// </summary>
public sealed class IncidentKpis(NpgsqlDataSource db)
{
    public sealed record Figures(
        double? OnTimeClosureRate, double? ClosureRate, double? ReworkRate, double? ExtensionRate,
        IReadOnlyDictionary<string, double> MeanMinutesByStage, long Count, long Closed = 0, long OpenAtEnd = 0,
        double? SatisfactionRate = null, double? ReopenRate = null, long ResidentClosed = 0, long Rated = 0, long Satisfied = 0, long Reopened = 0);

    /// <summary>The figures that can rank units (<c>GET /api/v1/kpis/ranking</c>): the rates and the counts.</summary>
    public static IReadOnlyList<string> RankableFigures { get; } =
        ["onTimeClosureRate", "closureRate", "reworkRate", "extensionRate", "satisfactionRate", "reopenRate", "count", "closed", "openAtEnd"];

    /// <summary>The value of a rankable figure; null for a rate whose denominator was 0.</summary>
    public static double? ValueOf(Figures f, string figure) => figure switch
    {
        "onTimeClosureRate" => f.OnTimeClosureRate,
        "closureRate" => f.ClosureRate,
        "reworkRate" => f.ReworkRate,
        "extensionRate" => f.ExtensionRate,
        "satisfactionRate" => f.SatisfactionRate,
        "reopenRate" => f.ReopenRate,
        "count" => f.Count,
        "closed" => f.Closed,
        "openAtEnd" => f.OpenAtEnd,
        _ => throw new ArgumentException($"'{figure}' is not a rankable figure", nameof(figure)),
    };

    /// <summary>Whether less is better for a figure (rework, extension and reopen rates, cases left open): such a ranking is ascending.</summary>
    public static bool LowerIsBetter(string figure) => figure is "reworkRate" or "extensionRate" or "reopenRate" or "openAtEnd";

    public enum Scope
    {
        Unit,
        Department,
        Worker,
    }

    public async Task<Figures> ComputeAsync(Scope scope, string code, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        (await ComputeByAsync(scope, code, code.Length, from, to, cancellationToken)).GetValueOrDefault(code) ?? Empty;

    /// <summary>
    /// The figures of each unit of <paramref name="childLength"/> digits below <paramref name="unit"/> that has cases in the
    /// period (a unit without any has <see cref="Empty"/> figures), by its code.
    /// </summary>
    public Task<Dictionary<string, Figures>> ComputeChildrenAsync(string unit, int childLength, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        ComputeByAsync(Scope.Unit, unit, childLength, from, to, cancellationToken);

    /// <summary>
    /// The figures of the cases lying within <paramref name="unit"/>, by the department responsible for them
    /// (<paramref name="by"/> <see cref="Scope.Department"/>) or the worker assigned them (<see cref="Scope.Worker"/>), for each
    /// of <paramref name="keys"/> that has cases in the period (the others have <see cref="Empty"/> figures), by department code
    /// or worker id. A department's or worker's figures within their whole district equal <c>ComputeAsync</c>'s for them.
    /// </summary>
    public Task<Dictionary<string, Figures>> ComputeWithinAsync(string unit, Scope by, IReadOnlyCollection<string> keys, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default) =>
        by == Scope.Unit ? throw new ArgumentException("units within a unit are its children (ComputeChildrenAsync)", nameof(by))
            : ComputeByAsync(by, unit, unit.Length, from, to, cancellationToken, [.. keys]);

    /// <summary>Figures of a population without cases.</summary>
    public static Figures Empty { get; } = new(null, null, null, null, new Dictionary<string, double>(), 0);

    private async Task<Dictionary<string, Figures>> ComputeByAsync(Scope scope, string code, int keyLength, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken,
        string[]? within = null)
    {
        var (population, key) = within is not null ? (scope == Scope.Department
                ? ("unit_code LIKE @code || '%' AND responsible_code = ANY(@keys)", "responsible_code")
                : ("unit_code LIKE @code || '%' AND assigned_worker = ANY(@keys)", "assigned_worker"))
            : scope switch
        {
            Scope.Unit => ("unit_code LIKE @code || '%'", "left(unit_code, @len)"),
            Scope.Department => ("responsible_code = @code", "@code"),
            _ => ("assigned_worker = @code", "@code"),
        };
        // A drill's cases (演练) are exercises, not work: no assessment counts them.
        population += " AND drill_id IS NULL";
        const string Reported = "reported_at >= @from AND reported_at < @to";
        const string Closed = "stage = 'closed' AND closed_at >= @from AND closed_at < @to";
        const string OpenAtEnd = "NOT (stage = 'closed' AND closed_at < @to) AND NOT (stage = 'cancelled' AND stage_entered_at < @to)";
        const string ResidentClosed = Closed + " AND r.case_id IS NOT NULL";
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var counts = new NpgsqlCommand(
            $"""
            SELECT {key}::text,
                   count(*) FILTER (WHERE {Reported}),
                   count(*) FILTER (WHERE {Closed}),
                   count(*) FILTER (WHERE {Closed} AND closed_at <= due_at),
                   count(*) FILTER (WHERE {Closed} AND verified_count > 0),
                   count(*) FILTER (WHERE {Closed} AND rework_count > 0),
                   count(*) FILTER (WHERE {Reported} AND dispatched_at IS NOT NULL),
                   count(*) FILTER (WHERE {Reported} AND extension_count > 0),
                   count(*) FILTER (WHERE {OpenAtEnd}),
                   count(*) FILTER (WHERE {ResidentClosed}),
                   count(*) FILTER (WHERE {ResidentClosed} AND r.rating IS NOT NULL),
                   count(*) FILTER (WHERE {ResidentClosed} AND r.rating IN ('satisfied', 'basically-satisfied')),
                   count(*) FILTER (WHERE {ResidentClosed} AND r.reopened_at IS NOT NULL)
            FROM incident LEFT JOIN citizen_report r ON r.case_id = incident.id
            WHERE {population} AND reported_at < @to
            GROUP BY 1
            """, connection);
        Bind(counts, code, keyLength, from, to, within);
        var rows = new Dictionary<string, long[]>();
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows[reader.GetString(0)] = [.. Enumerable.Range(1, 12).Select(reader.GetInt64)];
            }
        }

        await using var stages = new NpgsqlCommand(
            $"""
            SELECT {key}::text, s.key, avg(s.value::numeric)::float8 FROM incident, jsonb_each_text(stage_minutes) AS s
            WHERE {population} AND {Reported} GROUP BY 1, 2 ORDER BY 1, 2
            """, connection);
        Bind(stages, code, keyLength, from, to, within);
        var means = new Dictionary<string, Dictionary<string, double>>();
        await using (var reader = await stages.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var unit = reader.GetString(0);
                if (!means.TryGetValue(unit, out var byStage))
                {
                    means[unit] = byStage = [];
                }

                byStage[reader.GetString(1)] = Math.Round(reader.GetDouble(2), 2);
            }
        }

        return rows.ToDictionary(r => r.Key, r =>
        {
            var (reported, closed, onTime, verified, reworked, dispatched, extended, openAtEnd) =
                (r.Value[0], r.Value[1], r.Value[2], r.Value[3], r.Value[4], r.Value[5], r.Value[6], r.Value[7]);
            var (residentClosed, rated, satisfied, reopened) = (r.Value[8], r.Value[9], r.Value[10], r.Value[11]);
            return new Figures(Rate(onTime, closed), Rate(closed, closed + openAtEnd), Rate(reworked, verified), Rate(extended, dispatched),
                means.GetValueOrDefault(r.Key) ?? [], reported, closed, openAtEnd,
                Rate(satisfied, rated), Rate(reopened, residentClosed), residentClosed, rated, satisfied, reopened);
        });
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

    private static void Bind(NpgsqlCommand command, string code, int keyLength, DateTimeOffset from, DateTimeOffset to, string[]? within)
    {
        if (within is not null)
        {
            command.Parameters.AddWithValue("keys", within);
        }

        command.Parameters.AddWithValue("code", code);
        command.Parameters.AddWithValue("len", keyLength);
        // Npgsql writes timestamptz only from UTC values; callers may pass any offset.
        command.Parameters.AddWithValue("from", from.ToUniversalTime());
        command.Parameters.AddWithValue("to", to.ToUniversalTime());
    }
}
