using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using OpsCentre.Database.Registries;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Database;

/// <summary>
/// A registry's first load (a large file into an empty table) builds the table's secondary indexes after its rows
/// (migration 0038): the same indexes afterwards, the same answers, and a duplicate that a unique index refuses still
/// refused line by line. On a database of its own, since the cluster's may hold residents.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class RegistryFirstLoadTests(ClusterFixture fixture)
{
    private const string IndexesSql =
        "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename = 'registry_person' ORDER BY indexname";

    /// <summary>The secondary indexes' object ids: new ones only when the indexes were dropped and built again.</summary>
    private const string BuiltSql =
        "SELECT indexrelid::text FROM pg_index WHERE indrelid = 'registry_person'::regclass AND NOT indisprimary ORDER BY indexrelid::text";

    [Fact]
    public async Task AFirstLoadEndsWithTheTablesOwnIndexesAndADuplicateIsStillRefused()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync("registry_first_load");
        await using var db = NpgsqlDataSource.Create(database.AppConnectionString);
        var city = await CityGen.CityLoader.GenerateAndLoadAsync(db, CityGen.CitySize.Tiny, seed: 5);
        var grids = city.Units.Where(u => u.Code.Length == 15).Select(u => u.Code).ToArray();
        var indexes = await ListAsync(db, IndexesSql);
        Assert.Equal(7, indexes.Count);
        var built = await ListAsync(db, BuiltSql);
        var cipher = PersonalDataCipher.FromBase64(PersonalDataCipher.NewKey());
        // A first load from the set-based path's own threshold, so that the duplicate's single way stays short.
        var writer = new RegistryWriter(cipher, TimeProvider.System) { FirstLoadFrom = RegistryWriter.SetBasedFrom };
        var people = Enumerable.Range(0, RegistryWriter.SetBasedFrom + 20).Select(i => Person(i, grids[i % grids.Length])).ToList();

        // Two lines with one ID number: the unique index built after the rows refuses them all, and each goes the single way.
        var twice = people.ToList();
        twice[^1] = Person(0, grids[1]) with { OpId = "first-load-again" };
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            var outcomes = await writer.ApplyManyAsync(tx, twice, default, claimEach: false);
            var refused = Assert.Single(outcomes, o => !o.IsApplied);
            Assert.Same(outcomes[^1], refused);
            Assert.Equal(("idNumber", "another resident holds this ID number"), (refused.Field, refused.Reason));
            Assert.Equal(indexes, await ListAsync(connection, IndexesSql));
            await tx.RollbackAsync();
        }

        // Rolled back, the table has the very indexes it had.
        Assert.Equal(built, await ListAsync(db, BuiltSql));
        Assert.Equal(0L, await ScalarAsync(db, "SELECT count(*) FROM registry_person"));
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            var outcomes = await writer.ApplyManyAsync(tx, people, default, claimEach: false);
            Assert.All(outcomes, o => Assert.True(o.IsApplied, o.Reason));
            await tx.CommitAsync();
        }

        // The same seven indexes, built anew after the rows, valid, nothing left deferred; the rows found through them.
        Assert.Equal(indexes, await ListAsync(db, IndexesSql));
        var rebuilt = await ListAsync(db, BuiltSql);
        Assert.Equal(6, rebuilt.Count);
        Assert.Empty(rebuilt.Intersect(built));
        Assert.Equal(0L, await ScalarAsync(db, "SELECT count(*) FROM pg_index WHERE indrelid = 'registry_person'::regclass AND NOT indisvalid"));
        // Only the tables' owner reads what is deferred (the application's role has the two functions, not the table).
        await using (var owner = NpgsqlDataSource.Create(database.OwnerConnectionString))
        {
            Assert.Equal(0L, await ScalarAsync(owner, "SELECT count(*) FROM registry_deferred_index"));
        }

        Assert.Equal((long)people.Count, await ScalarAsync(db, "SELECT count(*) FROM registry_person"));
        var sample = people[123];
        await using (var command = db.CreateCommand("SELECT name FROM registry_person WHERE id_number_hash = @h AND removed_at IS NULL"))
        {
            command.Parameters.AddWithValue("h", cipher.Hash(sample.Data["idNumber"]!.GetValue<string>()));
            Assert.Equal(sample.Data["name"]!.GetValue<string>(), await command.ExecuteScalarAsync());
        }

        Assert.Equal(0L, await ScalarAsync(db, "SELECT count(*) FROM registry_person WHERE search IS DISTINCT FROM registry_grams(name)"));

        // Read per field: the create's one stored entry for what it filled, a later write's own entry for what that changed.
        var resident = people[3];
        var id = (string)(await ScalarObjectAsync(db, $"SELECT id FROM registry_person WHERE name = '{resident.Data["name"]}'"))!;
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            var update = await writer.ApplyAsync(tx, new RegistryWrite(RegistryNames.Population, id, RegistryActions.Update,
                new JsonObject { ["phone"] = "13700000003" }, "grid-worker", "worker-7", DateTimeOffset.UtcNow, "first-load-update"), default);
            Assert.True(update.IsApplied, update.Reason);
            await tx.CommitAsync();
        }

        await using (var connection = await db.OpenConnectionAsync())
        {
            var record = (await new RegistryReader(db, cipher).FindAsync(connection, null, RegistryFields.Population, id, default))!;
            Assert.Equal(["unitCode", "name", "idNumber", "phone", "residence"], record.Provenance.Select(p => p.Key));
            Assert.Equal(("grid-worker", "worker-7"), (record.Provenance["phone"]!["source"]!.GetValue<string>(), record.Provenance["phone"]!["collectedBy"]!.GetValue<string>()));
            Assert.All(record.Provenance.Where(p => p.Key != "phone"), p => Assert.Equal("first-load-tests", p.Value!["collectedBy"]!.GetValue<string>()));
        }

        // A second large file into the registry that now has rows is written with its indexes in place.
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using (var command = new NpgsqlCommand("SELECT registry_defer_indexes('registry_person')", connection, tx))
            {
                Assert.Equal(0, await command.ExecuteScalarAsync());
            }

            Assert.Equal(rebuilt, await ListAsync(connection, BuiltSql));
            await tx.RollbackAsync();
        }

        await fixture.Postgres.DropDatabaseAsync("registry_first_load");
    }

    private static RegistryWrite Person(int i, string grid)
    {
        var first17 = string.Create(CultureInfo.InvariantCulture, $"{grid[..6]}{new DateOnly(1950, 1, 1).AddDays(i / 1000):yyyyMMdd}{i % 1000:D3}");
        var data = new JsonObject
        {
            ["unitCode"] = grid, ["name"] = "首载" + i.ToString(CultureInfo.InvariantCulture), ["idNumber"] = first17 + IdNumbers.CheckCharacter(first17),
            ["phone"] = "139" + (10_000_000 + i).ToString(CultureInfo.InvariantCulture), ["residence"] = i % 4 == 0 ? "floating" : "registered",
        };
        if (i % 4 == 0)
        {
            data["registrationStart"] = "2026-01-01";
            data["registrationExpiry"] = "2027-06-30";
        }

        return new RegistryWrite(RegistryNames.Population, null, RegistryActions.Create, data, "import", "first-load-tests", DateTimeOffset.UtcNow,
            "first-load-" + i.ToString(CultureInfo.InvariantCulture));
    }

    private static async Task<List<string>> ListAsync(NpgsqlDataSource db, string sql)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await ListAsync(connection, sql);
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql)
    {
        var list = new List<string>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql) => (long)(await ScalarObjectAsync(db, sql))!;

    private static async Task<object?> ScalarObjectAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
