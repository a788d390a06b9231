using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Paging;

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
            string? unit, int? limit, string? after, HttpContext context, NpgsqlDataSource db, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take) is { } problem)
            {
                return problem;
            }

            var unmasked = PersonalDataMasking.MaySeeUnmasked(context.User);
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var rows = new List<KeyPersonItem>();
            await using (var command = new NpgsqlCommand(
                """
                SELECT id, name, category, grid_code, state FROM key_person
                WHERE grid_code LIKE @prefix AND id > @after ORDER BY id LIMIT @take
                """, connection, transaction))
            {
                command.Parameters.AddWithValue("prefix", unit + "%");
                command.Parameters.AddWithValue("after", after ?? "");
                command.Parameters.AddWithValue("take", take + 1);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var name = reader.GetString(1);
                    rows.Add(new KeyPersonItem(reader.GetString(0), unmasked ? name : PersonalDataMasking.Name(name), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
                }
            }

            var page = Page<KeyPersonItem>.From(rows, take, p => p.Id);
            // The read is recorded in the same transaction: no answer leaves without its audit rows.
            await using (var audit = new NpgsqlCommand(
                """
                INSERT INTO audit_log (actor, role, action, subject, unmasked)
                SELECT @actor, @role, 'key-person.list', subject, @unmasked FROM unnest(@subjects) AS subject
                """, connection, transaction))
            {
                audit.Parameters.AddWithValue("actor", context.User.Username());
                audit.Parameters.AddWithValue("role", context.User.RoleOf() ?? "");
                audit.Parameters.AddWithValue("unmasked", unmasked);
                audit.Parameters.AddWithValue("subjects", page.Items.Select(p => p.Id).ToArray());
                await audit.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return TypedResults.Ok(page);
        })
        .WithSummary("Key persons within the unit, paged by id. Names are masked unless the role may see them; every read is audited.");

        group.MapGet("/{id}", async Task<Results<Ok<KeyPersonDetail>, ProblemHttpResult>> (
            string id, string? purpose, HttpContext context, NpgsqlDataSource db, IClusterClient cluster, CancellationToken ct) =>
        {
            var unmasked = PersonalDataMasking.MaySeeUnmasked(context.User);
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            KeyPersonDetail? detail = null;
            string? grid = null;
            await using (var command = new NpgsqlCommand(
                "SELECT name, id_number, category, supervision_level, grid_code, state FROM key_person WHERE id = @id", connection, transaction))
            {
                command.Parameters.AddWithValue("id", id);
                await using var reader = await command.ExecuteReaderAsync(ct);
                if (await reader.ReadAsync(ct))
                {
                    grid = reader.GetString(4);
                    var (name, idNumber) = (reader.GetString(0), reader.GetString(1));
                    detail = new KeyPersonDetail(id, unmasked ? name : PersonalDataMasking.Name(name), unmasked ? idNumber : PersonalDataMasking.IdNumber(idNumber),
                        reader.GetString(2), reader.GetString(3), grid, reader.GetString(5), null, null, null);
                }
            }

            var allowed = grid is not null && ScopeGuard.Check(context.User, grid, Permission.ViewUnits) == ScopeDecision.Allowed;
            if (allowed && unmasked && await cluster.GetGrain<Grains.KeyPersons.IKeyPersonGrain>(id).Snapshot() is { } live)
            {
                // Whereabouts are personal data too: only a cleared role sees them.
                detail = detail! with { Lat = live.Lat, Lon = live.Lon, LastCheckIn = live.LastCheckIn };
            }

            // Every read, allowed or denied, leaves one row, committed before the answer.
            await PersonalDataAudit.RecordAsync(connection, transaction, context.User, "key-person.read", id, allowed && unmasked,
                allowed ? unmasked ? "name,idNumber,position" : "name(masked),idNumber(masked)" : "none (denied)", purpose, ct);
            await transaction.CommitAsync(ct);
            return allowed ? TypedResults.Ok(detail!) : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");
        })
        .WithSummary("One key person: name and ID number masked unless the role may see them, whereabouts only for that role; every read (allowed or denied) is audited, with the optional purpose.");

        return group.MapSupervisionApi();
    }
}
