using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// A key person's check-ins (报到) and visits (回访): the latest of each with the next due by their
/// supervision level, every read audited like the person's record; and recording a visit.
/// </summary>
public static class KeyPersonVisitsApi
{
    public sealed record CheckInsView(string SupervisionLevel, DateTimeOffset? LastCheckIn, DateTimeOffset CheckInDue, IReadOnlyList<CheckInItem> Items);

    public sealed record VisitsView(string SupervisionLevel, DateTimeOffset? LastVisit, DateTimeOffset VisitDue, IReadOnlyList<VisitItem> Items);

    /// <summary>How many of the newest check-ins and visits a read returns.</summary>
    private const int Latest = 100;

    public static RouteGroupBuilder MapKeyPersonVisitsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/key-persons").WithTags("Key persons");

        group.MapGet("/{id}/check-ins", (string id, string? purpose, HttpContext context, PersonalDataReads reads, IClusterClient cluster, CancellationToken ct) =>
            reads.ReadAsync(context.User, id, Permission.ReadKeyPersons, "key-person.check-ins", purpose, async read =>
                await cluster.GetGrain<IKeyPersonGrain>(id).Snapshot() is { } person
                    ? new Disclosure<CheckInsView>(new CheckInsView(person.SupervisionLevel, person.LastCheckIn, person.CheckInDue,
                        await KeyPersonRecords.CheckInsAsync(read.Connection, read.Transaction, id, UnitCode.DistrictOf(read.Grid)!, Latest, ct)), false, "checkIns")
                    : null, ct))
        .WithSummary("The person's latest check-ins (报到) and when the next is due by their supervision level; not for department staff or auditors (403); audited, with the purpose if named.");

        group.MapGet("/{id}/visits", (string id, string? purpose, HttpContext context, PersonalDataReads reads, IClusterClient cluster, CancellationToken ct) =>
            reads.ReadAsync(context.User, id, Permission.ReadKeyPersons, "key-person.visits", purpose, async read =>
            {
                if (await cluster.GetGrain<IKeyPersonGrain>(id).Snapshot() is not { } person)
                {
                    return null;
                }

                // Notes describe the person and their circumstances: personal data, shown only in clear.
                var visits = await KeyPersonRecords.VisitsAsync(read.Connection, read.Transaction, id, Latest, ct);
                var view = new VisitsView(person.SupervisionLevel, person.LastVisit, person.VisitDue, read.InClear ? visits : visits.ConvertAll(v => v with { Notes = null }));
                return new Disclosure<VisitsView>(view, read.InClear, read.InClear ? "visits,notes" : "visits");
            }, ct))
        .WithSummary("The person's latest visits (回访) and when the next is due by their supervision level; not for department staff or auditors (403); "
            + "notes only for corrections staff naming a purpose; audited.");

        group.MapPost("/{id}/visits", async Task<Results<Created<VisitRecorded>, ProblemHttpResult, ValidationProblem>> (
            string id, VisitRequest request, HttpContext context, VisitRecording visits, CancellationToken ct) =>
            !Roles.Allows(context.User.RoleOf(), Permission.RecordVisits)
                ? Problems.Forbidden()
                : await visits.RecordAsync(id, request, context.User.Username(), grid => UnitCode.IsWithin(grid, context.User.UnitCodeOf()), ct))
        .WithSummary("Records a visit (回访) with its outcome (met | concern | absent) and notes; an absent visit does not count as the one due. Idempotent by opId.");

        return group;
    }
}
