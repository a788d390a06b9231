using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.KeyPersons;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary><c>GET /api/v1/key-persons?unit=</c>: key persons under supervision within a unit; names masked by role, every read audited.</summary>
public static class KeyPersonsApi
{
    public sealed record KeyPersonItem(string Id, string Name, string Category, string GridCode, string State);

    public sealed record KeyPersonDetail(
        string Id, string Name, string IdNumber, string Category, string SupervisionLevel, string GridCode, string State,
        double? Lat, double? Lon, DateTimeOffset? LastCheckIn);

    public static RouteGroupBuilder MapKeyPersonsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/key-persons").WithTags("Key persons");

        group.MapGet("/", async Task<Results<Ok<Page<KeyPersonItem>>, ProblemHttpResult>> (
            string? unit, int? limit, string? after, HttpContext context, PersonalDataReads reads, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take) is { } problem)
            {
                return problem;
            }

            var unmasked = PersonalDataMasking.MaySeeUnmasked(context.User);
            var entry = new AuditedAccess(context.User.Username(), context.User.RoleOf() ?? "", "key-person.list", unmasked, null);
            return TypedResults.Ok(await reads.ReadListAsync(entry, async (connection, transaction) =>
            {
                var rows = await KeyPersonRecords.PageAsync(connection, transaction, unit!, after ?? "", take + 1, ct);
                var page = Page<KeyPersonItem>.From(
                    rows.ConvertAll(p => new KeyPersonItem(p.Id, unmasked ? p.Name : PersonalDataMasking.Name(p.Name), p.Category, p.GridCode, p.State)), take, p => p.Id);
                return (page, (IReadOnlyCollection<(string, string)>)[.. page.Items.Select(p => (p.Id, p.GridCode))]);
            }, ct));
        })
        .WithSummary("Key persons within the unit, paged by id. Names are masked unless the role may see them; every read is audited.");

        group.MapGet("/{id}", (string id, string? purpose, HttpContext context, PersonalDataReads reads, IClusterClient cluster, CancellationToken ct) =>
        {
            var unmasked = PersonalDataMasking.MaySeeUnmasked(context.User);
            return reads.ReadAsync(context.User, id, Permission.ViewUnits, "key-person.read", purpose, async read =>
            {
                var p = (await KeyPersonRecords.FindAsync(read.Connection, read.Transaction, id, ct))!;
                var detail = new KeyPersonDetail(id, unmasked ? p.Name : PersonalDataMasking.Name(p.Name), unmasked ? p.IdNumber : PersonalDataMasking.IdNumber(p.IdNumber),
                    p.Category, p.SupervisionLevel, p.GridCode, p.State, null, null, null);
                // Whereabouts are personal data too: only a cleared role sees them.
                if (unmasked && await cluster.GetGrain<IKeyPersonGrain>(id).Snapshot() is { } live)
                {
                    detail = detail with { Lat = live.Lat, Lon = live.Lon, LastCheckIn = live.LastCheckIn };
                }

                return new Disclosure<KeyPersonDetail>(detail, unmasked, unmasked ? "name,idNumber,position" : "name(masked),idNumber(masked)");
            }, ct);
        })
        .WithSummary("One key person: name and ID number masked unless the role may see them, whereabouts only for that role; every read (allowed or denied) is audited, with the optional purpose.");

        return group;
    }
}
