using System.Security.Claims;
using Npgsql;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>
/// One <c>audit_log</c> row per read of a key person's record, allowed or denied, written in the
/// transaction of the read itself: no answer leaves without its row.
/// </summary>
public static class PersonalDataAudit
{
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ClaimsPrincipal user, string action,
        string subject, bool unmasked, string fields, string? purpose, CancellationToken ct)
    {
        await using var audit = new NpgsqlCommand(
            "INSERT INTO audit_log (actor, role, action, subject, unmasked, detail) VALUES (@actor, @role, @action, @subject, @unmasked, @detail)",
            connection, transaction);
        audit.Parameters.AddWithValue("actor", user.Username());
        audit.Parameters.AddWithValue("role", user.RoleOf() ?? "");
        audit.Parameters.AddWithValue("action", action);
        audit.Parameters.AddWithValue("subject", subject);
        audit.Parameters.AddWithValue("unmasked", unmasked);
        audit.Parameters.AddWithValue("detail", $"unit={user.UnitCodeOf()}; fields={fields}; purpose={purpose ?? "-"}");
        await audit.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The grid of a key person, read inside the audited transaction; null for an unknown id.</summary>
    public static async Task<string?> GridOfAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT grid_code FROM key_person WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
