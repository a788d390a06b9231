using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.KeyPersons;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// <c>GET /api/v1/key-persons?unit=</c> and <c>/{id}</c>: key persons under supervision, for the roles that read them;
/// category for the roles that need it, names and the rest in clear only for the cleared role naming a purpose; every read audited.
/// </summary>
public static class KeyPersonsApi
{
    /// <param name="Category">Null unless the role may see categories (<see cref="Permission.ReadKeyPersonCategories"/>).</param>
    public sealed record KeyPersonItem(string Id, string Name, string? Category, string GridCode, string State);

    /// <param name="Category">Null unless the role may see categories.</param>
    /// <param name="Lat">Whereabouts and the last check-in: only in clear (the cleared role, naming a purpose).</param>
    public sealed record KeyPersonDetail(
        string Id, string Name, string IdNumber, string? Category, string SupervisionLevel, string GridCode, string State,
        double? Lat, double? Lon, DateTimeOffset? LastCheckIn);

    public static RouteGroupBuilder MapKeyPersonsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/key-persons").WithTags("Key persons");

        group.MapGet("/", async Task<Results<Ok<Page<KeyPersonItem>>, ProblemHttpResult, ValidationProblem>> (
            string? unit, int? limit, string? after, string? purpose, string? category, string? level, string? state,
            HttpContext context, PersonalDataReads reads, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take, Permission.ReadKeyPersons) is { } problem)
            {
                return problem;
            }

            if (PersonalDataReads.CheckPurpose(purpose, required: false, out var named) is { } invalid)
            {
                return invalid;
            }

            var user = context.User;
            var errors = new RequestErrors()
                .Check(category is null || KeyPersonFilter.Categories.Contains(category), "category", $"one of {string.Join(", ", KeyPersonFilter.Categories)}")
                .Check(level is null || KeyPersonFilter.Levels.Contains(level), "level", $"one of {string.Join(", ", KeyPersonFilter.Levels)}")
                .Check(state is null || KeyPersonFilter.States.Contains(state), "state", $"one of {string.Join(", ", KeyPersonFilter.States)}");
            if (errors.Any)
            {
                return errors.Problem();
            }

            // Filtering by category would tell a role that may not see categories what they are.
            if (category is not null && PersonalDataMasking.Category(user, category) is null)
            {
                return Problems.Forbidden();
            }

            var filter = new KeyPersonFilter(category, level, state);
            var unmasked = PersonalDataMasking.MaySeeUnmasked(user, named);
            var entry = PersonalDataReads.OperatorEntry(user, "key-person.list", unmasked, unmasked ? "name" : "name(masked)", named);
            return TypedResults.Ok(await reads.ReadListAsync(entry, async (connection, transaction) =>
            {
                var rows = await KeyPersonRecords.PageAsync(connection, transaction, unit!, filter, after ?? "", take + 1, ct);
                var page = Page<KeyPersonItem>.From(rows.ConvertAll(p => new KeyPersonItem(
                    p.Id, unmasked ? p.Name : PersonalDataMasking.Name(p.Name), PersonalDataMasking.Category(user, p.Category), p.GridCode, p.State)), take, p => p.Id);
                return (page, (IReadOnlyCollection<(string, string)>)[.. page.Items.Select(p => (p.Id, p.GridCode))]);
            }, ct));
        })
        .WithSummary("Key persons within the unit, paged by id, of a category, supervision level and state when given (category= only for roles that see categories, else 403); not for department staff or auditors (403). Names masked (张*) unless the role is "
            + $"cleared and names a purpose ({AccessPurposes.Described}); category null for roles that do not need it; every read is audited with its purpose.");

        group.MapGet("/{id}", (string id, string? purpose, HttpContext context, PersonalDataReads reads, IClusterClient cluster, CancellationToken ct) =>
            reads.ReadRecordAsync(context.User, id, Permission.ReadKeyPersons, "key-person.read", purpose, async read =>
            {
                var clear = read.InClear;
                var p = (await KeyPersonRecords.FindAsync(read.Connection, read.Transaction, id, ct))!;
                var detail = new KeyPersonDetail(id, clear ? p.Name : PersonalDataMasking.Name(p.Name), clear ? p.IdNumber : PersonalDataMasking.IdNumber(p.IdNumber),
                    PersonalDataMasking.Category(context.User, p.Category), p.SupervisionLevel, p.GridCode, p.State, null, null, null);
                // Whereabouts are personal data too: only a read in clear sees them, and its audit row says so.
                if (clear && await cluster.GetGrain<IKeyPersonGrain>(id).Snapshot() is { } live)
                {
                    detail = detail with { Lat = live.Lat, Lon = live.Lon, LastCheckIn = live.LastCheckIn };
                }

                var fields = (clear ? "name,idNumber,position,lastCheckIn" : "name(masked),idNumber(masked)") + (detail.Category is null ? "" : ",category");
                return new Disclosure<KeyPersonDetail>(detail, clear, fields);
            }, ct))
        .WithSummary("One key person; not for department staff or auditors (403). Name and ID number masked (张*, 5101**************), "
            + "whereabouts and last check-in absent, unless the role is cleared and names a purpose (400 for a purpose not in the list); "
            + "category null for roles that do not need it; every read (allowed or denied) is audited with its purpose. While a hand-over request (异地协作监管) "
            + "is open, the receiving side (scope holding its toGrid) reads the person too, masked by role like any read, audited with via=hand-over:<id>.");

        return group;
    }
}
