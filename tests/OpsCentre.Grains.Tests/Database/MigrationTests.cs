using Npgsql;
using OpsCentre.Database;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Database;

[Collection(nameof(ClusterCollection))]
public sealed class MigrationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task MigratingAnUpToDateDatabaseAgainChangesNothing()
    {
        var applied = await new SchemaMigrator().MigrateAsync(fixture.Database.OwnerConnectionString, fixture.Database.AppRole);
        Assert.Empty(applied);

        await using var connection = new NpgsqlConnection(fixture.Database.OwnerConnectionString);
        await connection.OpenAsync();
        Assert.Equal(SchemaMigrator.LatestVersion, await SchemaMigrator.CurrentVersionAsync(connection));
    }

    [Fact]
    public async Task AnEmptyDatabaseIsUpgradedToTheLatestVersionAndThenStartsAsilo()
    {
        var database = await DatabaseProvisioner.ProvisionAsync(fixture.Postgres.AdminConnectionString, "migration_probe", "o-pw", "a-pw");
        try
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                OrleansQueryCatalog.AssertPresentAsync(database.OwnerConnectionString, OrleansQueryCatalog.Silo));

            var applied = await new SchemaMigrator().MigrateAsync(database.OwnerConnectionString, database.AppRole);
            Assert.Equal(Enumerable.Range(1, SchemaMigrator.LatestVersion), applied);
            await OrleansQueryCatalog.AssertPresentAsync(database.AppConnectionString, OrleansQueryCatalog.Silo);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await fixture.Postgres.DropDatabaseAsync("migration_probe");
        }
    }

    [Fact]
    public async Task TheApplicationRoleCannotChangeTheSchemaOrTheProviderQueries()
    {
        foreach (var sql in new[]
        {
            "CREATE TABLE intruder (id int)",
            "DROP TABLE orleans_grain_state",
            "UPDATE orleansquery SET querytext = 'SELECT 1'",
            "DELETE FROM schema_version",
        })
        {
            await fixture.Db.AssertRefusedAsync(sql);
        }
    }
}
