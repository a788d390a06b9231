using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.KeyPersons;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>A visit (回访) to record: its outcome, notes and when it happened (default: now).</summary>
public sealed record VisitRequest(string? OpId, string? Outcome, string? Notes, DateTimeOffset? VisitedAt);

public sealed record VisitRecorded(string Id, string KeyPersonId, DateTimeOffset VisitedAt, string Outcome, DateTimeOffset VisitDue);

/// <summary>
/// Records a visit for an operator or a grid worker's phone alike: validates, checks that the visitor
/// may visit the person, stores the visit under the caller's opId, and tells the person's grain.
/// </summary>
public sealed class VisitRecording(KeyPersonRecords records, IClusterClient cluster, TimeProvider clock)
{
    /// <summary>How far back a visit may be entered (a worker in paper mode, 人+纸, types them in later).</summary>
    private static readonly TimeSpan Backdating = TimeSpan.FromDays(30);

    private static readonly string[] Outcomes = ["met", "concern", "absent"];

    /// <param name="mayVisit">Whether the visitor may visit a person of the given grid; a person they may not is not found.</param>
    public async Task<Results<Created<VisitRecorded>, ProblemHttpResult, ValidationProblem>> RecordAsync(
        string personId, VisitRequest request, string recordedBy, Func<string, bool> mayVisit, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var errors = new RequestErrors().OpId(request.OpId)
            .Check(Outcomes.Contains(request.Outcome), "outcome", "met, concern or absent")
            .Check(request.Notes is not { Length: > 4000 }, "notes", "at most 4000 characters")
            .Check(request.VisitedAt is not { } at || (at <= now.AddMinutes(5) && at >= now - Backdating), "visitedAt", "not in the future, and at most 30 days ago");
        if (errors.Any)
        {
            return errors.Problem();
        }

        if (await records.GridOfAsync(personId, ct) is not { } grid || !mayVisit(grid))
        {
            return Problems.NotFound();
        }

        var operation = new Operation(recordedBy, request.OpId!, "key-person.visit", OperationIds.Hash(personId, request.Outcome, request.Notes ?? "", request.VisitedAt));
        var (outcome, visitId, visitedAt) = await records.RecordVisitAsync(operation, personId, grid, request.VisitedAt ?? now, request.Outcome!, request.Notes ?? "", ct);
        if (outcome == ClaimOutcome.Reused)
        {
            return Problems.OpIdReused();
        }

        // The row is the record; the grain logs the visit once and counts it. A retry after a failure here
        // finds the row and tells the grain again, which changes nothing the second time.
        var grain = cluster.GetGrain<IKeyPersonGrain>(personId);
        await grain.Visited(new KeyPersonVisit(visitId, visitedAt, request.Outcome!));
        var person = await grain.Snapshot();
        return TypedResults.Created($"/api/v1/key-persons/{personId}/visits", new VisitRecorded(visitId, personId, visitedAt, request.Outcome!, person!.VisitDue));
    }
}
