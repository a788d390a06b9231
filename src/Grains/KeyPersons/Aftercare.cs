using Npgsql;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>帮教 (aftercare) of a released person with no home, job or family: their needs, the helper assigned, the support tasks.</summary>
public sealed record AftercarePlan(string PersonId, IReadOnlyList<string> Needs, string Helper, string Note, string? UpdatedBy, DateTimeOffset? UpdatedAt, IReadOnlyList<AftercareTask> Tasks);

/// <summary>A support task with its deadline and, once done, its outcome.</summary>
public sealed record AftercareTask(string Id, string PersonId, string Title, DateTimeOffset DueAt, string CreatedBy, DateTimeOffset CreatedAt, string? Outcome, string? DoneBy, DateTimeOffset? DoneAt);

/// <summary>
/// 帮教 in PostgreSQL (<c>aftercare_plan</c>, <c>aftercare_task</c>, migration 0031). The caller then tells the person's grain
/// (<see cref="IKeyPersonGrain.Reload"/>), which offers the earliest open task's deadline to the rules as <c>aftercareTask</c>.
/// </summary>
public sealed class Aftercare(NpgsqlDataSource db)
{
    /// <summary>The needs a plan may record.</summary>
    public static IReadOnlyList<string> Needs { get; } = ["housing", "employment", "family", "income", "health", "other"];

    private const string TaskColumns = "id, person_id, title, due_at, created_by, created_at, outcome, done_by, done_at";

    /// <summary>The person's plan and tasks (an empty plan when none is recorded).</summary>
    public async Task<AftercarePlan> PlanAsync(string personId, CancellationToken ct = default)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT needs, helper, note, updated_by, updated_at FROM aftercare_plan WHERE person_id = $1")
            { Parameters = { new() { Value = personId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {TaskColumns} FROM aftercare_task WHERE person_id = $1 ORDER BY due_at, id LIMIT 500")
            { Parameters = { new() { Value = personId } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var plan = new AftercarePlan(personId, [], "", "", null, null, []);
        if (await reader.ReadAsync(ct))
        {
            plan = plan with
            {
                Needs = reader.GetFieldValue<string[]>(0), Helper = reader.GetString(1), Note = reader.GetString(2),
                UpdatedBy = reader.GetString(3), UpdatedAt = reader.GetFieldValue<DateTimeOffset>(4),
            };
        }

        await reader.NextResultAsync(ct);
        var tasks = new List<AftercareTask>();
        while (await reader.ReadAsync(ct))
        {
            tasks.Add(ReadTask(reader));
        }

        return plan with { Tasks = tasks };
    }

    /// <summary>Records the person's needs and helper (replacing what was recorded).</summary>
    public async Task SavePlanAsync(string personId, IReadOnlyList<string> needs, string helper, string note, string by, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            INSERT INTO aftercare_plan (person_id, needs, helper, note, updated_by, updated_at) VALUES (@person, @needs, @helper, @note, @by, @now)
            ON CONFLICT (person_id) DO UPDATE SET needs = EXCLUDED.needs, helper = EXCLUDED.helper, note = EXCLUDED.note,
                updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
            """);
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("needs", needs.Distinct().ToArray());
        command.Parameters.AddWithValue("helper", helper);
        command.Parameters.AddWithValue("note", note);
        command.Parameters.AddWithValue("by", by);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Adds a support task due at <paramref name="dueAt"/>; once per op id. False when the op id was used for another request.</summary>
    public async Task<(bool Stored, AftercareTask? Task)> AddTaskAsync(Operation operation, string personId, string grid, string title, DateTimeOffset dueAt, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, DistrictIds.New(grid), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return (false, null);
        }

        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO aftercare_task (id, person_id, title, due_at, created_by, created_at) VALUES (@id, @person, @title, @due, @by, @now)", connection, transaction);
            insert.Parameters.AddWithValue("id", claim.ResultId);
            insert.Parameters.AddWithValue("person", personId);
            insert.Parameters.AddWithValue("title", title);
            insert.Parameters.AddWithValue("due", dueAt.ToUniversalTime());
            insert.Parameters.AddWithValue("by", operation.Caller);
            insert.Parameters.AddWithValue("now", now.ToUniversalTime());
            await insert.ExecuteNonQueryAsync(ct);
        }

        var task = await FindTaskAsync(connection, transaction, claim.ResultId, ct);
        await transaction.CommitAsync(ct);
        return (true, task);
    }

    /// <summary>Records a task's outcome (once): false when the task was done before; null task when there is no such task.</summary>
    public async Task<(bool Changed, AftercareTask? Task)> CompleteTaskAsync(string taskId, string outcome, string by, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var update = new NpgsqlCommand(
            "UPDATE aftercare_task SET outcome = @outcome, done_by = @by, done_at = @now WHERE id = @id AND done_at IS NULL", connection);
        update.Parameters.AddWithValue("outcome", outcome);
        update.Parameters.AddWithValue("by", by);
        update.Parameters.AddWithValue("now", now.ToUniversalTime());
        update.Parameters.AddWithValue("id", taskId);
        var changed = await update.ExecuteNonQueryAsync(ct) == 1;
        return (changed, await FindTaskAsync(connection, null, taskId, ct));
    }

    /// <summary>One task; null for an unknown id.</summary>
    public async Task<AftercareTask?> FindTaskAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await FindTaskAsync(connection, null, taskId, ct);
    }

    private static async Task<AftercareTask?> FindTaskAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {TaskColumns} FROM aftercare_task WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadTask(reader) : null;
    }

    private static AftercareTask ReadTask(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5),
        r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8));
}
