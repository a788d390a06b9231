using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using OpsCentre.Database.Registries;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Registries;

/// <summary>The registries' one write path on the suite's real database: ownership (一数一源), history, the change feed's rows, idempotency, sealed identifiers.</summary>
[Collection(nameof(SystemCollection))]
public sealed class RegistryWriterTests(SystemFixture system)
{
    private static readonly DateTimeOffset CollectedAt = new(2026, 3, 1, 9, 0, 0, TimeSpan.FromHours(8));

    private RegistryWriter Writer => new(PersonalDataCipher.FromBase64(system.PersonalDataKey), TimeProvider.System);

    /// <summary>A valid resident ID number (GB 11643 check digit) unique to this call.</summary>
    public static string NewIdNumber(string region = "510104")
    {
        var first17 = region + "1985" + Random.Shared.Next(1, 13).ToString("00") + Random.Shared.Next(1, 29).ToString("00") + Random.Shared.Next(0, 1000).ToString("000");
        return first17 + IdNumbers.CheckCharacter(first17);
    }

    private async Task<RegistryWriteOutcome> WriteAsync(RegistryWrite write)
    {
        await using var connection = await system.Db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var outcome = await Writer.ApplyAsync(tx, write, CancellationToken.None);
        await tx.CommitAsync();
        return outcome;
    }

    private static RegistryWrite Write(string registry, string? id, string action, JsonObject data, string source, string opId) =>
        new(registry, id, action, data, source, "tester-" + source, CollectedAt, opId);

    private async Task<(string Address, string Person, string IdNumber)> ResidentAsync(string grid)
    {
        var address = await WriteAsync(Write(RegistryNames.Addresses, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = grid, ["road"] = "红星路二段", ["number"] = "12号", ["building"] = "3栋", ["room"] = "502" }, "civil-affairs", Guid.NewGuid().ToString()));
        Assert.True(address.IsApplied, address.Reason);
        var idNumber = NewIdNumber();
        var person = await WriteAsync(Write(RegistryNames.Population, null, RegistryActions.Create, new JsonObject
        {
            ["addressId"] = address.Id, ["name"] = "柏文静", ["idNumber"] = idNumber, ["phone"] = "13800001234", ["residence"] = "floating",
            ["registrationStart"] = "2025-04-01", ["registrationExpiry"] = "2026-04-01",
        }, "public-security", Guid.NewGuid().ToString()));
        Assert.True(person.IsApplied, person.Reason);
        return (address.Id!, person.Id!, idNumber);
    }

    private async Task<(int Version, long Changes, long History)> StateAsync(string registry, string table, string id)
    {
        await using var command = system.Db.CreateCommand(
            $"SELECT version, (SELECT count(*) FROM registry_change WHERE registry = @r AND id = @id), (SELECT count(*) FROM registry_history WHERE registry = @r AND id = @id) FROM {table} WHERE id = @id");
        command.Parameters.AddWithValue("r", registry);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    [Fact]
    public async Task AWriteByANonOwningSourceToAnOwnedFieldIsRefusedAndChangesNothing()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.Jinjiang);
        var (_, person, _) = await ResidentAsync(grid);
        var before = await StateAsync(RegistryNames.Population, "registry_person", person);
        Assert.Equal((1, 1L, 0L), before);

        var refused = await WriteAsync(Write(RegistryNames.Population, person, RegistryActions.Update,
            new JsonObject { ["idNumber"] = NewIdNumber(), ["phone"] = "13900005678" }, "grid-worker", Guid.NewGuid().ToString()));
        Assert.Equal(RegistryWriteStatus.Refused, refused.Status);
        Assert.Equal(("idNumber", "public-security"), (refused.Field, refused.Owner));
        Assert.Equal(before, await StateAsync(RegistryNames.Population, "registry_person", person));

        // The same source may change what nobody owns: a new version, the old one in the history, one change row naming the field.
        var applied = await WriteAsync(Write(RegistryNames.Population, person, RegistryActions.Update,
            new JsonObject { ["phone"] = "13900005678" }, "grid-worker", Guid.NewGuid().ToString()));
        Assert.True(applied.IsApplied, applied.Reason);
        Assert.Equal(2, applied.Version);
        Assert.Equal(["phone"], applied.ChangedFields);
        Assert.Equal((2, 2L, 1L), await StateAsync(RegistryNames.Population, "registry_person", person));

        await using var provenance = system.Db.CreateCommand("SELECT provenance -> 'phone' ->> 'source', provenance -> 'idNumber' ->> 'source', source FROM registry_person WHERE id = @id");
        provenance.Parameters.AddWithValue("id", person);
        await using var reader = await provenance.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("grid-worker", "public-security", "grid-worker"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
    }

    [Fact]
    public async Task ARetriedWriteIsAppliedOnceAndAnotherWriteUnderItsOpIdIsReused()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.Jinjiang);
        var opId = Guid.NewGuid().ToString();
        var data = new JsonObject { ["unitCode"] = grid, ["road"] = "东大街", ["number"] = "8号" };
        var first = await WriteAsync(Write(RegistryNames.Addresses, null, RegistryActions.Create, data, "civil-affairs", opId));
        var again = await WriteAsync(Write(RegistryNames.Addresses, null, RegistryActions.Create, (JsonObject)data.DeepClone(), "civil-affairs", opId));
        Assert.True(again.Replayed);
        Assert.Equal((first.Id, first.Version), (again.Id, again.Version));
        Assert.Equal((1, 1L, 0L), await StateAsync(RegistryNames.Addresses, "registry_address", first.Id!));

        var other = await WriteAsync(Write(RegistryNames.Addresses, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = grid, ["road"] = "东大街", ["number"] = "9号" }, "civil-affairs", opId));
        Assert.Equal(RegistryWriteStatus.Reused, other.Status);
    }

    [Fact]
    public async Task InvalidWritesNameTheirFieldAndLeaveTheTransactionUsable()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.Jinjiang);
        await using var connection = await system.Db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var writer = Writer;
        Assert.Equal("unitCode", (await writer.ApplyAsync(tx, Write(RegistryNames.Addresses, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = "510104999999999", ["road"] = "x", ["number"] = "1" }, "civil-affairs", Guid.NewGuid().ToString()), default)).Field);
        Assert.Equal("idNumber", (await writer.ApplyAsync(tx, Write(RegistryNames.Population, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = grid, ["name"] = "张三", ["idNumber"] = "510104198501011234", ["residence"] = "registered" }, "public-security", Guid.NewGuid().ToString()), default)).Field);
        Assert.Equal("colour", (await writer.ApplyAsync(tx, Write(RegistryNames.Components, null, RegistryActions.Create,
            new JsonObject { ["colour"] = "red" }, "urban-management", Guid.NewGuid().ToString()), default)).Field);
        Assert.Equal(RegistryWriteStatus.NotFound, (await writer.ApplyAsync(tx, Write(RegistryNames.Housing, "house-nothing", RegistryActions.Update,
            new JsonObject { ["use"] = "vacant" }, "community", Guid.NewGuid().ToString()), default)).Status);

        // Two residents with one ID number: the second is invalid on its field, and the first stays.
        var idNumber = NewIdNumber();
        JsonObject Resident() => new() { ["unitCode"] = grid, ["name"] = "王芳", ["idNumber"] = idNumber, ["residence"] = "registered" };
        Assert.True((await writer.ApplyAsync(tx, Write(RegistryNames.Population, null, RegistryActions.Create, Resident(), "public-security", Guid.NewGuid().ToString()), default)).IsApplied);
        var duplicate = await writer.ApplyAsync(tx, Write(RegistryNames.Population, null, RegistryActions.Create, Resident(), "public-security", Guid.NewGuid().ToString()), default);
        Assert.Equal((RegistryWriteStatus.Invalid, "idNumber"), (duplicate.Status, duplicate.Field));
        await tx.CommitAsync();
    }

    [Fact]
    public async Task IdNumbersAndPhonesAreNotReadableInTheTableWithoutTheKey()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.Jinjiang);
        var (_, person, idNumber) = await ResidentAsync(grid);

        await using var command = system.Db.CreateCommand(
            "SELECT to_jsonb(p)::text, id_number_cipher, phone_cipher FROM registry_person p WHERE id = @id");
        command.Parameters.AddWithValue("id", person);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var row = reader.GetString(0);
        var sealedId = reader.GetFieldValue<byte[]>(1);
        Assert.DoesNotContain(idNumber, row, StringComparison.Ordinal);
        Assert.DoesNotContain("13800001234", row, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(idNumber)), row, StringComparison.Ordinal);
        Assert.DoesNotContain(idNumber, Encoding.UTF8.GetString(sealedId), StringComparison.Ordinal);

        // With the key it opens; with another key it does not.
        Assert.Equal(idNumber, PersonalDataCipher.FromBase64(system.PersonalDataKey).Decrypt(sealedId));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => PersonalDataCipher.FromBase64(PersonalDataCipher.NewKey()).Decrypt(sealedId));
    }
}
