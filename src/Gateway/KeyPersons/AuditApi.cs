using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Paging;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary><c>GET /api/v1/audit?unit=</c>: the auditor reads who read which key person's data, newest first.</summary>
public static class AuditApi
{
    public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Role, string Action, string Subject, bool Unmasked, string? Detail);

    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Key persons");

        group.MapGet("/", async Task<Results<Ok<Page<AuditEntry>>, ProblemHttpResult>> (
            string? unit, int? limit, long? after, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take) is { } problem)
            {
                return problem;
            }

            if (!Roles.Allows(context.User.RoleOf(), Permission.ReadAudit))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Your role may not do this");
            }

            await using var command = db.CreateCommand(
                """
                SELECT a.id, a.at, a.actor, a.role, a.action, a.subject, a.unmasked, a.detail
                FROM audit_log a JOIN key_person k ON k.id = a.subject
                WHERE k.grid_code LIKE @prefix AND a.id < @after
                ORDER BY a.id DESC LIMIT @take
                """);
            command.Parameters.AddWithValue("prefix", unit + "%");
            command.Parameters.AddWithValue("after", after ?? long.MaxValue);
            command.Parameters.AddWithValue("take", take + 1);
            var rows = new List<AuditEntry>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add(new AuditEntry(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
                    reader.GetString(4), reader.GetString(5), reader.GetBoolean(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
            }

            return TypedResults.Ok(Page<AuditEntry>.From(rows, take, e => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        })
        .WithSummary("Reads of key persons' personal data within a unit (who, role, subject, fields, purpose, when), newest first; auditors and admins only.");

        return group;
    }
}
