using Npgsql;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Auth;

/// <summary>
/// The demo accounts come with the demo city (<c>OpsCentre.CityGen ensure</c>), only when asked for with
/// <c>OPSCENTRE_DEMO=on</c>, and seeding again creates the missing ones only: a changed password or a disabled account stays.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class DemoSeedingTests(SystemFixture system)
{
    [Fact]
    public async Task DemoDataIsSeededOnlyWhenAskedForAndSeedingAgainLeavesExistingAccountsAlone()
    {
        const string Database = "demo_seeding";
        var database = await system.Postgres.CreateDatabaseAsync(Database);
        await using var db = NpgsqlDataSource.Create(database.AppConnectionString);
        await using var owner = NpgsqlDataSource.Create(database.OwnerConnectionString);
        var operators = new OperatorStore(db);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__OpsCentre"] = database.AppConnectionString,
            ["OPSCENTRE_DEMO_PASSWORD"] = "first-demo-password",
            ["Registries__PersonalDataKey"] = system.PersonalDataKey,
            ["OPSCENTRE_DEMO"] = "",
        };

        try
        {
            // Without the flag (a database someone configured): refused, nothing written, no city.
            Assert.Equal(2, await EnsureAsync(environment));
            Assert.Equal(0, await db.ScalarAsync<int>("SELECT count(*)::int FROM operator_account"));
            Assert.Equal(0, await db.ScalarAsync<int>("SELECT count(*)::int FROM unit_map"));

            environment["OPSCENTRE_DEMO"] = "on";
            Assert.Equal(0, await EnsureAsync(environment));
            var demo = CityGen.DemoSeeding.Accounts(["510104"]).Select(a => a.Username).ToList();
            Assert.Contains("jinjiang.cg.staff", demo);
            Assert.Equal(demo.Order(), await db.RowsAsync("SELECT username FROM operator_account ORDER BY username", r => r.GetString(0)));
            Assert.NotNull(await operators.VerifyAsync("jinjiang.operator", "first-demo-password"));

            // Someone changes a password, disables an account, deletes another; the next start seeds again with another password.
            var account = (await operators.FindAsync("jinjiang.operator"))!;
            await operators.UpsertAsync(account, "changed-password");
            await db.ExecuteAsync("UPDATE operator_account SET disabled = true WHERE username = 'city.auditor'");
            await owner.ExecuteAsync("DELETE FROM operator_account WHERE username = 'jinjiang.grid.worker'");
            environment["OPSCENTRE_DEMO_PASSWORD"] = "second-demo-password";
            Assert.Equal(0, await EnsureAsync(environment));

            Assert.NotNull(await operators.VerifyAsync("jinjiang.operator", "changed-password"));
            Assert.Null(await operators.VerifyAsync("jinjiang.operator", "second-demo-password"));
            Assert.True((await operators.FindAsync("city.auditor"))!.Disabled);
            Assert.NotNull(await operators.VerifyAsync("jinjiang.grid.worker", "second-demo-password"));
            Assert.NotNull(await operators.VerifyAsync("city.admin", "first-demo-password"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await system.Postgres.DropDatabaseAsync(Database);
        }
    }

    private static async Task<int> EnsureAsync(Dictionary<string, string> environment)
    {
        var folder = Path.Combine(Path.GetTempPath(), "opscentre-demo-seeding-" + Guid.NewGuid().ToString("N")[..8]);
        await using var process = ChildProcess.Start("citygen-ensure", RepositoryPaths.Output("tools/CityGen", "OpsCentre.CityGen"), environment, "ensure", "tiny", folder);
        try
        {
            return await process.ExitCodeAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
