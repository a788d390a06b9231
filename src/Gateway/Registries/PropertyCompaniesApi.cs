using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Grains.Registries;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Registries;

/// <summary>
/// 物业监督: property companies of the organisations registry linked to the compounds they manage (key places of kind compound);
/// the cases reported in those compounds are counted against them, and the community and street rank them. docs/supervision.md.
/// </summary>
public static class PropertyCompaniesApi
{
    /// <param name="RadiusM">How far from the compound's standard address a case counts as in it: 20–2000 m, default 200.</param>
    public sealed record LinkRequest(string? OpId, string? PlaceId, int? RadiusM);

    public sealed record RankedCompany(int? Rank, PropertyCompanyFigures Figures);

    public sealed record CompanyRanking(string Unit, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<RankedCompany> Items);

    public static RouteGroupBuilder MapPropertyCompaniesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/property-companies").WithTags("Registries");

        group.MapGet("/", async Task<Results<Ok<IReadOnlyList<PropertyCompany>>, ProblemHttpResult>> (
            string? unit, HttpContext context, PropertyCompanies companies, CancellationToken ct) =>
        {
            var scope = unit ?? context.User.UnitCodeOf();
            if (!UnitCode.IsValid(scope))
            {
                return Problems.BadRequest("unit must be a unit code");
            }

            return ScopeGuard.Deny(context.User, scope, Permission.ReadRegistries) is { } denied
                ? denied
                : TypedResults.Ok<IReadOnlyList<PropertyCompany>>(await companies.ListAsync(scope, ct));
        })
        .WithSummary("The property companies (organisations of kind property-management) within unit (default the caller's), each with the compounds it manages now.");

        group.MapPost("/{id}/compounds", async Task<Results<Ok<IReadOnlyList<PropertyCompany>>, ProblemHttpResult, ValidationProblem>> (
            string id, LinkRequest request, HttpContext context, PropertyCompanies companies, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.PlaceId is { Length: >= 1 and <= 200 }, "placeId", "the compound's key-place id")
                .Check(request.RadiusM is null or (>= 20 and <= 2000), "radiusM", "between 20 and 2000");
            if (errors.Any)
            {
                return errors.Problem();
            }

            var (company, compound) = await companies.UnitsOfAsync(id, request.PlaceId!, ct);
            if (company is null)
            {
                return Problems.NotFound();
            }

            if (compound is null)
            {
                return Problems.Unprocessable("placeId", "a key place of kind compound");
            }

            // Whoever supervises the compound says which company manages it.
            if (ScopeGuard.Deny(context.User, compound, Permission.ManagePropertyCompanies) is { } denied)
            {
                return denied;
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "property-company.link", OperationIds.Hash(id, request.PlaceId, request.RadiusM));
            return await companies.LinkAsync(operation, id, request.PlaceId!, request.RadiusM ?? 200, clock.GetUtcNow(), ct) == LinkOutcome.OpIdReused
                ? Problems.OpIdReused()
                : TypedResults.Ok<IReadOnlyList<PropertyCompany>>([.. (await companies.ListAsync(compound, ct)).Where(c => c.Id == id)]);
        })
        .WithSummary("Links a compound to the property company that manages it from now (物业服务), ending its link to any other company; cases within radiusM "
            + "(default 200) of the compound's address count against the company. Community staff and the centres above, in the compound's scope; idempotent by opId.");

        group.MapGet("/ranking", async Task<Results<Ok<CompanyRanking>, ProblemHttpResult>> (
            string? unit, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, PropertyCompanies companies, TimeProvider clock, CancellationToken ct) =>
        {
            if (!UnitCode.IsValid(unit) || KpisApi.Period(from, to, clock) is not { } period)
            {
                return Problems.BadRequest("unit must be a unit code; to must follow from, within 400 days");
            }

            if (ScopeGuard.Deny(context.User, unit, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            // Fewer cases per compound ranks higher, then the better on-time closure; a company without a located compound is unranked.
            var figures = await companies.FiguresAsync(unit, period.From, period.To, ct);
            var ranked = figures.Where(f => f.CasesPerCompound is not null)
                .OrderBy(f => f.CasesPerCompound).ThenByDescending(f => f.OnTimeClosureRate ?? -1).ThenBy(f => f.Id, StringComparer.Ordinal)
                .Select((f, i) => new RankedCompany(i + 1, f))
                .Concat(figures.Where(f => f.CasesPerCompound is null).Select(f => new RankedCompany(null, f)))
                .ToList();
            return TypedResults.Ok(new CompanyRanking(unit, period.From, period.To, ranked));
        })
        .WithSummary("Property companies ranked for a community or street over [from, to) (default this month): per company its compounds within unit, "
            + "the cases reported in them (within radius, drills left out), closed, on time, open, property complaints; ranked by cases per compound (fewer first).");

        return group;
    }
}
