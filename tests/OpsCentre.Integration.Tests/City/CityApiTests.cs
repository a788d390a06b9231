using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.City;

[Collection(nameof(SystemCollection))]
public sealed class CityApiTests(SystemFixture system)
{
    private Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string username, string path) => Api.GetAsync(system.Http, username, path);

    [Fact]
    public async Task TheDistrictOperatorSeesJinjiangWithItsStreetsAndTheAdminSeesFiveDistricts()
    {
        var (status, jinjiang) = await GetAsync("jinjiang.operator", "/api/v1/units/510104");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("锦江区", jinjiang.GetProperty("name").GetString());
        var streets = jinjiang.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(system.City.Units.Count(u => u.Code.Length == 9 && u.Code.StartsWith("510104", StringComparison.Ordinal)), streets.Count);
        Assert.All(streets, s => Assert.Equal("street", s.GetProperty("level").GetString()));
        // 锦江区's eleven real streets, by their national codes and names.
        Assert.Equal(
            [("510104017", "锦官驿街道"), ("510104018", "东湖街道"), ("510104019", "锦华路街道"), ("510104022", "春熙路街道"), ("510104023", "书院街街道"), ("510104026", "牛市口街道"),
             ("510104030", "沙河街道"), ("510104032", "狮子山街道"), ("510104035", "成龙路街道"), ("510104036", "柳江街道"), ("510104037", "三圣街道")],
            streets.Select(s => (s.GetProperty("code").GetString(), s.GetProperty("name").GetString())));
        Assert.True(jinjiang.GetProperty("counters").TryGetProperty("workersOnline", out _));

        var (_, city) = await GetAsync("city.admin", "/api/v1/units/5101");
        Assert.Equal(["锦江区", "青羊区", "金牛区", "武侯区", "成华区"], city.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task TheMapOfAUnitIsGeoJsonOfItsChildren()
    {
        var (status, map) = await GetAsync("jinjiang.operator", "/api/v1/units/510104/map");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("FeatureCollection", map.GetProperty("type").GetString());
        var features = map.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(
            system.City.Units.Where(u => u.Code.Length == 9 && u.Code.StartsWith("510104", StringComparison.Ordinal)).Select(u => u.Code),
            features.Select(f => f.GetProperty("properties").GetProperty("code").GetString()));
        Assert.All(features, f => Assert.Equal("street", f.GetProperty("properties").GetProperty("level").GetString()));
        Assert.All(features, f => Assert.Contains(f.GetProperty("geometry").GetProperty("type").GetString(), new[] { "Polygon", "MultiPolygon" }));
    }

    [Fact]
    public async Task AStreetOperatorGetsNotFoundForAnotherStreetThroughUnitsMapAndListings()
    {
        string own = DemoUnits.FirstStreet, other = DemoUnits.SecondStreet;
        foreach (var path in new[] { $"/api/v1/units/{other}", $"/api/v1/units/{other}/map", $"/api/v1/workers?unit={other}", $"/api/v1/key-persons?unit={other}" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("jinjiang.street.operator", path)).Status);
        }

        foreach (var path in new[] { $"/api/v1/units/{own}", $"/api/v1/units/{own}/map", $"/api/v1/workers?unit={own}", $"/api/v1/key-persons?unit={own}" })
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync("jinjiang.street.operator", path)).Status);
        }
    }

    [Fact]
    public async Task WorkersAreListedWithinTheUnitPageByPage()
    {
        var expected = system.City.Workers.Where(w => w.Grid.StartsWith("510104", StringComparison.Ordinal)).Select(w => w.Id).Order(StringComparer.Ordinal).ToList();
        var seen = new List<string>();
        string? next = null;
        do
        {
            var (_, page) = await GetAsync("jinjiang.operator", $"/api/v1/workers?unit=510104&limit=7{(next is null ? "" : "&after=" + next)}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            next = page.GetProperty("next").GetString();
        }
        while (next is not null);

        Assert.Equal(expected, seen);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("jinjiang.operator", "/api/v1/workers?unit=510104&limit=0")).Status);
    }

    [Fact]
    public async Task KeyPersonNamesAreMaskedUnlessTheRoleIsClearedAndEveryReadIsAudited()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var grid = person.Grid;

        var (_, masked) = await GetAsync("jinjiang.operator", $"/api/v1/key-persons?unit={grid}");
        var maskedItem = masked.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == person.Id);
        Assert.Equal(person.Name[..1] + new string('*', person.Name.Length - 1), maskedItem.GetProperty("name").GetString());
        Assert.DoesNotContain(person.Name, masked.GetRawText());

        var (_, clear) = await GetAsync("jinjiang.corrections.officer", $"/api/v1/key-persons?unit={grid}&purpose=correction");
        Assert.Equal(person.Name, clear.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == person.Id).GetProperty("name").GetString());

        var rows = (await system.AuditAsync(person.Id, "key-person.list")).Select(a => (a.Actor, a.Unmasked)).ToList();
        Assert.Equal([("jinjiang.operator", false), ("jinjiang.corrections.officer", true)], rows);

        // Append-only in the database itself.
        await system.Db.AssertRefusedAsync("DELETE FROM audit_log");
    }
}
