using OpsCentre.Testing;
using System.Net;
using System.Text.Json;

namespace OpsCentre.Integration.Tests.Devices;

/// <summary><c>GET /api/v1/devices</c>: provisioned devices within the caller's scope, paged, with the health their grains keep.</summary>
[Collection(nameof(SystemCollection))]
public sealed class DeviceListTests(SystemFixture system)
{
    private const string District = "jinjiang.operator";       // 510104
    private const string Street = "jinjiang.street.operator";  // FirstStreet

    private HttpClient Http => system.Http;

    private static List<string> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];

    /// <summary>Every device id of the listing, following the cursor.</summary>
    private async Task<List<string>> AllAsync(string username, string query)
    {
        var ids = new List<string>();
        string? after = null;
        do
        {
            var (status, page) = await Api.GetAsync(Http, username, $"/api/v1/devices?{query}&limit=200" + (after is null ? "" : $"&after={after}"));
            Assert.Equal(HttpStatusCode.OK, status);
            ids.AddRange(Ids(page));
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        return ids;
    }

    [Fact]
    public async Task AStreetOperatorListsOnlyTheirStreetsDevicesWithTheirHealth()
    {
        var token = await Api.TokenAsync(Http, District);
        var mine = system.Fresh.Worker(within: DemoUnits.FirstStreet);
        var theirs = system.Fresh.Worker(within: SystemFixture.SecondStreet);
        var (mineId, mineKey) = await Api.ProvisionDeviceAsync(Http, token, "worker-phone", mine.Id);
        var (theirsId, _) = await Api.ProvisionDeviceAsync(Http, token, "worker-phone", theirs.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, mineKey, Api.Status(1, mine.Lat, mine.Lon, batteryPct: 41))).Status);

        var street = await AllAsync(Street, $"unit={DemoUnits.FirstStreet}");
        Assert.Contains(mineId, street);
        Assert.DoesNotContain(theirsId, street);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(Http, Street, $"/api/v1/devices?unit={SystemFixture.SecondStreet}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(Http, Street, "/api/v1/devices?unit=510104")).Status);

        // The district sees both; the health is the grain's.
        var (_, page) = await Api.GetAsync(Http, District, $"/api/v1/devices?unit={mine.Grid}&kind=worker-phone&limit=1000");
        var item = page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == mineId);
        Assert.True(item.GetProperty("online").GetBoolean());
        Assert.Equal(41, item.GetProperty("batteryPct").GetDouble());
        Assert.Equal(mine.Id, item.GetProperty("boundTo").GetString());
        Assert.Equal(mine.Grid, item.GetProperty("gridCode").GetString());
        Assert.True(item.TryGetProperty("lastSeenAt", out var seen) && seen.ValueKind == JsonValueKind.String);

        var online = await AllAsync(District, $"unit={mine.Grid}&online=true");
        Assert.Contains(mineId, online);
        var offline = await AllAsync(District, $"unit={theirs.Grid}&online=false");
        Assert.Contains(theirsId, offline);
        Assert.DoesNotContain(mineId, await AllAsync(District, $"unit={mine.Grid}&online=false"));
        Assert.DoesNotContain(mineId, await AllAsync(District, $"unit={mine.Grid}&kind=wristband"));

        // A revoked device leaves the list.
        Assert.Equal(HttpStatusCode.NoContent, (await Api.SendAsync(Http, HttpMethod.Delete, $"/api/v1/devices/{mineId}", token)).Status);
        Assert.DoesNotContain(mineId, await AllAsync(District, $"unit={mine.Grid}"));
    }

    [Fact]
    public async Task PagesFollowTheCursorWithoutRepeatsAndBadFiltersAreProblems()
    {
        var token = await Api.TokenAsync(Http, District);
        var worker = system.Fresh.Worker(within: DemoUnits.FirstStreet);
        for (var i = 0; i < 3; i++)
        {
            await Api.ProvisionDeviceAsync(Http, token, "worker-phone", worker.Id);
        }

        var ids = new List<string>();
        string? after = null;
        do
        {
            var (_, page) = await Api.GetAsync(Http, District, $"/api/v1/devices?unit={worker.Grid}&limit=1" + (after is null ? "" : $"&after={after}"));
            Assert.True(Ids(page).Count <= 1);
            ids.AddRange(Ids(page));
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(ids.Count >= 3);

        Assert.Equal(HttpStatusCode.BadRequest, (await Api.GetAsync(Http, District, "/api/v1/devices?unit=510104&kind=toaster")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.GetAsync(Http, District, "/api/v1/devices")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.GetAsync(Http, "city.auditor", "/api/v1/devices?unit=5101")).Status);
    }
}
