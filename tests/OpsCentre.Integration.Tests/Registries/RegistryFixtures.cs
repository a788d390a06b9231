using System.Text.Json.Nodes;
using OpsCentre.Database.Registries;

namespace OpsCentre.Integration.Tests.Registries;

/// <summary>Registry rows the tests need, written through the one write path (<see cref="RegistryWriter"/>) on the suite's database.</summary>
public static class RegistryFixtures
{
    /// <summary>A new resident (with an address) in <paramref name="grid"/>; returns the resident's id.</summary>
    public static async Task<string> ResidentAsync(SystemFixture system, string grid)
    {
        var writer = new RegistryWriter(PersonalDataCipher.FromBase64(system.PersonalDataKey), TimeProvider.System);
        await using var connection = await system.Db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var address = await writer.ApplyAsync(tx, new RegistryWrite(RegistryNames.Addresses, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = grid, ["road"] = "矩阵路", ["number"] = "1号" }, "civil-affairs", "fixtures", DateTimeOffset.UtcNow, Guid.NewGuid().ToString()), default);
        var person = await writer.ApplyAsync(tx, new RegistryWrite(RegistryNames.Population, null, RegistryActions.Create,
            new JsonObject { ["addressId"] = address.Id, ["name"] = "矩阵", ["idNumber"] = RegistryWriterTests.NewIdNumber(grid[..6]), ["residence"] = "registered" },
            "public-security", "fixtures", DateTimeOffset.UtcNow, Guid.NewGuid().ToString()), default);
        await tx.CommitAsync();
        return person.IsApplied ? person.Id! : throw new InvalidOperationException(person.Reason);
    }
}
