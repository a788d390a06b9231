using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Dashboard;

/// <summary>
/// The wall screen (src/Dashboard, built into dist/ and served by the gateway) in headless Debian
/// Chromium driven by Playwright, against the real gateway and silo on PostgreSQL.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class WallScreenBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    /// <summary>Screenshots are test artefacts: beside the test assembly, in <c>screenshots/</c>.</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/test.sh installs Debian's chromium and fonts-noto-cjk");
        Assert.True(File.Exists(Path.Combine(Testing.RepositoryPaths.Root, "src/Dashboard/dist/index.html")), "the wall screen is not built: scripts/test.sh runs npm ci and the Vite build in src/Dashboard");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            // This machine has no route out: keep Chromium from trying (and from its sandbox, as root).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task<IPage> SignedInAsync(Uri gateway, string username, int width = 1920, int height = 1080)
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, Locale = "zh-CN", TimezoneId = "Europe/London" });
        var page = await context.NewPageAsync();
        // Browser errors help when a test fails; the WebSocket's own errors name its URL, token included, so they stay out.
        page.Console += (_, message) => { if (message.Type == "error" && !message.Text.Contains("access_token", StringComparison.Ordinal)) { output.WriteLine($"[browser {username}] {message.Text}"); } };
        page.Response += (_, response) => { if (response.Status >= 400) { output.WriteLine($"[browser {username}] {response.Status} {response.Request.Method} {response.Url}"); } };
        await page.GotoAsync(gateway.ToString());
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", SystemFixture.Password);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 20_000 });
        return page;
    }

    /// <summary>A phone for a fresh worker of 锦江区's second street.</summary>
    private async Task<(string DeviceId, string Key, CityGen.GeneratedWorker Worker)> DeviceAsync()
    {
        var worker = system.Fresh.Worker(within: SystemFixture.SecondStreet);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, "jinjiang.operator"), "worker-phone", worker.Id);
        return (deviceId, key, worker);
    }

    private async Task BatteryAsync(string key, CityGen.GeneratedWorker worker, double battery) =>
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(1, worker.Lat, worker.Lon, battery))).Status);

    [Fact]
    public async Task AnAlertAppearsWithinTwoSecondsAndItsAcknowledgementInTheOtherBrowser()
    {
        var first = await SignedInAsync(system.GatewayUrl, "jinjiang.operator");
        var second = await SignedInAsync(system.GatewayUrl, "jinjiang.operator");
        Assert.Equal("锦江区", await first.InnerTextAsync("#unit-name"));
        Assert.Contains("锦江区", await first.TitleAsync());

        var (deviceId, key, worker) = await DeviceAsync();
        var clock = Stopwatch.StartNew();
        await BatteryAsync(key, worker, 5);
        var item = first.Locator($".alert-item[data-subject=\"{deviceId}\"][data-rule=\"device-battery-low\"]");
        await Assertions.Expect(item).ToBeVisibleAsync(new() { Timeout = 2_000 });
        output.WriteLine($"battery 5 % posted → alert in the browser's feed: {clock.ElapsedMilliseconds} ms");
        await Assertions.Expect(second.Locator($".alert-item[data-subject=\"{deviceId}\"][data-rule=\"device-battery-low\"]")).ToBeVisibleAsync(new() { Timeout = 2_000 });

        await item.Locator("button.ack").ClickAsync();
        var acknowledged = second.Locator($".alert-item[data-subject=\"{deviceId}\"][data-rule=\"device-battery-low\"] .acked-by");
        await Assertions.Expect(acknowledged).ToContainTextAsync("jinjiang.operator", new() { Timeout = 5_000 });
        await Assertions.Expect(first.Locator($".alert-item[data-subject=\"{deviceId}\"][data-rule=\"device-battery-low\"]")).ToHaveAttributeAsync("data-state", "acknowledged");
    }

    [Fact]
    public async Task StoppingTheGatewayTurnsTheIndicatorRedAndRestartingItGreenWithTheAlertsRaisedMeanwhile()
    {
        var url = new Uri($"http://127.0.0.1:{Testing.FreePort.Next()}");
        var (gateway, _) = system.StartGateway("gateway-browser", url);
        using (var http = new HttpClient { BaseAddress = url })
        {
            await SystemFixture.WaitForActiveSilosAsync(http, 1);
        }

        var page = await SignedInAsync(url, "jinjiang.operator");
        await gateway.KillAsync();
        await Assertions.Expect(page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "disconnected", new() { Timeout = 15_000 });

        // Raised through the other gateway while this screen's is down.
        var (deviceId, key, worker) = await DeviceAsync();
        await BatteryAsync(key, worker, 4);

        system.StartGateway("gateway-browser", url);
        await Assertions.Expect(page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator($".alert-item[data-subject=\"{deviceId}\"][data-rule=\"device-battery-low\"]")).ToBeVisibleAsync(new() { Timeout = 5_000 });
    }

    [Fact]
    public async Task DrillingDownToAStreetAndOnToAGridNarrowsTheMapAndTheFiguresAndBackUpRestoresThem()
    {
        var (_, street) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/units/{DemoUnits.SecondStreet}");

        var page = await SignedInAsync(system.GatewayUrl, "jinjiang.operator");
        var districtChildren = await page.Locator("#children .child").CountAsync();
        await page.ClickAsync($"#children .child[data-code=\"{DemoUnits.SecondStreet}\"]");

        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(street.GetProperty("name").GetString()!);
        await Assertions.Expect(page.Locator("#children .child")).ToHaveCountAsync(street.GetProperty("children").GetArrayLength());
        Assert.All(await page.Locator("#children .child").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.code)"), code => Assert.StartsWith(DemoUnits.SecondStreet, code));
        await Assertions.Expect(page.Locator("#kpi-workersOnDuty")).ToHaveTextAsync(street.GetProperty("counters").GetProperty("workersOnDuty").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 15_000 });

        // On down to a community and one of its grids (the bottom: no units below), then back up.
        var community = street.GetProperty("children")[0];
        await page.ClickAsync($"#children .child[data-code=\"{community.GetProperty("code").GetString()}\"]");
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(community.GetProperty("name").GetString()!);
        var grid = await page.Locator("#children .child").First.GetAttributeAsync("data-code");
        await page.ClickAsync($"#children .child[data-code=\"{grid}\"]");
        await Assertions.Expect(page.Locator("#breadcrumb .crumb.current")).ToHaveTextAsync(system.City.Units.Single(u => u.Code == grid).Name);
        await Assertions.Expect(page.Locator("#children .child")).ToHaveCountAsync(0);
        await page.ClickAsync("#back");
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(community.GetProperty("name").GetString()!);
        await page.ClickAsync("#back");
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(street.GetProperty("name").GetString()!);

        await page.ClickAsync("#back");
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync("锦江区");
        await Assertions.Expect(page.Locator("#children .child")).ToHaveCountAsync(districtChildren);

        // English by a switch.
        await page.ClickAsync("#language");
        await Assertions.Expect(page.Locator("[data-text=workersOnline]")).ToHaveTextAsync("Workers online");
        await page.ClickAsync("#language");
        await Assertions.Expect(page.Locator("[data-text=workersOnline]")).ToHaveTextAsync("在线网格员");
    }

    /// <summary>A code of the city (成都市 5101…) standing bare in the page's text: what the screen must never show.</summary>
    private static readonly System.Text.RegularExpressions.Regex BareCode = new(@"\b5101\d{2,13}\b");

    /// <summary>The visible text of the screen's panels (header, tiles and units below, alert feed, tooltips), and the page's title.</summary>
    private static async Task<string> PanelTextAsync(IPage page) =>
        await page.TitleAsync() + "\n" + await page.EvaluateAsync<string>("() => [...document.querySelectorAll('header, main section')].map(e => e.innerText).join('\\n')");

    /// <summary>Clicks the unit's region on the map at the point where its name is drawn (the map's <c>data-points</c>).</summary>
    private static async Task ClickOnTheMapAsync(IPage page, string code)
    {
        var map = page.Locator("#map");
        var points = await Eventually.HoldsAsync(
            async () => JsonDocument.Parse(await map.GetAttributeAsync("data-points") ?? "{}").RootElement,
            p => p.TryGetProperty(code, out _), TimeSpan.FromSeconds(10), $"{code} drawn on the map");
        var point = points.GetProperty(code);
        await map.ClickAsync(new() { Position = new() { X = point[0].GetInt32(), Y = point[1].GetInt32() } });
    }

    [Fact]
    public async Task TheScreenShowsNamesNeverCodesAndTheMapDrillsDownToACommunityByItsName()
    {
        var district = DemoOperators.All.Single(o => o.Username == "jinjiang.operator").UnitCode;
        var name = system.City.Units.ToDictionary(u => u.Code, u => u.Name);
        // An alert in a grid of the district, about a worker there: the feed names the place and the worker.
        var worker = system.Fresh.Worker(within: district);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, "jinjiang.operator"), "worker-phone", worker.Id);
        var (street, community) = (worker.Grid[..9], worker.Grid[..12]);

        var page = await SignedInAsync(system.GatewayUrl, "jinjiang.operator");
        await BatteryAsync(key, worker, 3);
        var item = page.Locator($".alert-item[data-subject=\"{deviceId}\"]").First;
        await Assertions.Expect(item.Locator(".who")).ToContainTextAsync(worker.Name, new() { Timeout = 10_000 });
        await Assertions.Expect(item.Locator(".where")).ToContainTextAsync(name[street]);
        await Assertions.Expect(item.Locator(".where")).ToContainTextAsync(name[worker.Grid]);
        await Assertions.Expect(page.Locator("#breadcrumb .crumb.current")).ToHaveTextAsync(name[district]);
        var text = await PanelTextAsync(page);
        Assert.False(BareCode.IsMatch(text), $"a bare unit code on the district's screen: {BareCode.Match(text).Value} in\n{text}");
        await SaveScreenshotAsync(page, "wall-screen-names-district.png");

        // District → street → community, by clicking their regions on the map; the address follows.
        await ClickOnTheMapAsync(page, street);
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(name[street]);
        await Assertions.Expect(page.Locator("#map")).ToHaveAttributeAsync("data-unit", street);
        await ClickOnTheMapAsync(page, community);
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(name[community]);
        Assert.EndsWith($"#/unit/{community}", page.Url, StringComparison.Ordinal);
        Assert.Equal([name[district], name[street], name[community]], await page.Locator("#breadcrumb .crumb").AllInnerTextsAsync());
        await Assertions.Expect(page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 15_000 });
        await Assertions.Expect(item.Locator(".where")).ToHaveTextAsync(name[worker.Grid]);   // below the community: the grid alone
        text = await PanelTextAsync(page);
        Assert.False(BareCode.IsMatch(text), $"a bare unit code on the community's screen: {BareCode.Match(text).Value} in\n{text}");
        await SaveScreenshotAsync(page, "wall-screen-names-community.png");

        // The browser's back and forward buttons walk the same path; the breadcrumb jumps up by name.
        await page.GoBackAsync();
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(name[street]);
        await page.GoForwardAsync();
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(name[community]);
        await page.ClickAsync($"#breadcrumb button.crumb[data-code=\"{district}\"]");
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(name[district]);
        Assert.EndsWith($"#/unit/{district}", page.Url, StringComparison.Ordinal);

        // Opened from its address, the screen starts at the community.
        await page.GotoAsync(new Uri(system.GatewayUrl, $"/#/unit/{community}").ToString());
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(name[community], new() { Timeout = 20_000 });

        // An address naming no unit (edited by hand): the screen stays where it is; opened at it, the operator's own unit, still signed in.
        var nowhere = new Uri(system.GatewayUrl, $"/#/unit/{district}999").ToString();
        await page.GotoAsync(nowhere);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/unit/{community}$"), new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(name[community]);
        await page.EvaluateAsync("url => history.replaceState(null, '', url)", nowhere);   // no hashchange: the reload opens at it
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#unit-name")).ToHaveTextAsync(name[district], new() { Timeout = 20_000 });
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/unit/{district}$"));
    }

    [Fact]
    public async Task TheWholeCityIsDrawnWithEveryDistrictNamedForTheCityAdministrator()
    {
        var page = await SignedInAsync(system.GatewayUrl, "city.admin");
        var districts = system.City.Units.Where(u => u.Code.Length == 6).ToList();
        var points = await Eventually.HoldsAsync(
            async () => JsonDocument.Parse(await page.Locator("#map").GetAttributeAsync("data-points") ?? "{}").RootElement,
            p => districts.All(d => p.TryGetProperty(d.Code, out _)), TimeSpan.FromSeconds(20), "every district drawn on the city's map");
        var box = (await page.Locator("#map").BoundingBoxAsync())!;
        foreach (var d in districts)
        {
            var point = points.GetProperty(d.Code);
            Assert.InRange(point[0].GetInt32(), 0, (int)box.Width);
            Assert.InRange(point[1].GetInt32(), 0, (int)box.Height);
        }

        Assert.Equal(districts.Select(d => d.Name).Order(), (await page.Locator("#children .child .name").AllInnerTextsAsync()).Order());
        var text = await PanelTextAsync(page);
        Assert.False(BareCode.IsMatch(text), $"a bare unit code on the city's screen: {BareCode.Match(text).Value}");
        await SaveScreenshotAsync(page, "wall-screen-city.png");
    }

    private async Task SaveScreenshotAsync(IPage page, string name)
    {
        await page.WaitForTimeoutAsync(800);   // the charts' first animation has no end to observe
        Directory.CreateDirectory(ScreenshotDirectory);
        var file = Path.Combine(ScreenshotDirectory, name);
        await page.ScreenshotAsync(new() { Path = file });
        output.WriteLine($"screenshot: {file}");
    }

    [Fact]
    public async Task TheScreenShowsTheMonthsSatisfactionAndReopenRatesBesideTheOnTimeClosureRate()
    {
        var page = await SignedInAsync(system.GatewayUrl, "jinjiang.operator");
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (_, kpis) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/kpis?unit=510104", token);
        foreach (var (figure, label) in new[] { ("onTimeClosureRate", "按期办结率"), ("satisfactionRate", "满意率"), ("reopenRate", "重办率") })
        {
            await Assertions.Expect(page.Locator($".tile [data-text={figure}]")).ToHaveTextAsync(label);
            var rate = kpis.GetProperty(figure);
            var shown = page.Locator($"#kpi-{figure}");
            if (rate.ValueKind == System.Text.Json.JsonValueKind.Null)
            {
                await Assertions.Expect(shown).ToHaveTextAsync("—", new() { Timeout = 15_000 });
            }
            else
            {
                // As the screen formats it: a percentage with one decimal.
                await Assertions.Expect(shown).ToHaveTextAsync((rate.GetDouble() * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%", new() { Timeout = 15_000 });
            }
        }
    }

    [Theory]
    [InlineData(1920, 1080)]
    [InlineData(3840, 2160)]
    public async Task TheMainScreenFitsTheWallWithoutALayoutBreak(int width, int height)
    {
        var page = await SignedInAsync(system.GatewayUrl, "jinjiang.operator", width, height);
        await page.WaitForTimeoutAsync(1500);   // a pause, not a wait for a state: the charts' first animation has no end to observe
        var fits = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth && document.documentElement.scrollHeight <= innerHeight");
        Assert.True(fits, "the page scrolls: something does not fit the wall");
        foreach (var panel in new[] { ".kpis", ".map-panel", ".feed-panel", ".pipeline-panel", ".ranking-panel" })
        {
            var box = await page.Locator(panel).BoundingBoxAsync();
            Assert.True(box is { Width: > 100, Height: > 100 } && box.X + box.Width <= width && box.Y + box.Height <= height, $"{panel} at {box?.X},{box?.Y} {box?.Width}×{box?.Height}");
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        var file = Path.Combine(ScreenshotDirectory, $"wall-screen-{width}x{height}.png");
        await page.ScreenshotAsync(new() { Path = file });
        output.WriteLine($"screenshot: {file}");
    }
}
