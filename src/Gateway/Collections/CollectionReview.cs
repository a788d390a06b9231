using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Administration;
using OpsCentre.Database.Collections;
using OpsCentre.Database.Operations;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Administration;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Grains.Registries;

namespace OpsCentre.Gateway.Collections;

/// <summary>A reviewer's decision on a collection: the caller's opId and a note (a rejection's reason, required for it).</summary>
public sealed record ReviewRequest(string? OpId, string? Note);

/// <summary>
/// The review of a collection record by community staff (审核): an administrative change (<see cref="AdminChanges"/>: the reviewer's
/// opId claimed, the record locked, its row in <c>admin_change</c>, one transaction). Approving applies the record to its registry
/// through <see cref="RegistryWriter"/> in that transaction, with the collection's provenance (source <c>grid-worker</c>, the worker,
/// the device's time); a write refused because another source owns a field leaves the record pending with the refusal named
/// (409), the registry unchanged; rejecting changes nothing but the record. A component collected as damaged or missing opens a
/// case of the closed loop once approved (<see cref="IncidentReporting"/>, as if the worker had reported it from the phone).
/// </summary>
public sealed class CollectionReview(
    CollectionRecords records, AdminChanges changes, RegistryWriter registries, IncidentReporting reporting, IClusterClient cluster, TimeProvider clock)
{
    /// <summary>The source of every collected write, as the registries' field ownership knows it.</summary>
    public const string Source = "grid-worker";

    /// <summary>The case category of a damaged or missing city component (市政设施).</summary>
    public const string ComponentCaseCategory = "facilities";

    /// <summary>A component's states that make a case: 损坏, 丢失.</summary>
    private static readonly HashSet<string> BrokenStates = ["damaged", "missing"];

    public async Task<Results<Ok<CollectionView>, ProblemHttpResult, ValidationProblem>> ReviewAsync(
        ClaimsPrincipal user, string id, ReviewRequest request, bool approve, CancellationToken ct)
    {
        var errors = new RequestErrors().OpId(request.OpId)
            .Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters")
            .Check(approve || !string.IsNullOrWhiteSpace(request.Note), "note", "a rejection names its reason");
        if (errors.Any)
        {
            return errors.Problem();
        }

        if (await records.FindAsync(id, ct) is not { } found)
        {
            return Problems.NotFound();
        }

        if (ScopeGuard.Deny(user, found.UnitCode, Permission.ReviewCollections) is { } denied)
        {
            return denied;
        }

        var action = approve ? "approve" : "reject";
        var operation = new Operation(user.Username(), request.OpId!, "collection." + action, OperationIds.Hash(id, request.Note));
        ProblemHttpResult? invalid = null;
        var written = await changes.WriteAsync(OperatorsApi.Actor(user), operation, id, async (connection, transaction, token) =>
        {
            if (await records.LockAsync(connection, transaction, id, token) is not { } current)
            {
                return AdminStep.Missing();
            }

            if (current.State != CollectionStates.Pending)
            {
                // Approving what is approved (rejecting what is rejected) changes nothing; the other way round is a conflict.
                return AdminStep.Refuse(current.State == (approve ? CollectionStates.Approved : CollectionStates.Rejected) ? "" : $"The collection is {current.State}");
            }

            var reviewed = current with { ReviewedBy = user.Username(), ReviewedAt = clock.GetUtcNow(), Note = request.Note };
            if (!approve)
            {
                return await MarkAsync(reviewed with { State = CollectionStates.Rejected }, "reject");
            }

            // The registry's write is undone by itself when it is refused: the record's refusal is still written.
            await transaction.SaveAsync("registry", token);
            var result = await registries.ApplyAsync(transaction, new RegistryWrite(
                current.Registry, current.RecordId, current.Action == CollectionActions.End ? RegistryActions.Remove : current.Action, (JsonObject)current.Data.DeepClone(),
                Source, current.WorkerId, current.CollectedAt, current.Id, current.Channel == CollectionChannels.Paper ? CollectionChannels.Paper : null), token);
            switch (result.Status)
            {
                case RegistryWriteStatus.Applied:
                    return await MarkAsync(reviewed with { State = CollectionStates.Approved, RecordId = result.Id ?? current.RecordId, Refusal = null }, "approve");
                case RegistryWriteStatus.Refused:
                    await transaction.RollbackAsync("registry", token);
                    return await MarkAsync(current with { Refusal = result.Reason }, "refuse");
                default:
                    // Malformed for its registry, or its row is gone: nothing changes, the reviewer is told which field.
                    await transaction.RollbackAsync("registry", token);
                    invalid = Problems.Unprocessable(result.Field is null ? "data" : "data." + result.Field, result.Reason ?? "the registry does not take this data");
                    return AdminStep.Refuse("invalid");
            }

            async Task<AdminStep> MarkAsync(CollectionRecord marked, string change)
            {
                await CollectionRecords.MarkAsync(connection, transaction, marked, token);
                return AdminStep.Apply(new AdminChange(AdminEntityKinds.Collection, id, current.UnitCode, change, Summary(current), Summary(marked)));
            }
        }, ct);

        switch (written.Outcome)
        {
            case AdminOutcome.OpIdReused:
                return Problems.OpIdReused();
            case AdminOutcome.NotFound:
                return Problems.NotFound();
            case AdminOutcome.Refused when invalid is not null:
                return invalid;
            case AdminOutcome.Refused when written.Reason is { Length: > 0 } reason:
                return Problems.Conflict(reason);
        }

        var record = (await records.FindAsync(id, ct))!;
        if (approve && record.State == CollectionStates.Pending && record.Refusal is { } refusal)
        {
            return Problems.Conflict("The registry refused the collection; it stays pending", refusal);
        }

        if (record.State == CollectionStates.Approved && record.CaseId is null && IsBrokenComponent(record))
        {
            record = await OpenCaseAsync(record, ct);
        }

        if (record.State == CollectionStates.Approved)
        {
            // A registration renewed, a place inspected: the grid's dues count again (one-way).
            await cluster.GetGrain<IRegistryDuesGrain>(record.UnitCode).Refresh();
        }

        return TypedResults.Ok(CollectionView.Of(record, inClear: false));
    }

    /// <summary>
    /// Opens the case of a broken component under the worker's identity and an opId named by the record, so that a repeated
    /// approval (after a crash between the two) finds the same case rather than opening another; then names it on the record.
    /// </summary>
    private async Task<CollectionRecord> OpenCaseAsync(CollectionRecord record, CancellationToken ct)
    {
        // Where the component is, as the registry holds it now that the collection is applied.
        var row = record.RecordId is null ? null : await records.RegistryRowAsync(record.Registry, record.RecordId, ct);
        var (lat, lon) = (row?.Lat ?? Number(record.Data, "lat"), row?.Lon ?? Number(record.Data, "lon"));
        var located = lat is not null && lon is not null;
        var code = row?.Code ?? record.Data["code"]?.ToString() ?? record.RecordId;
        var description = $"城市部件{(code is null ? "" : " " + code)}{(record.Data["state"]?.ToString() == "missing" ? "丢失" : "损坏")}（网格员采集 {record.Id}）";
        var report = await reporting.ReportAsync(
            new ReportRequest("collection:" + record.Id, ComponentCaseCategory, "normal", description, located ? lat : null, located ? lon : null, located ? null : record.UnitCode, null),
            record.WorkerId, "device", _ => null, _ => false, ct);
        if (report.Result is Created<ReportResponse> created)
        {
            await records.NameCaseAsync(record.Id, created.Value!.Id, ct);
            return record with { CaseId = created.Value.Id };
        }

        return record;
    }

    public static bool IsBrokenComponent(CollectionRecord record) =>
        record.Registry == RegistryNames.Components && record.Action != CollectionActions.End
        && record.Data["state"] is JsonValue state && state.TryGetValue<string>(out var s) && BrokenStates.Contains(s);

    private static double? Number(JsonObject data, string name) =>
        data[name] is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) ? d : null;

    /// <summary>What the change log keeps of a review: never the collected data itself (it may hold personal data).</summary>
    private static object Summary(CollectionRecord r) => new { r.State, r.Registry, r.Action, r.RecordId, r.WorkerId, r.Note, r.Refusal };
}
