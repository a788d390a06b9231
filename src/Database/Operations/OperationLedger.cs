using Npgsql;

namespace OpsCentre.Database.Operations;

/// <summary>A write under the caller's operation id: who, which id, what kind of write, and its request's digest (<see cref="OperationIds.Hash"/>).</summary>
public sealed record Operation(string Caller, string OpId, string Kind, string RequestHash);

/// <summary>The three answers of the ledger.</summary>
public enum ClaimOutcome
{
    /// <summary>The id is new: the write goes ahead, under the result id offered.</summary>
    Fresh,

    /// <summary>The same request came before: answer with what it produced (the stored result id).</summary>
    Replay,

    /// <summary>The id was used for a different request: 422, nothing changes.</summary>
    Reused,
}

public readonly record struct OperationClaim(ClaimOutcome Outcome, string ResultId);

/// <summary>
/// The one idempotency ledger of the writes the gateway stores itself (<c>operation_ledger</c>):
/// a write claims its (caller, opId) in the transaction that makes the write, so the claim and the
/// write commit or vanish together. The event-sourced writes (a case's or an alert's actions, events
/// appended by hand) keep their operation id in the event log row that is their store of record.
/// </summary>
public static class OperationLedger
{
    /// <summary>
    /// Claims <paramref name="operation"/> for <paramref name="resultId"/>, the id that a fresh write
    /// will create. Concurrent claims of one id serialise on its primary key: one is fresh, the others
    /// see its row once it commits.
    /// </summary>
    public static async Task<OperationClaim> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Operation operation, string resultId, CancellationToken cancellationToken)
    {
        await using var claim = new NpgsqlCommand(
            """
            INSERT INTO operation_ledger (caller, op_id, kind, request_hash, result_id) VALUES (@caller, @op, @kind, @hash, @result)
            ON CONFLICT DO NOTHING
            """, connection, transaction);
        claim.Parameters.AddWithValue("caller", operation.Caller);
        claim.Parameters.AddWithValue("op", operation.OpId);
        claim.Parameters.AddWithValue("kind", operation.Kind);
        claim.Parameters.AddWithValue("hash", operation.RequestHash);
        claim.Parameters.AddWithValue("result", resultId);
        if (await claim.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return new OperationClaim(ClaimOutcome.Fresh, resultId);
        }

        // A statement of its own: it sees the row of a concurrent claim that committed while the insert waited.
        await using var earlier = new NpgsqlCommand(
            "SELECT kind, request_hash, result_id FROM operation_ledger WHERE caller = @caller AND op_id = @op", connection, transaction);
        earlier.Parameters.AddWithValue("caller", operation.Caller);
        earlier.Parameters.AddWithValue("op", operation.OpId);
        await using var reader = await earlier.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException("an operation's ledger row vanished between its claim and its read");
        }

        // A row from before the ledger kept digests has none: the same caller's same id is taken as the same request.
        var same = reader.GetString(0) == operation.Kind && (reader.IsDBNull(1) || reader.GetString(1) == operation.RequestHash);
        return new OperationClaim(same ? ClaimOutcome.Replay : ClaimOutcome.Reused, reader.GetString(2));
    }
}
