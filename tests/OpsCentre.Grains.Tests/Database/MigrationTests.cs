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
    public async Task AnAppliedMigrationWhoseTextChangedStopsTheMigratorNamingTheFile()
    {
        var database = await DatabaseProvisioner.ProvisionAsync(fixture.Postgres.AdminConnectionString, "checksum_probe", "o-pw", "a-pw");
        try
        {
            await new SchemaMigrator().MigrateAsync(database.OwnerConnectionString, database.AppRole);
            await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
            await connection.OpenAsync();

            // A database migrated before checksums existed: the next run records them and carries on.
            await new NpgsqlCommand("UPDATE schema_version SET checksum = NULL", connection).ExecuteNonQueryAsync();
            Assert.Empty(await new SchemaMigrator().MigrateAsync(database.OwnerConnectionString, database.AppRole));
            var city = SchemaMigrator.Migrations[2];
            Assert.Equal(city.Checksum, await new NpgsqlCommand("SELECT checksum FROM schema_version WHERE version = 3", connection).ExecuteScalarAsync());
            Assert.Equal(0L, await new NpgsqlCommand("SELECT count(*) FROM schema_version WHERE checksum IS NULL", connection).ExecuteScalarAsync());

            // What was applied differs from this build's text of 0003 (as if the file had been edited since).
            await new NpgsqlCommand("UPDATE schema_version SET checksum = repeat('0', 64) WHERE version = 3", connection).ExecuteNonQueryAsync();
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                new SchemaMigrator().MigrateAsync(database.OwnerConnectionString, database.AppRole));
            Assert.Contains("0003_city_model.sql", refused.Message);
            Assert.Equal("0003_city_model.sql", city.FileName);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await fixture.Postgres.DropDatabaseAsync("checksum_probe");
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
