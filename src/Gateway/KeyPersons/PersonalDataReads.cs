using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.KeyPersons;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>The connection and transaction of an audited read, with the person and their grid once scope allowed it.</summary>
public sealed record PersonalDataRead(NpgsqlConnection Connection, NpgsqlTransaction Transaction, string PersonId, string Grid);

/// <summary>What a read disclosed: the answer, whether personal data was in clear, and the fields named in the audit row.</summary>
public sealed record Disclosure<T>(T Value, bool Unmasked, string Fields);

/// <summary>
/// The one audited read of key persons' personal data (profile, zones, check-ins, visits, lists): find
/// the person's grid, check scope, read, write the audit row in the same transaction — allowed or
/// denied, so probes are on record too — and commit before anything is answered.
/// </summary>
public sealed class PersonalDataReads(NpgsqlDataSource db)
{
    /// <summary>What a denied read records as its fields.</summary>
    public const string Denied = "none (denied)";

    /// <summary>
    /// Reads one person's data for <paramref name="user"/>: 404 for an unknown person or one out of scope,
    /// 403 when the role lacks <paramref name="permission"/>, 404 when <paramref name="read"/> finds nothing.
    /// </summary>
    public async Task<Results<Ok<T>, ProblemHttpResult>> ReadAsync<T>(ClaimsPrincipal user, string personId, Permission permission, string action, string? purpose,
        Func<PersonalDataRead, Task<Disclosure<T>?>> read, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var grid = await KeyPersonRecords.GridOfAsync(connection, transaction, personId, ct);
        var decision = grid is null ? ScopeDecision.OutOfScope : ScopeGuard.Check(user, grid, permission);
        var disclosed = decision == ScopeDecision.Allowed ? await read(new PersonalDataRead(connection, transaction, personId, grid!)) : null;
        await AuditLog.RecordAsync(connection, transaction, OperatorEntry(user, action, disclosed?.Unmasked ?? false, disclosed?.Fields ?? Denied, purpose),
            [(personId, grid ?? user.UnitCodeOf())], ct);
        await transaction.CommitAsync(ct);
        return disclosed is null ? ScopeGuard.Deny(decision) ?? Problems.NotFound() : TypedResults.Ok(disclosed.Value);
    }

    /// <summary>
    /// Reads a list of persons' data (scope already checked by the caller) and records one row per
    /// person listed under <paramref name="entry"/>, in the read's transaction.
    /// </summary>
    public async Task<T> ReadListAsync<T>(AuditedAccess entry,
        Func<NpgsqlConnection, NpgsqlTransaction, Task<(T Value, IReadOnlyCollection<(string Subject, string UnitCode)> Subjects)>> read, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var (value, subjects) = await read(connection, transaction);
        await AuditLog.RecordAsync(connection, transaction, entry, subjects, ct);
        await transaction.CommitAsync(ct);
        return value;
    }

    /// <summary>
    /// A read about a key person from outside their records — an alert about them, from its grain: <paramref name="read"/>
    /// runs inside the transaction that writes its audit row (when it turned out to concern a key person, allowed or denied),
    /// committed before anything is answered. One row per read.
    /// </summary>
    public async Task<T> ReadAboutAsync<T>(Func<Task<(T Value, (AuditedAccess Entry, string PersonId, string UnitCode)? Audit)>> read, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var (value, audit) = await read();
        if (audit is { } row)
        {
            await AuditLog.RecordAsync(connection, transaction, row.Entry, [(row.PersonId, row.UnitCode)], ct);
        }

        await transaction.CommitAsync(ct);
        return value;
    }

    /// <summary>The audit entry of an operator's read: who, role, and the unit, fields and purpose in its detail.</summary>
    public static AuditedAccess OperatorEntry(ClaimsPrincipal user, string action, bool unmasked, string fields, string? purpose) =>
        new(user.Username(), user.RoleOf() ?? "", action, unmasked, $"unit={user.UnitCodeOf()}; fields={fields}; purpose={purpose ?? "-"}");
}
