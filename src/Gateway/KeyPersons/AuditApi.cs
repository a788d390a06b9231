using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary><c>GET /api/v1/audit?unit=</c>: the auditor reads who read which key person's data, newest first.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Key persons");

        group.MapGet("/", async Task<Results<Ok<Page<AuditEntry>>, ProblemHttpResult>> (
            string? unit, int? limit, long? after, HttpContext context, AuditLog audit, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take) is { } problem)
            {
                return problem;
            }

            if (!Roles.Allows(context.User.RoleOf(), Permission.ReadAudit))
            {
                return Problems.Forbidden();
            }

            var rows = await audit.KeyPersonReadsAsync(unit!, after ?? long.MaxValue, take + 1, ct);
            return TypedResults.Ok(Page<AuditEntry>.From(rows, take, e => e.Id.ToString(CultureInfo.InvariantCulture)));
        })
        .WithSummary("Reads of key persons' personal data within a unit (who, role, subject, fields, purpose, when), newest first; auditors and admins only.");

        return group;
    }
}
