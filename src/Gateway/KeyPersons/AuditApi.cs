using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// <c>GET /api/v1/audit?unit=</c>: the auditor reads who read whose personal data (key persons, workers' tracks), why and
/// when, newest first; <c>GET /api/v1/audit/purposes</c>: the purposes a read may name.
/// </summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Key persons");

        group.MapGet("/", async Task<Results<Ok<Page<AuditEntry>>, ProblemHttpResult>> (
            string? unit, int? limit, long? after, string? purpose, string? actor, string? subject, DateTimeOffset? from, DateTimeOffset? to,
            HttpContext context, AuditLog audit, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take, Permission.ReadAudit) is { } problem)
            {
                return problem;
            }

            if (PersonalDataReads.CheckPurpose(purpose, required: false, out var named) is { } invalid)
            {
                return invalid;
            }

            if (from is not null && to is not null && from > to)
            {
                return Problems.BadRequest("from must not be after to");
            }

            var filter = new AuditFilter(named, NullIfBlank(actor), NullIfBlank(subject), from, to);
            var rows = await audit.PersonalDataReadsAsync(unit!, filter, after ?? long.MaxValue, take + 1, ct);
            return TypedResults.Ok(Page<AuditEntry>.From(rows, take, e => e.Id.ToString(CultureInfo.InvariantCulture)));
        })
        .WithSummary("Reads of personal data within a unit — key persons' records, workers' tracks, wall-screen subscriptions to key persons' events — "
            + "(who, role, subject, whether in clear, purpose and its zh-CN label, fields, when), newest first; only those naming `purpose`, by `actor` (a username), about `subject` (a person's id), at or after `from` and before `to` when given; "
            + "denied attempts are listed too (their detail says `fields=none (denied)`). "
            + "Auditors and admins only.");

        group.MapGet("/purposes", () => TypedResults.Ok(new Page<AccessPurpose>(AccessPurposes.All, null)))
            .WithSummary($"The purposes a read of personal data may name (?purpose=), with their zh-CN labels: {AccessPurposes.Described}.");

        return group;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
