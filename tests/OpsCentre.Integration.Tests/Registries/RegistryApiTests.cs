using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsCentre.Database.Registries;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Registries;

/// <summary>The registries through the real gateway: 综合查询 by name fragment, ID number, address and component; masking, scope, the audited read, the change feed.</summary>
[Collection(nameof(SystemCollection))]
public sealed class RegistryApiTests(SystemFixture system)
{
    private const string StreetOperator = "jinjiang.street.operator";
    private static readonly string[] Rare = ["鞠", "闵", "邬", "隗", "訾", "阚", "亓", "缑", "璩", "郗", "芮", "詹", "禚", "阙", "殳", "笪", "蔺", "綦", "暨", "郜"];

    private RegistryWriter Writer => new(PersonalDataCipher.FromBase64(system.PersonalDataKey), TimeProvider.System);

    private async Task<RegistryWriteOutcome> WriteAsync(string registry, string? id, string action, JsonObject data, string source = "public-security")
    {
        await using var connection = await system.Db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var outcome = await Writer.ApplyAsync(tx, new RegistryWrite(registry, id, action, data, source, "api-tests", DateTimeOffset.UtcNow, Guid.NewGuid().ToString()), default);
        await tx.CommitAsync();
        Assert.True(outcome.IsApplied, outcome.Reason);
        return outcome;
    }

    private async Task<(string Id, string Address)> ResidentAsync(string grid, string name, string idNumber, string road = "和平街")
    {
        var address = await WriteAsync(RegistryNames.Addresses, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = grid, ["road"] = road, ["number"] = "7号", ["building"] = "2栋", ["room"] = "301" }, "civil-affairs");
        var person = await WriteAsync(RegistryNames.Population, null, RegistryActions.Create, new JsonObject
        {
            ["addressId"] = address.Id, ["name"] = name, ["idNumber"] = idNumber, ["phone"] = "1390000" + Random.Shared.Next(1000, 9999), ["residence"] = "registered",
        });
        return (person.Id!, address.Id!);
    }

    private static string UniqueName() => Rare[Random.Shared.Next(Rare.Length)] + Rare[Random.Shared.Next(Rare.Length)] + Rare[Random.Shared.Next(Rare.Length)] + "青";

    private static List<JsonElement> Items(JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    [Fact]
    public async Task AStreetOperatorsSearchFindsAResidentOfTheirStreetByNameFragmentAndIdNumberMaskedAndNeverOneOfAnotherStreet()
    {
        var own = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var other = system.Fresh.Grid(within: DemoUnits.SecondStreet);
        var name = UniqueName();
        var ownId = RegistryWriterTests.NewIdNumber();
        var otherId = RegistryWriterTests.NewIdNumber();
        var (ownPerson, _) = await ResidentAsync(own, name, ownId);
        var (otherPerson, _) = await ResidentAsync(other, name, otherId);

        // A fragment of the name (its middle two characters): the own street's resident, masked; never the other street's.
        var (status, page) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/search?q={Uri.EscapeDataString(name[1..3])}&registry=population");
        Assert.Equal(HttpStatusCode.OK, status);
        var hit = Assert.Single(Items(page), h => h.GetProperty("id").GetString() is var id && (id == ownPerson || id == otherPerson));
        Assert.Equal(ownPerson, hit.GetProperty("id").GetString());
        Assert.Equal(name[..1] + "***", hit.GetProperty("title").GetString());
        Assert.Equal(("population", own), (hit.GetProperty("registry").GetString(), hit.GetProperty("unitCode").GetString()));
        Assert.DoesNotContain(name, page.GetRawText(), StringComparison.Ordinal);

        // The exact ID number, through its keyed hash: found in scope, never out of it, and never echoed.
        var (_, byId) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/search?q={ownId}");
        Assert.Equal(ownPerson, Assert.Single(Items(byId)).GetProperty("id").GetString());
        Assert.DoesNotContain(ownId, byId.GetRawText(), StringComparison.Ordinal);
        var (_, otherById) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/search?q={otherId}");
        Assert.Empty(Items(otherById));

        // The other street's operator finds theirs, and a unit outside the caller's scope is not found.
        var (_, theirs) = await Api.GetAsync(system.Http, SystemFixture.SecondStreetOperator, $"/api/v1/registry/search?q={Uri.EscapeDataString(name)}");
        Assert.Equal([otherPerson], Items(theirs).Select(h => h.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/search?q=ab&unit={DemoUnits.SecondStreet}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.GetAsync(system.Http, StreetOperator, "/api/v1/registry/search?q=x")).Status);

        // Listing a resident is an audited read, masked.
        var audit = await system.AuditAsync(ownPerson, "registry.search");
        Assert.NotEmpty(audit);
        Assert.All(audit, a => Assert.False(a.Unmasked));
    }

    [Fact]
    public async Task OneSearchFindsAHouseByItsAddressAndAManholeCoverByItsCodeAndCategory()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var road = UniqueName()[..2] + "巷";
        var (person, address) = await ResidentAsync(grid, UniqueName(), RegistryWriterTests.NewIdNumber(), road);
        var house = await WriteAsync(RegistryNames.Housing, null, RegistryActions.Create,
            new JsonObject { ["addressId"] = address, ["use"] = "owner-occupied", ["ownerId"] = person }, "housing-authority");
        var code = grid[..6] + "0101" + Random.Shared.Next(100000, 999999);
        var cover = await WriteAsync(RegistryNames.Components, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = grid, ["code"] = code, ["lat"] = 30.65, ["lon"] = 104.08, ["state"] = "damaged" }, "urban-management");

        var (_, byAddress) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/search?q={Uri.EscapeDataString(road + "7号")}");
        var found = Items(byAddress).Select(h => (h.GetProperty("registry").GetString(), h.GetProperty("id").GetString())).ToList();
        Assert.Contains((RegistryNames.Addresses, address), found);
        Assert.Contains((RegistryNames.Housing, house.Id), found);
        Assert.Contains("自住", Items(byAddress).Single(h => h.GetProperty("id").GetString() == house.Id).GetProperty("snippet").GetString());

        var (_, byCode) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/search?q={code}");
        var hit = Assert.Single(Items(byCode));
        Assert.Equal((cover.Id, "上水井盖 " + code), (hit.GetProperty("id").GetString(), hit.GetProperty("title").GetString()));
        Assert.Contains("损坏", hit.GetProperty("snippet").GetString());

        var (_, byCategory) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/search?q={Uri.EscapeDataString("井盖")}&unit={grid}");
        Assert.Contains(cover.Id, Items(byCategory).Select(h => h.GetProperty("id").GetString()));

        // The record itself: its fields and where each came from.
        var (status, record) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/component/{cover.Id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("component", record.GetProperty("registry").GetString());
        // The drafts' plural slug is an alias of the contract's name, answered under the contract's name.
        var (aliasStatus, alias) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/components/{cover.Id}");
        Assert.Equal((HttpStatusCode.OK, "component"), (aliasStatus, alias.GetProperty("registry").GetString()));
        Assert.Equal(("damaged", "urban-management"), (record.GetProperty("fields").GetProperty("state").GetString(),
            record.GetProperty("provenance").GetProperty("state").GetProperty("source").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(system.Http, SystemFixture.SecondStreetOperator, $"/api/v1/registry/components/{cover.Id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/spaceships/{cover.Id}")).Status);
    }

    [Fact]
    public async Task AReadOfAResidentIsMaskedForAnOperatorAuditedAndNotFoundOutsideTheirStreet()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var name = UniqueName();
        var idNumber = RegistryWriterTests.NewIdNumber();
        var (person, _) = await ResidentAsync(grid, name, idNumber);

        var (status, record) = await Api.GetAsync(system.Http, StreetOperator, $"/api/v1/registry/population/{person}?purpose=visit");
        Assert.Equal(HttpStatusCode.OK, status);
        var fields = record.GetProperty("fields");
        Assert.Equal((name[..1] + "***", idNumber[..4] + new string('*', 14)), (fields.GetProperty("name").GetString(), fields.GetProperty("idNumber").GetString()));
        Assert.Matches(@"^139\*{4}\d{4}$", fields.GetProperty("phone").GetString());
        Assert.Equal("public-security", record.GetProperty("provenance").GetProperty("idNumber").GetProperty("source").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(system.Http, SystemFixture.SecondStreetOperator, $"/api/v1/registry/population/{person}")).Status);
        var (_, clear) = await Api.GetAsync(system.Http, "jinjiang.corrections.officer", $"/api/v1/registry/population/{person}?purpose=correction");
        Assert.Equal(idNumber, clear.GetProperty("fields").GetProperty("idNumber").GetString());

        var audit = await system.AuditAsync(person, "registry.population.read");
        Assert.Equal([(StreetOperator, false, "visit"), (SystemFixture.SecondStreetOperator, false, null), ("jinjiang.corrections.officer", true, "correction")],
            audit.Select(a => (a.Actor, a.Unmasked, a.Purpose)));
        Assert.Contains("denied", audit[1].Detail);
    }

    [Fact]
    public async Task TheChangeFeedPagesByPositionWithinTheCallersScopeAndResumesFromItsCursor()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.Jinjiang);
        var address = await WriteAsync(RegistryNames.Addresses, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = grid, ["road"] = "东风路", ["number"] = "1号" }, "civil-affairs");
        var organisation = await WriteAsync(RegistryNames.Organisations, null, RegistryActions.Create,
            new JsonObject { ["addressId"] = address.Id, ["name"] = "东风便利店", ["kind"] = "shop", ["licenceNumber"] = "92510104MA" + Random.Shared.Next(10000000, 99999999) }, "market-regulator");
        await WriteAsync(RegistryNames.Organisations, organisation.Id, RegistryActions.Update, new JsonObject { ["kind"] = "enterprise" }, "community");
        await WriteAsync(RegistryNames.Addresses, address.Id, RegistryActions.Update, new JsonObject { ["room"] = "101" }, "grid-worker");
        await WriteAsync(RegistryNames.Organisations, organisation.Id, RegistryActions.Remove, [], "community");

        var seen = new List<(string?, string?, int)>();
        string? after = null;
        for (var pages = 0; pages < 10; pages++)
        {
            var (status, page) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/registry-changes?unit={grid}&limit=2" + (after is null ? "" : "&after=" + after));
            Assert.Equal(HttpStatusCode.OK, status);
            var items = Items(page);
            Assert.True(items.Count <= 2);
            // The contract's field names: seq (the position resumed from), registry, id, action, at, source.
            Assert.All(items, i => Assert.Equal(i.GetProperty("position").GetInt64(), i.GetProperty("seq").GetInt64()));
            Assert.All(items, i => Assert.True(i.TryGetProperty("at", out _) && i.TryGetProperty("source", out _) && i.TryGetProperty("registry", out _)));
            seen.AddRange(items.Select(i => (i.GetProperty("id").GetString(), i.GetProperty("action").GetString(), i.GetProperty("version").GetInt32())));
            if (items.Count == 0)
            {
                // Caught up: the cursor stays where it was, to resume from.
                Assert.Equal(after, page.GetProperty("next").GetString());
                break;
            }

            after = page.GetProperty("next").GetString();
        }

        Assert.Equal([(address.Id, "create", 1), (organisation.Id, "create", 1), (organisation.Id, "update", 2), (address.Id, "update", 2), (organisation.Id, "remove", 3)], seen);

        // Resumed from the cursor: only what came later.
        await WriteAsync(RegistryNames.Addresses, address.Id, RegistryActions.Update, new JsonObject { ["room"] = "102" }, "grid-worker");
        var (_, later) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/registry-changes?unit={grid}&after={after}");
        var change = Assert.Single(Items(later));
        Assert.Equal(["room"], change.GetProperty("changedFields").EnumerateArray().Select(f => f.GetString()));

        // Another street's operator sees none of it; a department reads the feed too.
        var (_, elsewhere) = await Api.GetAsync(system.Http, SystemFixture.SecondStreetOperator, "/api/v1/registry-changes?registry=organisations&limit=1000");
        Assert.DoesNotContain(Items(elsewhere), i => i.GetProperty("id").GetString() == organisation.Id);
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.GetAsync(system.Http, "jinjiang.operator", "/api/v1/registry-changes?after=x")).Status);
    }
}
