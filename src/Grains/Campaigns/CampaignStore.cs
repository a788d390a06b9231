using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.Campaigns;

/// <summary>The kinds of campaign (专项整治); the one there is visits the floating residents due to re-register.</summary>
public static class CampaignKinds
{
    /// <summary>流动人口专项整治日: visit each floating resident (流动人口) whose residence registration (居住登记) falls due.</summary>
    public const string FloatingRegistration = "floating-registration";

    public static IReadOnlyList<string> All { get; } = [FloatingRegistration];
}

/// <summary>One grid's part of a campaign: its tasks, how many are done.</summary>
[GenerateSerializer, Immutable, Alias("ops.CampaignGridProgress")]
public sealed record CampaignGridProgress([property: Id(0)] string GridCode, [property: Id(1)] int Total, [property: Id(2)] int Done)
{
    public bool Finished => Done >= Total;
}

/// <summary>
/// A campaign (专项整治) within a unit: a batch of visits, one per resident selected, grouped by grid, due by <c>DueAt</c>;
/// with each grid's progress. <c>Overdue</c>: the grids still unfinished once <c>DueAt</c> has passed (四级联控 escalates them).
/// </summary>
public sealed record Campaign(
    string Id, string UnitCode, string Kind, string Title, DateOnly RegistrationDueBefore, DateTimeOffset DueAt, string CreatedBy, DateTimeOffset CreatedAt,
    string State, int Total, int Done, IReadOnlyList<CampaignGridProgress> Grids);

/// <summary>What starting a campaign needs: where, what, which residents (registration expiring by), and by when.</summary>
public sealed record CampaignOpening(string UnitCode, string Kind, string Title, DateOnly RegistrationDueBefore, DateTimeOffset DueAt);

/// <summary>A campaign visit on a grid worker's phone: the resident (name as stored: the caller masks it) and the campaign's deadline.</summary>
public sealed record CampaignVisit(string TaskId, string CampaignId, string PersonId, string Name, DateTimeOffset DueAt);

public enum CampaignOutcome
{
    Done,

    /// <summary>A task already done (under another operation id): nothing changes, the answer says it was not applied now.</summary>
    AlreadyDone,
    NotFound,

    /// <summary>The selection holds no resident, or more than <see cref="CampaignStore.MaxTasks"/>.</summary>
    Invalid,
    OpIdReused,
}

public sealed record CampaignResult(CampaignOutcome Outcome, Campaign? Campaign = null, string? GridCode = null, int Selected = 0);

/// <summary>
/// Campaigns in PostgreSQL (<c>campaign</c>, <c>campaign_task</c>, migration 0036). Starting one claims its operation id and
/// writes the campaign with all its tasks in one transaction (nothing half-written); completing a task claims the phone's
/// operation id under the task's lock, so a resent completion is applied once.
/// </summary>
public sealed class CampaignStore(NpgsqlDataSource db)
{
    /// <summary>The most tasks one campaign creates: a street's floating residents fit, a whole city's must be split.</summary>
    public const int MaxTasks = 20_000;

    private const string Columns = "id, unit_code, kind, title, registration_due_before, due_at, created_by, created_at, state";

    private const string Selection =
        """
        FROM registry_person
        WHERE unit_code LIKE @prefix || '%' AND length(unit_code) = 15 AND residence = 'floating' AND removed_at IS NULL
          AND registration_expiry <= @before
        """;

    public async Task<CampaignResult> StartAsync(Operation operation, CampaignOpening opening, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, DistrictIds.New(opening.UnitCode), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return new(CampaignOutcome.OpIdReused);
        }

        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using (var count = new NpgsqlCommand("SELECT count(*) " + Selection, connection, transaction))
            {
                count.Parameters.AddWithValue("prefix", opening.UnitCode);
                count.Parameters.AddWithValue("before", opening.RegistrationDueBefore);
                var selected = (long)(await count.ExecuteScalarAsync(ct))!;
                if (selected is 0 or > MaxTasks)
                {
                    return new(CampaignOutcome.Invalid, Selected: (int)Math.Min(selected, int.MaxValue));
                }
            }

            await using (var insert = new NpgsqlCommand(
                """
                INSERT INTO campaign (id, unit_code, kind, title, registration_due_before, due_at, created_by, created_at)
                VALUES (@id, @unit, @kind, @title, @before, @due, @by, @now)
                """, connection, transaction))
            {
                insert.Parameters.AddWithValue("id", claim.ResultId);
                insert.Parameters.AddWithValue("unit", opening.UnitCode);
                insert.Parameters.AddWithValue("kind", opening.Kind);
                insert.Parameters.AddWithValue("title", opening.Title);
                insert.Parameters.AddWithValue("before", opening.RegistrationDueBefore);
                insert.Parameters.AddWithValue("due", opening.DueAt.ToUniversalTime());
                insert.Parameters.AddWithValue("by", operation.Caller);
                insert.Parameters.AddWithValue("now", now.ToUniversalTime());
                await insert.ExecuteNonQueryAsync(ct);
            }

            await using var tasks = new NpgsqlCommand(
                $"""
                INSERT INTO campaign_task (id, campaign_id, grid_code, person_id)
                SELECT @id || '-' || row_number() OVER (ORDER BY unit_code, id), @id, unit_code, id {Selection}
                """, connection, transaction);
            tasks.Parameters.AddWithValue("id", claim.ResultId);
            tasks.Parameters.AddWithValue("prefix", opening.UnitCode);
            tasks.Parameters.AddWithValue("before", opening.RegistrationDueBefore);
            await tasks.ExecuteNonQueryAsync(ct);
        }

        var stored = await ReadAsync(connection, transaction, claim.ResultId, ct);
        await transaction.CommitAsync(ct);
        return new(CampaignOutcome.Done, stored);
    }

    /// <summary>
    /// A worker's phone reports a visit done: only a task of an open campaign in <paramref name="grid"/> (the worker's own), once per
    /// operation id; a task done before under another id answers <see cref="CampaignOutcome.AlreadyDone"/>. The result names the task's grid.
    /// </summary>
    public async Task<CampaignResult> CompleteAsync(Operation operation, string taskId, string grid, string? note, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        string campaignId, state;
        await using (var find = new NpgsqlCommand(
            """
            SELECT t.campaign_id, t.state FROM campaign_task t JOIN campaign c ON c.id = t.campaign_id
            WHERE t.id = @id AND t.grid_code = @grid AND c.state = 'open'
            FOR UPDATE OF t
            """, connection, transaction))
        {
            find.Parameters.AddWithValue("id", taskId);
            find.Parameters.AddWithValue("grid", grid);
            await using var reader = await find.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return new(CampaignOutcome.NotFound);
            }

            (campaignId, state) = (reader.GetString(0), reader.GetString(1));
        }

        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, taskId, ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return new(CampaignOutcome.OpIdReused);
        }

        var outcome = CampaignOutcome.Done;
        if (claim.Outcome == ClaimOutcome.Fresh && state == "done")
        {
            outcome = CampaignOutcome.AlreadyDone;
        }
        else if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var update = new NpgsqlCommand(
                "UPDATE campaign_task SET state = 'done', done_at = @now, done_by = @by, note = @note WHERE id = @id", connection, transaction);
            update.Parameters.AddWithValue("id", taskId);
            update.Parameters.AddWithValue("now", now.ToUniversalTime());
            update.Parameters.AddWithValue("by", operation.Caller);
            update.Parameters.AddWithValue("note", NpgsqlDbType.Text, (object?)note ?? DBNull.Value);
            await update.ExecuteNonQueryAsync(ct);
        }

        var changed = await ReadAsync(connection, transaction, campaignId, ct);
        await transaction.CommitAsync(ct);
        return new(outcome, changed, grid);
    }

    public async Task<Campaign?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, null, id, ct);
    }

    /// <summary>The campaigns within <paramref name="unitPrefix"/>, newest first before <paramref name="after"/>, optionally by state.</summary>
    public async Task<List<Campaign>> ListAsync(string unitPrefix, string? state, string? after, int take, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT id FROM campaign
            WHERE unit_code LIKE @prefix || '%' AND (@state::text IS NULL OR state = @state) AND (@after::text IS NULL OR id < @after)
            ORDER BY id DESC LIMIT @take
            """, connection);
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("state", NpgsqlDbType.Text, (object?)state ?? DBNull.Value);
        command.Parameters.AddWithValue("after", NpgsqlDbType.Text, (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("take", take);
        var ids = await command.ReadAllAsync(r => r.GetString(0), ct);
        var campaigns = new List<Campaign>();
        foreach (var id in ids)
        {
            campaigns.Add((await ReadAsync(connection, null, id, ct))!);
        }

        return campaigns;
    }

    /// <summary>The open visits of open campaigns in <paramref name="grid"/>, soonest due first (names as stored: the caller masks and audits them).</summary>
    public static async Task<List<CampaignVisit>> OpenVisitsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string grid, int take, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT t.id, t.campaign_id, t.person_id, p.name, c.due_at
            FROM campaign_task t JOIN campaign c ON c.id = t.campaign_id JOIN registry_person p ON p.id = t.person_id
            WHERE t.grid_code = @grid AND t.state = 'open' AND c.state = 'open'
            ORDER BY c.due_at, t.id LIMIT @take
            """, connection, transaction);
        command.Parameters.AddWithValue("grid", grid);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r => new CampaignVisit(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)), ct);
    }

    private static async Task<Campaign?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM campaign WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        Campaign? found = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                found = new Campaign(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateOnly>(4),
                    reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8), 0, 0, []);
            }
        }

        if (found is null)
        {
            return null;
        }

        await using var grids = new NpgsqlCommand(
            """
            SELECT grid_code, count(*)::integer, (count(*) FILTER (WHERE state = 'done'))::integer
            FROM campaign_task WHERE campaign_id = @id GROUP BY grid_code ORDER BY grid_code
            """, connection, transaction);
        grids.Parameters.AddWithValue("id", id);
        var progress = await grids.ReadAllAsync(r => new CampaignGridProgress(r.GetString(0), r.GetInt32(1), r.GetInt32(2)), ct);
        return found with { Total = progress.Sum(g => g.Total), Done = progress.Sum(g => g.Done), Grids = progress };
    }
}
