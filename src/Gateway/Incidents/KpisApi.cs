using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Units;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Incidents;

/// <summary><c>GET /api/v1/kpis</c>: the assessment KPIs (考核) of a unit, a department or a worker, from the event log.</summary>
public static class KpisApi
{
    public static RouteHandlerBuilder MapKpisApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/kpis", async Task<Results<Ok<IncidentKpis.Figures>, ProblemHttpResult>> (
            string? unit, string? department, string? worker, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, IncidentKpis kpis,
            IncidentCatalog catalog, WorkerRoster roster, TimeProvider clock, CancellationToken ct) =>
        {
            if (new[] { unit, department, worker }.Count(x => x is not null) != 1)
            {
                return Problems.BadRequest("exactly one of unit, department or worker");
            }

            var month = IncidentKpis.CurrentMonth(clock.GetUtcNow());
            var (start, end) = (from ?? month.From, to ?? month.To);
            if (end <= start || end - start > TimeSpan.FromDays(400))
            {
                return Problems.BadRequest("to must follow from, within 400 days");
            }

            // The scope of a department or a worker is the unit they belong to.
            var scopeUnit = unit is not null ? (UnitCode.IsValid(unit) ? unit : null)
                : department is not null ? (await catalog.DepartmentAsync(department, ct))?.DistrictCode
                : await roster.AssignedGridAsync(worker!, ct);
            if (scopeUnit is null)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, scopeUnit, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            var (scope, code) = unit is not null ? (IncidentKpis.Scope.Unit, unit) : department is not null ? (IncidentKpis.Scope.Department, department) : (IncidentKpis.Scope.Worker, worker!);
            return TypedResults.Ok(await kpis.ComputeAsync(scope, code, start, end, ct));
        })
        .WithTags("Incidents")
        .WithSummary("Assessment KPIs of the cases reported in [from, to) (default: this month, Asia/Shanghai) for a unit, a department or a worker.");
}
