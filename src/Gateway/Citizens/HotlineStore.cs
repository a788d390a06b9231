using Npgsql;
using OpsCentre.Database;

namespace OpsCentre.Gateway.Citizens;

/// <summary>
/// A call taken on the 12345 hotline (热线来电): the case it became, its urgency class and feedback deadline, and its first
/// receiver (首接负责): the hotline operator who took it, who follows it to the end.
/// </summary>
public sealed record HotlineCall(string CaseId, string UrgencyClass, DateTimeOffset FeedbackDue, string TakenBy, string TakenUnit, DateTimeOffset TakenAt);

/// <summary>A call as its first receiver follows it: the call with its case's stage from the loop.</summary>
public sealed record HotlineCallItem(
    string CaseId, string UrgencyClass, DateTimeOffset FeedbackDue, string TakenBy, DateTimeOffset TakenAt, string Category, string UnitCode, string Stage,
    DateTimeOffset? StageDeadline, DateTimeOffset? ClosedAt);

/// <summary>
/// The hotline's calls (<c>hotline_call</c>) and, apart, their callers (<c>hotline_caller</c>: personal data, read only through
/// the audited contact read, <see cref="CitizenReportStore.ContactAsync"/>), migration 0025. The case itself is the loop's.
/// </summary>
public sealed class HotlineStore(NpgsqlDataSource db)
{
    /// <summary>Stores the call and its caller in one transaction; a retry of a call stored before changes nothing. Answers the call as stored.</summary>
    public async Task<HotlineCall> SaveAsync(HotlineCall call, string phone, string? name, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO hotline_call (case_id, urgency_class, feedback_due, taken_by, taken_unit, taken_at)
            VALUES (@id, @class, @due, @by, @unit, @at) ON CONFLICT DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("id", call.CaseId);
            insert.Parameters.AddWithValue("class", call.UrgencyClass);
            insert.Parameters.AddWithValue("due", call.FeedbackDue);
            insert.Parameters.AddWithValue("by", call.TakenBy);
            insert.Parameters.AddWithValue("unit", call.TakenUnit);
            insert.Parameters.AddWithValue("at", call.TakenAt);
            if (await insert.ExecuteNonQueryAsync(ct) == 1)
            {
                await using var caller = new NpgsqlCommand("INSERT INTO hotline_caller (case_id, phone, name) VALUES (@id, @phone, @name)", connection, transaction);
                caller.Parameters.AddWithValue("id", call.CaseId);
                caller.Parameters.AddWithValue("phone", phone);
                caller.Parameters.AddWithValue("name", (object?)name ?? DBNull.Value);
                await caller.ExecuteNonQueryAsync(ct);
            }
        }

        await transaction.CommitAsync(ct);
        return (await FindAsync(call.CaseId, ct))!;
    }

    public async Task<HotlineCall?> FindAsync(string caseId, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "SELECT case_id, urgency_class, feedback_due, taken_by, taken_unit, taken_at FROM hotline_call WHERE case_id = @id");
        command.Parameters.AddWithValue("id", caseId);
        return (await command.ReadAllAsync(r => new HotlineCall(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3), r.GetString(4),
            r.GetFieldValue<DateTimeOffset>(5)), ct)).FirstOrDefault();
    }

    /// <summary>The calls one hotline operator took (their first-receiver duty), newest first, with their cases' stages.</summary>
    public async Task<List<HotlineCallItem>> TakenByAsync(string takenBy, bool openOnly, int take, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT h.case_id, h.urgency_class, h.feedback_due, h.taken_by, h.taken_at, i.category, i.unit_code, i.stage, i.stage_deadline, i.closed_at
            FROM hotline_call h JOIN incident i ON i.id = h.case_id
            WHERE h.taken_by = @by AND (NOT @open OR i.stage NOT IN ('closed', 'cancelled'))
            ORDER BY h.taken_at DESC, h.case_id LIMIT @take
            """);
        command.Parameters.AddWithValue("by", takenBy);
        command.Parameters.AddWithValue("open", openOnly);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r => new HotlineCallItem(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3),
            r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), r.GetString(6), r.GetString(7), r.NullableTime(8), r.NullableTime(9)), ct);
    }
}
