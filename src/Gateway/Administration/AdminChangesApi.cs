using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Administration;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;

namespace OpsCentre.Gateway.Administration;

/// <summary>
/// <c>GET /api/v1/audit/changes</c>: the log of administrative changes (变更记录) — who changed which account, category,
/// department, supervision schedule or alert rule, when, from what to what — for admins and auditors, within their unit.
/// </summary>
public static class AdminChangesApi
{
    public static RouteGroupBuilder MapAdminChangesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit/changes").WithTags("Administration");

        group.MapGet("/", async Task<Results<Ok<Page<AdminChangeEntry>>, ProblemHttpResult>> (
            string? unit, string? entityKind, string? entityKey, string? actor, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? after,
            HttpContext context, AdminChanges changes, CancellationToken ct) =>
        {
            var scope = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(scope, limit, context.User, out var take, Permission.ReadAudit) is { } problem)
            {
                return problem;
            }

            if (entityKind is not null && !AdminEntityKinds.All.Contains(entityKind))
            {
                return Problems.InvalidQuery("entityKind", $"one of {string.Join(", ", AdminEntityKinds.All)}");
            }

            if (!AdminChanges.IsCursor(after))
            {
                return Problems.InvalidQuery("after", "the next of a page of this list");
            }

            var rows = await changes.ReadAsync(new AdminChangeFilter(scope, entityKind, entityKey, actor, from, to), after, take + 1, ct);
            return TypedResults.Ok(Page<AdminChangeEntry>.From(rows, take, AdminChanges.Cursor));
        })
        .WithName("ListAdminChanges")
        .WithSummary("Administrative changes within the caller's unit (or `unit`), newest first: actor, role, time, entity kind and key, action, old and new value, opId. "
            + "Filter by `entityKind` (operator, incident-category, department, supervision-schedule, alert-rule), `entityKey`, `actor`, `from`/`to`. "
            + "Alert rules' entries are read from their own versions. Admins and auditors.");

        return group;
    }
}
