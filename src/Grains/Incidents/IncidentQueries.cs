using Npgsql;
using OpsCentre.Database;

namespace OpsCentre.Grains.Incidents;

/// <summary>
/// A case in the case list (kept by the database from the event log). <c>EscalationLevel</c>: how far up its open
/// alerts (an overdue stage's, 督办) have escalated — 0 when none has.
/// </summary>
public sealed record IncidentItem(
    string Id, string Category, string Urgency, string Stage, string UnitCode, string? ResponsibleCode, string? AssignedWorker,
    bool Overdue, DateTimeOffset ReportedAt, DateTimeOffset? StageDeadline, DateTimeOffset? DueAt, int EscalationLevel = 0,
    string? PendingTransferTo = null, IReadOnlyList<string>? CoHandlers = null, DateTimeOffset? ClosedAt = null, string? Source = null,
    string? DrillId = null)
{
    /// <summary>Whether the case belongs to a drill (演练): marked in lists, left out of the KPIs.</summary>
    public bool Drill => DrillId is not null;
}

/// <summary>Where a case came from, as its report recorded it (<c>source</c> of its <c>incident.reported</c> event).</summary>
public static class IncidentSources
{
    public static IReadOnlyList<string> All { get; } = ["operator", "citizen", "worker", "device", "alert"];
}

/// <summary>
/// Which cases a list wants: a unit, optionally a stage, category, overdue flag, a department's cases only, and the page
/// after a (reportedAt, id) keyset;
/// <c>Responsible</c>: only the cases that unit or department is responsible for (dispatched or transferred to it);
/// <c>Source</c>: only those reported from there (<see cref="IncidentSources"/>); <c>From</c>/<c>To</c>: reported at or after
/// <c>From</c> and before <c>To</c>; <c>Alert</c>: only the cases opened from that alert (<c>alertId</c> of the report).
/// </summary>
public sealed record IncidentFilter(string UnitPrefix, string? Stage, string? Category, bool? Overdue, string? Department, (DateTimeOffset ReportedAt, string Id)? After, int Take, string? Responsible = null,
    string? Source = null, DateTimeOffset? From = null, DateTimeOffset? To = null, string? Alert = null);

/// <summary>A case assigned to a grid worker, as their phone lists it.</summary>
public sealed record WorkerCase(string Id, string Title, DateTimeOffset? DueAt);

/// <summary>Reads of the case list (<c>incident</c>, projected from the event log in the transaction of each case event).</summary>
public sealed class IncidentQueries(NpgsqlDataSource db)
{
    /// <summary>The most cases a worker's task list holds.</summary>
    public const int MaxWorkerCases = 200;

    /// <summary>
    /// Cases newest first (by report time, then id), after the <see cref="IncidentFilter.After"/> keyset: those the unit (or a unit below it) is involved
    /// in — where the case is, its lead, a unit asked to take it over, a co-handler (<c>involved</c>, migration 0017) —
    /// and, for department staff, those their department is involved in, as <c>CaseVisibility</c> lets them see.
    /// </summary>
    public async Task<List<IncidentItem>> ListAsync(IncidentFilter filter, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT id, category, urgency, stage, unit_code, responsible_code, assigned_worker, overdue, reported_at, stage_deadline, due_at,
                   (SELECT coalesce(max(a.escalation_level), 0) FROM alert a WHERE a.subject_kind = 'incident' AND a.subject_id = incident.id AND a.state <> 'resolved'),
                   pending_transfer_to, co_handlers, closed_at, source, drill_id
            FROM incident,
                 LATERAL (SELECT e.payload ->> 'source' AS source, e.payload ->> 'alertId' AS alert_id FROM event_log e
                          WHERE e.payload ->> 'id' = incident.id AND e.type = 'incident.reported' ORDER BY e.seq LIMIT 1) reported
            WHERE involved @> ARRAY[@prefix] AND (@stage::text IS NULL OR stage = @stage) AND (@category::text IS NULL OR category = @category)
              AND (@responsible::text IS NULL OR responsible_code = @responsible)
              AND (@source::text IS NULL OR source = @source)
              AND (@alert::text IS NULL OR alert_id = @alert)
              AND (@from::timestamptz IS NULL OR reported_at >= @from) AND (@to::timestamptz IS NULL OR reported_at < @to)
              AND (@overdue::boolean IS NULL OR overdue = @overdue)
              AND (@after_at::timestamptz IS NULL OR (reported_at, id) < (@after_at, @after_id))
              AND (@department::text IS NULL OR involved @> ARRAY[@department::text])
            ORDER BY reported_at DESC, id DESC LIMIT @take
            """);
        command.Parameters.AddWithValue("prefix", filter.UnitPrefix);
        command.Parameters.AddWithValue("stage", (object?)filter.Stage ?? DBNull.Value);
        command.Parameters.AddWithValue("category", (object?)filter.Category ?? DBNull.Value);
        command.Parameters.AddWithValue("overdue", (object?)filter.Overdue ?? DBNull.Value);
        command.Parameters.AddWithValue("after_at", filter.After is { } after ? after.ReportedAt.ToUniversalTime() : (object)DBNull.Value);
        command.Parameters.AddWithValue("after_id", filter.After?.Id ?? "");
        command.Parameters.AddWithValue("department", (object?)filter.Department ?? DBNull.Value);
        command.Parameters.AddWithValue("responsible", (object?)filter.Responsible ?? DBNull.Value);
        command.Parameters.AddWithValue("source", (object?)filter.Source ?? DBNull.Value);
        command.Parameters.AddWithValue("alert", (object?)filter.Alert ?? DBNull.Value);
        command.Parameters.AddWithValue("from", (object?)filter.From?.ToUniversalTime() ?? DBNull.Value);   // Npgsql writes timestamptz from UTC only
        command.Parameters.AddWithValue("to", (object?)filter.To?.ToUniversalTime() ?? DBNull.Value);
        command.Parameters.AddWithValue("take", filter.Take);
        return await command.ReadAllAsync(r => new IncidentItem(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.NullableString(5), r.NullableString(6), r.GetBoolean(7),
            r.GetFieldValue<DateTimeOffset>(8), r.NullableTime(9), r.NullableTime(10), r.GetInt32(11), r.NullableString(12), r.GetFieldValue<string[]>(13), r.NullableTime(14), r.NullableString(15),
            r.NullableString(16)), ct);
    }

    /// <summary>
    /// Whether the case's event log holds an action taken by <paramref name="actor"/> under <paramref name="opId"/>: a phone's
    /// action sent again after its answer was lost, once the case has left the worker's tasks (handled by that very action).
    /// </summary>
    public async Task<bool> ActedUnderAsync(string caseId, string actor, string opId, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT EXISTS (SELECT 1 FROM incident i JOIN event_log e ON e.district_code = i.district_code AND e.caller = 'operator:' || @actor AND e.op_id = @op
                           WHERE i.id = @case AND e.payload ->> 'id' = @case)
            """);
        command.Parameters.AddWithValue("case", caseId);
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.AddWithValue("op", opId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Cases dispatched to the worker (or to their grid, unassigned) and not yet handled, soonest due first.</summary>
    public async Task<List<WorkerCase>> AssignedToWorkerAsync(string workerId, string? assignedGrid, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT i.id, c.name || ' · ' || i.stage, i.due_at FROM incident i JOIN incident_category c ON c.code = i.category
            WHERE i.stage IN ('dispatched', 'in-progress')
              AND (i.assigned_worker = @worker OR (i.assigned_worker IS NULL AND i.responsible_code = @grid))
            ORDER BY i.due_at NULLS LAST, i.id LIMIT @take
            """);
        command.Parameters.AddWithValue("worker", workerId);
        command.Parameters.AddWithValue("grid", (object?)assignedGrid ?? DBNull.Value);
        command.Parameters.AddWithValue("take", MaxWorkerCases);
        return await command.ReadAllAsync(r => new WorkerCase(r.GetString(0), r.GetString(1), r.NullableTime(2)), ct);
    }
}
