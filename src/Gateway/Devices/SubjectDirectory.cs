using Npgsql;

namespace OpsCentre.Gateway.Devices;

/// <summary>Finds the grid of the person a device is (or would be) bound to: a grid worker or a key person.</summary>
public sealed class SubjectDirectory(NpgsqlDataSource db)
{
    /// <summary>Worker phones belong to grid workers; wristbands and person phones to key persons.</summary>
    public static bool IsWorkerDevice(string kind) => kind == "worker-phone";

    /// <summary>The grid code of the subject, or null when the roster has no such person of that kind.</summary>
    public async Task<string?> GridOfAsync(string kind, string subjectId, CancellationToken cancellationToken)
    {
        var sql = IsWorkerDevice(kind)
            ? "SELECT assigned_grid FROM grid_worker WHERE id = @id"
            : "SELECT grid_code FROM key_person WHERE id = @id";
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("id", subjectId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
