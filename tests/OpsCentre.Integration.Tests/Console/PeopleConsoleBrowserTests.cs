using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>The console's key persons, devices and audit pages in Chromium against the real gateway and silo.</summary>
[Collection(nameof(SystemCollection))]
public sealed class PeopleConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Corrections = "jinjiang.corrections.officer";
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    /// <summary>The wall screen of <paramref name="username"/>, signed in and live.</summary>
    private async Task<IPage> WallScreenAsync(string username)
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(system.GatewayUrl.ToString());
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", SystemFixture.Password);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 20_000 });
        return page;
    }

    [Fact]
    public async Task ADeviceProvisionedInTheConsoleWorksWithTheKeyItShowedOnce()
    {
        var worker = system.Fresh.Worker(within: "510104");
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, "devices");
        await Assertions.Expect(page.Locator("table.list")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.SelectOptionAsync(".provision select[name=kind]", "worker-phone");
        await page.FillAsync(".provision input[name=boundTo]", worker.Id);
        await page.ClickAsync("[data-action=provision]");

        var key = (await page.Locator("[data-field=key]").InnerTextAsync()).Trim();
        var deviceId = (await page.Locator("[data-field=deviceId]").InnerTextAsync()).Trim();
        Assert.StartsWith(deviceId + ".", key);
        await Assertions.Expect(page.Locator("[data-field=qr] svg")).ToBeVisibleAsync();
        var payload = JsonDocument.Parse(await page.Locator("[data-field=payload]").InnerTextAsync()).RootElement;
        Assert.Equal(1, payload.GetProperty("v").GetInt32());
        Assert.Equal(key, payload.GetProperty("key").GetString());
        Assert.Equal(deviceId, payload.GetProperty("deviceId").GetString());
        Assert.Equal(system.GatewayUrl.GetLeftPart(UriPartial.Authority), payload.GetProperty("gateway").GetString());

        var (status, body) = await Api.PostStatusAsync(system.Http, key, Api.Status(1, worker.Lat, worker.Lon, batteryPct: 63));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("applied", body.GetProperty("status").GetString());

        // The list shows it online with its battery; revoking it (confirmed) removes it and the key stops working.
        await ConsoleBrowser.OpenAsync(page, $"devices?unit={worker.Grid}");
        var row = page.Locator($"tr[data-id=\"{deviceId}\"]");
        await Assertions.Expect(row).ToContainTextAsync("63%");
        await row.Locator("[data-action=revoke]").ClickAsync();
        await page.ClickAsync("dialog [data-action=confirm]");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        Assert.NotEqual(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(2, worker.Lat, worker.Lon))).Status);
    }

    [Fact]
    public async Task ACorrectionsOfficerAddsAForbiddenPlaceAWristbandEntersItTheWallScreenAlertsAndTheAuditorFindsTheRead()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var wall = await WallScreenAsync("jinjiang.operator");

        var page = await _browser.SignInAsync(system.GatewayUrl, Corrections);
        await ConsoleBrowser.OpenAsync(page, $"key-persons/{person.Id}");
        // Masked until a purpose is named.
        await Assertions.Expect(page.Locator("h2[data-field=name]")).ToContainTextAsync("*");
        await page.SelectOptionAsync("form.purpose select[name=purpose]", "correction");
        await page.ClickAsync("[data-action=read-in-clear]");
        await Assertions.Expect(page.Locator("h2[data-field=name]")).ToHaveTextAsync(person.Name);

        // A click on the district's map takes a circle's centre; the test then types the exact one.
        await Assertions.Expect(page.Locator(".zone-map canvas").First).ToBeVisibleAsync();
        await page.Locator(".zone-map").ClickAsync();
        await Assertions.Expect(page.Locator(".zone-form input[name=lat]")).Not.ToHaveValueAsync("");
        var (lat, lon) = (person.Lat + 0.01, person.Lon);
        await page.FillAsync(".zone-form input[name=name]", "酒吧街");
        await page.FillAsync(".zone-form input[name=lat]", lat.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync(".zone-form input[name=lon]", lon.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync(".zone-form input[name=radiusM]", "200");
        await page.ClickAsync("[data-action=add-zone]");
        await Assertions.Expect(page.Locator(".zones tr[data-id]", new() { HasText = "酒吧街" })).ToHaveCountAsync(1);

        var (_, band) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, "jinjiang.operator"), "wristband", person.Id);
        // In the place for three minutes (the rule holds for one): a position every 30 seconds, the last one now.
        var start = DateTimeOffset.UtcNow.AddMinutes(-3);
        var items = Enumerable.Range(0, 7).Select(i => new Dictionary<string, object>
        {
            ["opId"] = $"bar-{person.Id}-{i}", ["seq"] = i + 1, ["at"] = start.AddSeconds(30 * i), ["lat"] = lat, ["lon"] = lon,
            ["accuracyM"] = 8, ["batteryPct"] = 70, ["strapIntact"] = true,
        }).ToList();
        var (sent, answer) = await Api.DeviceSendAsync(system.Http, HttpMethod.Post, "/api/v1/device/status/batch", band, new { items });
        Assert.Equal(HttpStatusCode.OK, sent);
        Assert.All(answer.GetProperty("results").EnumerateArray(), r => Assert.Equal("applied", r.GetProperty("status").GetString()));

        await Assertions.Expect(wall.Locator($".alert-item[data-subject=\"{person.Id}\"][data-rule=\"key-person-in-forbidden-place\"]"))
            .ToBeVisibleAsync(new() { Timeout = 15_000 });

        // The auditor finds the officer's read of this person, with its purpose.
        var auditor = await _browser.SignInAsync(system.GatewayUrl, "city.auditor");
        await ConsoleBrowser.OpenAsync(auditor, $"audit?actor={Corrections}&subject={person.Id}");
        var read = auditor.Locator("tbody tr[data-id]", new() { Has = auditor.Locator("[data-purpose=correction]"), HasText = "key-person.read" });
        await Assertions.Expect(read.First).ToContainTextAsync("明文");
        await Assertions.Expect(read.First).ToContainTextAsync(Corrections);
    }
}
