using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.KeyPersons;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// The connection and transaction of an audited read, with the subject (a key person, a worker) and their grid once scope
/// allowed it, the purpose the read named, and whether it may show personal data in clear (the role is cleared and a
/// purpose was named: <see cref="PersonalDataMasking.MaySeeUnmasked"/>).
/// </summary>
public sealed record PersonalDataRead(NpgsqlConnection Connection, NpgsqlTransaction Transaction, string PersonId, string Grid, AccessPurpose? Purpose, bool InClear);

/// <summary>What a read disclosed: the answer, whether personal data was in clear, and the fields named in the audit row.</summary>
public sealed record Disclosure<T>(T Value, bool Unmasked, string Fields);

/// <summary>Finds the grid of a read's subject in the read's transaction; null for an unknown id.</summary>
public delegate Task<string?> SubjectGrid(NpgsqlConnection connection, NpgsqlTransaction transaction, string subjectId, CancellationToken ct);

/// <summary>
/// Another unit through which a caller outside the subject's own grid may read it (the receiving grid of an open hand-over), with
/// the note its audit row carries (<c>via=hand-over:&lt;id&gt;</c>); null when there is none.
/// </summary>
public delegate Task<(string Unit, string Note)?> SubjectAccessVia(NpgsqlConnection connection, NpgsqlTransaction transaction, string subjectId, CancellationToken ct);

/// <summary>
/// The one audited read of personal data — key persons' profile, zones, check-ins, visits and lists, workers' tracks:
/// check the purpose named, find the subject's grid, check scope and function, read, write the audit row in the same
/// transaction — allowed or denied, so probes are on record too — and commit before anything is answered.
/// </summary>
public sealed class PersonalDataReads(NpgsqlDataSource db)
{
    /// <summary>What a denied read records as its fields.</summary>
    public const string Denied = "none (denied)";

    /// <summary>The query parameter naming why personal data is read.</summary>
    public const string PurposeParameter = "purpose";

    /// <summary>
    /// Reads one key person's record: to those whose scope holds the person's grid, and — while a hand-over request is open — to those
    /// whose scope holds its receiving grid (异地协作监管: both sides see the person), the audit row noting <c>via=hand-over:&lt;id&gt;</c>.
    /// </summary>
    public Task<Results<Ok<T>, ProblemHttpResult>> ReadRecordAsync<T>(ClaimsPrincipal user, string personId, Permission permission, string action, string? purpose,
        Func<PersonalDataRead, Task<Disclosure<T>?>> read, CancellationToken ct) =>
        ReadAsync(user, personId, KeyPersonRecords.GridOfAsync, permission, action, purpose, purposeRequired: false, read, ct, HandOverReceiverAsync);

    private static async Task<(string Unit, string Note)?> HandOverReceiverAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string personId, CancellationToken ct) =>
        await HandOvers.OpenOfPersonAsync(connection, transaction, personId, ct) is { } open ? (open.ToGrid, "via=hand-over:" + open.Id) : null;

    /// <summary>Reads one key person's data; see the general overload.</summary>
    public Task<Results<Ok<T>, ProblemHttpResult>> ReadAsync<T>(ClaimsPrincipal user, string personId, Permission permission, string action, string? purpose,
        Func<PersonalDataRead, Task<Disclosure<T>?>> read, CancellationToken ct) =>
        ReadAsync(user, personId, KeyPersonRecords.GridOfAsync, permission, action, purpose, purposeRequired: false, read, ct);

    /// <summary>
    /// Reads one subject's data for <paramref name="user"/>: 400 (nothing read or recorded) for a purpose not in
    /// <see cref="AccessPurposes"/>, or none when <paramref name="purposeRequired"/>; 404 for an unknown subject or one out
    /// of scope, 403 when the role lacks <paramref name="permission"/>, 404 when <paramref name="read"/> finds nothing.
    /// </summary>
    public async Task<Results<Ok<T>, ProblemHttpResult>> ReadAsync<T>(ClaimsPrincipal user, string subjectId, SubjectGrid gridOf, Permission permission,
        string action, string? purpose, bool purposeRequired, Func<PersonalDataRead, Task<Disclosure<T>?>> read, CancellationToken ct, SubjectAccessVia? via = null)
    {
        if (CheckPurpose(purpose, purposeRequired, out var named) is { } invalid)
        {
            return invalid;
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var grid = await gridOf(connection, transaction, subjectId, ct);
        var decision = grid is null ? ScopeDecision.OutOfScope : ScopeGuard.Check(user, grid, permission);
        string? note = null;
        if (grid is not null && decision == ScopeDecision.OutOfScope && via is not null && await via(connection, transaction, subjectId, ct) is { } other)
        {
            // Held through another unit (the receiving side of an open hand-over): the same function checked there, the audit row saying so.
            decision = ScopeGuard.Check(user, other.Unit, permission);
            note = decision == ScopeDecision.OutOfScope ? null : other.Note;
        }

        var disclosed = decision == ScopeDecision.Allowed
            ? await read(new PersonalDataRead(connection, transaction, subjectId, grid!, named, PersonalDataMasking.MaySeeUnmasked(user, named)))
            : null;
        await AuditLog.RecordAsync(connection, transaction, OperatorEntry(user, action, disclosed?.Unmasked ?? false, disclosed?.Fields ?? Denied, named, note),
            [(subjectId, grid ?? user.UnitCodeOf())], ct);
        await transaction.CommitAsync(ct);
        return disclosed is null ? ScopeGuard.Deny(decision) ?? Problems.NotFound() : TypedResults.Ok(disclosed.Value);
    }

    /// <summary>
    /// Reads a list of persons' data (scope, function and purpose already checked by the caller) and records one row per
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

    /// <summary>
    /// The <c>purpose</c> query parameter: null (and <paramref name="named"/> the purpose, or null when none was named and
    /// none is required), else a 400 naming the field and listing the purposes.
    /// </summary>
    public static ProblemHttpResult? CheckPurpose(string? purpose, bool required, out AccessPurpose? named)
    {
        named = AccessPurposes.Find(purpose);
        return named is null && (purpose is not null || required)
            ? Problems.InvalidQuery(PurposeParameter, (required ? "required: " : "") + "one of " + AccessPurposes.Described)
            : null;
    }

    /// <summary>The audit entry of an operator's read: who, role, why, and the reader's unit, the fields (and any note) in its detail.</summary>
    public static AuditedAccess OperatorEntry(ClaimsPrincipal user, string action, bool unmasked, string fields, AccessPurpose? purpose, string? note = null) =>
        new(user.Username(), user.RoleOf() ?? "", action, unmasked, purpose, $"unit={user.UnitCodeOf()}; fields={fields}" + (note is null ? "" : "; " + note));
}
