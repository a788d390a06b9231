using Npgsql;

namespace OpsCentre.Database;

/// <summary>
/// The query keys the Orleans ADO.NET providers read from <c>orleansquery</c>. A missing key makes a
/// provider fail deep inside start-up; checking them first turns that into one clear message.
/// </summary>
public static class OrleansQueryCatalog
{
    public static IReadOnlyList<string> Clustering { get; } =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
    ];

    public static IReadOnlyList<string> GrainStorage { get; } = ["ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey"];

    public static IReadOnlyList<string> Reminders { get; } =
    [
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
        "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    /// <summary>Every key a silo needs.</summary>
    public static IReadOnlyList<string> Silo { get; } = [.. Clustering, .. GrainStorage, .. Reminders];

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> naming every missing key, and says so when the
    /// schema is older than this build.
    /// </summary>
    public static async Task AssertPresentAsync(string connectionString, IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        var version = await SchemaMigrator.CurrentVersionAsync(connection, cancellationToken);
        if (version < SchemaMigrator.LatestVersion)
        {
            throw new InvalidOperationException(
                $"The database schema is at version {version}; this build needs {SchemaMigrator.LatestVersion}. Run the migrator (see README, 'Database').");
        }

        await using var command = new NpgsqlCommand("SELECT querykey FROM orleansquery", connection);
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                present.Add(reader.GetString(0));
            }
        }

        var missing = keys.Where(k => !present.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The orleansquery table lacks the Orleans provider queries: {string.Join(", ", missing)}.");
        }
    }
}
