using System.Net;
using Microsoft.Playwright;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>
/// The console's 告警 and 静默 pages in Chromium against the real gateway and silo: a low battery raises an alert the operator
/// finds by unit names while the list is open (live, through the hub), acknowledges, turns into a case and resolves; a silence set
/// in the console suppresses a matching new alert; a role without the duty is offered no action.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class AlertsConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string District = "jinjiang.operator";
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    private string NameOf(string code) => system.City.Units.Single(u => u.Code == code).Name;

    /// <summary>A fresh worker of the street with a phone of their own.</summary>
    private async Task<(CityGen.GeneratedWorker Worker, string DeviceId, string Key)> PhoneAsync(string street)
    {
        var worker = system.Fresh.Worker(within: street);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, District), "worker-phone", worker.Id);
        return (worker, deviceId, key);
    }

    private async Task LowBatteryAsync(string key, CityGen.GeneratedWorker worker) =>
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(1, worker.Lat, worker.Lon, batteryPct: 4))).Status);

    /// <summary>Picks the grid by its street's, community's and grid's names in a unit picker (区 › 街道 › 社区 › 网格).</summary>
    private async Task PickGridAsync(ILocator picker, string grid)
    {
        var (street, community) = (grid[..9], grid[..12]);
        await picker.Locator("select[data-depth='0']").SelectOptionAsync(new SelectOptionValue { Label = NameOf(street) });
        await picker.Locator("select[data-depth='1']").SelectOptionAsync(new SelectOptionValue { Label = NameOf(community) });
        await picker.Locator("select[data-depth='2']").SelectOptionAsync(new SelectOptionValue { Label = NameOf(grid) });
        await Assertions.Expect(picker.Locator("input[type=hidden]")).ToHaveValueAsync(grid);
    }

    private static async Task ConfirmAsync(IPage page, string note)
    {
        await page.FillAsync("dialog.confirm textarea[name=note]", note);
        await page.ClickAsync("dialog.confirm [data-action=confirm]");
    }

    [Fact]
    public async Task AnOperatorFindsALiveAlertByUnitNamesAcknowledgesItOpensACaseFromItAndResolvesIt()
    {
        var (worker, deviceId, key) = await PhoneAsync(DemoUnits.SecondStreet);
        var page = await _browser.SignInAsync(system.GatewayUrl, District);
        await ConsoleBrowser.OpenAsync(page, "alerts");

        // The operator narrows the feed to the worker's grid by names and to the battery rule, before anything happened there.
        await PickGridAsync(page.Locator(".alert-filters .unit-picker"), worker.Grid);
        await page.Locator(".alert-filters select[name=rule]").SelectOptionAsync("device-battery-low");
        await page.ClickAsync(".alert-filters [data-action=filter]");
        await Assertions.Expect(page.Locator(".list-empty")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".live-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 15_000 });

        // The phone reports 4 %: the alert appears in the open list through the hub, named, not coded.
        await LowBatteryAsync(key, worker);
        var alert = await Api.AlertOfAsync(system.Http, await Api.TokenAsync(system.Http, District), worker.Grid, deviceId);
        var alertId = alert.GetProperty("id").GetString()!;
        var row = page.Locator($".alert-list tr[data-id='{alertId}']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Assertions.Expect(row.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "firing");
        await Assertions.Expect(row).ToContainTextAsync(NameOf(worker.Grid));
        await Assertions.Expect(row.Locator(".subject-name")).ToHaveTextAsync(worker.Name);
        Assert.DoesNotContain(worker.Grid, await row.InnerTextAsync());

        // The same list by its link (a reload): the server's filters find it too.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator($".alert-list tr[data-id='{alertId}']")).ToBeVisibleAsync(new() { Timeout = 10_000 });

        await page.Locator($".alert-list tr[data-id='{alertId}']").ClickAsync();
        await Assertions.Expect(page.Locator(".alert-heading")).ToHaveAttributeAsync("data-id", alertId);
        await page.ClickAsync(".alert-actions [data-action=acknowledge]");
        await ConfirmAsync(page, "控制台签收");
        await Assertions.Expect(page.Locator(".alert-heading [data-state]")).ToHaveAttributeAsync("data-state", "acknowledged");
        await Assertions.Expect(page.Locator(".alert-history li[data-type='alert.acknowledged']")).ToContainTextAsync("控制台签收");

        // 转为事件: the case is reported in the alert's grid, naming the alert.
        await page.ClickAsync(".case-form-box summary");
        await page.Locator(".case-form [name=category]").SelectOptionAsync("sanitation");
        await page.ClickAsync(".case-form [data-action=open-case]");
        var caseLink = page.Locator(".alert-case");
        await Assertions.Expect(caseLink).ToBeVisibleAsync();
        var caseId = (await caseLink.GetAttributeAsync("data-id"))!;
        var (caseStatus, opened) = await Api.GetAsync(system.Http, District, $"/api/v1/incidents/{caseId}");
        Assert.Equal(HttpStatusCode.OK, caseStatus);
        Assert.Equal(alertId, opened.GetProperty("incident").GetProperty("alertId").GetString());
        Assert.Equal(worker.Grid, opened.GetProperty("incident").GetProperty("unitCode").GetString());
        await Assertions.Expect(page.Locator(".case-form-box")).ToBeHiddenAsync();

        await page.ClickAsync(".alert-actions [data-action=resolve]");
        await ConfirmAsync(page, "已更换电池");
        await Assertions.Expect(page.Locator(".alert-heading [data-state]")).ToHaveAttributeAsync("data-state", "resolved");
        await Assertions.Expect(page.Locator(".alert-actions [data-action]")).ToHaveCountAsync(0);
        var (_, resolved) = await Api.GetAsync(system.Http, District, $"/api/v1/alerts/{alertId}");
        Assert.Equal("resolved", resolved.GetProperty("state").GetString());
        Assert.Equal(District, resolved.GetProperty("resolvedBy").GetString());
        await _browser.ScreenshotAsync(page, "console-alert.png");
    }

    [Fact]
    public async Task AnAlertAcknowledgedBeforeItsCaseWasOpenedLinksToThatCaseAndOffersNoSecondOne()
    {
        var (worker, deviceId, key) = await PhoneAsync(DemoUnits.SecondStreet);
        await LowBatteryAsync(key, worker);
        var token = await Api.TokenAsync(system.Http, District);
        var alertId = (await Api.AlertOfAsync(system.Http, token, worker.Grid, deviceId)).GetProperty("id").GetString()!;
        // Acknowledged first, the case opened from it afterwards: the alert's history does not name the case.
        var (acked, _) = await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", token, new { opId = Guid.NewGuid().ToString("N"), note = "先签收" });
        Assert.Equal(HttpStatusCode.OK, acked);
        var (reported, opened) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "签收后转为事件", gridCode = worker.Grid, alertId });
        Assert.True(reported == HttpStatusCode.Created, $"report: {reported} {opened}");
        var caseId = opened.GetProperty("id").GetString()!;

        // The case list by the alert finds it (and only it); a malformed alert id is a 400.
        var (_, byAlert) = await Api.GetAsync(system.Http, District, $"/api/v1/incidents?unit={DemoUnits.Jinjiang}&alert={alertId}");
        Assert.Equal(new string?[] { caseId }, byAlert.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents?unit={DemoUnits.Jinjiang}&alert=not-an-alert", token)).Status);

        // A console tab that did not open the case finds it through the list, and offers no second case.
        var page = await _browser.SignInAsync(system.GatewayUrl, District);
        await ConsoleBrowser.OpenAsync(page, $"alerts/{alertId}");
        await Assertions.Expect(page.Locator(".alert-heading")).ToHaveAttributeAsync("data-id", alertId);
        await Assertions.Expect(page.Locator(".alert-case")).ToHaveAttributeAsync("data-id", caseId);
        await Assertions.Expect(page.Locator(".case-form-box")).ToBeHiddenAsync();
        await page.ClickAsync(".alert-case");
        await Assertions.Expect(page.Locator(".case-title")).ToHaveAttributeAsync("data-id", caseId);
        await Assertions.Expect(page.Locator(".case-alert")).ToHaveAttributeAsync("data-id", alertId);
    }

    [Fact]
    public async Task ASilenceCreatedInTheConsoleSuppressesAMatchingNewAlertAndIsEndedThere()
    {
        var (worker, deviceId, key) = await PhoneAsync(DemoUnits.ThirdStreet);
        var token = await Api.TokenAsync(system.Http, District);
        var page = await _browser.SignInAsync(system.GatewayUrl, District);
        await ConsoleBrowser.OpenAsync(page, "silences");
        var form = page.Locator("form.silence-create");
        await PickGridAsync(form.Locator(".unit-picker"), worker.Grid);
        await form.Locator("[name=ruleId]").SelectOptionAsync("device-battery-low");

        // Without an end and a reason: both refused at their fields, and nothing is stored.
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=endsAt]")).ToBeVisibleAsync();
        await Assertions.Expect(form.Locator("[data-error-for=reason]")).ToBeVisibleAsync();
        var (_, none) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alert-silences?unit={worker.Grid}", token);
        Assert.Empty(none.GetProperty("items").EnumerateArray());

        var ends = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddHours(2), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        await form.Locator("[name=endsAt]").FillAsync(ends.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await form.Locator("[name=reason]").FillAsync("基站检修，手机电量告警暂停");
        await form.Locator("[data-action=create]").ClickAsync();
        var row = page.Locator(".silence-list tr[data-id]").Filter(new() { HasText = "基站检修" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync(NameOf(worker.Grid));
        var (_, stored) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alert-silences?unit={worker.Grid}", token);
        var silence = Assert.Single(stored.GetProperty("items").EnumerateArray());
        Assert.Equal("device-battery-low", silence.GetProperty("ruleId").GetString());
        Assert.Equal(silence.GetProperty("id").GetString(), await row.GetAttributeAsync("data-id"));

        // The phone reports 4 % inside the silence (once the silos have read it): the alert is suppressed, not firing, and the console says so.
        await SystemFixture.RuleRefreshAsync();
        await LowBatteryAsync(key, worker);
        var alert = await Eventually.HoldsAsync(() => Api.AlertOfAsync(system.Http, token, worker.Grid, deviceId), a => a.GetProperty("state").GetString() == "suppressed",
            TimeSpan.FromSeconds(30), "the new alert suppressed by the console's silence", describe: a => a.GetRawText());
        var alertId = alert.GetProperty("id").GetString()!;
        await ConsoleBrowser.OpenAsync(page, $"alerts?unit={worker.Grid}");
        await Assertions.Expect(page.Locator($".alert-list tr[data-id='{alertId}'] [data-state]")).ToHaveAttributeAsync("data-state", "suppressed");

        // Ended early from the console: gone from the running silences.
        await ConsoleBrowser.OpenAsync(page, "silences");
        await page.Locator($".silence-list tr[data-id='{silence.GetProperty("id").GetString()}'] [data-action=expire]").ClickAsync();
        await page.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(page.Locator($".silence-list tr[data-id='{silence.GetProperty("id").GetString()}']")).ToHaveCountAsync(0);
        var (_, after) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alert-silences?unit={worker.Grid}", token);
        Assert.Empty(after.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task AProtectedAlertIsResolvedAndSilencedFromTheConsoleOnlyByCorrectionsStaff()
    {
        // A key person's wristband reports its strap open: a critical alert about a key person, a protected rule's.
        var person = system.Fresh.KeyPerson(within: DemoUnits.FirstStreet);
        var (band, key) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, District), "wristband", person.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(1, person.Lat, person.Lon, batteryPct: 80, onDuty: null, strapIntact: false))).Status);
        var alert = await Api.AlertOfAsync(system.Http, await Api.TokenAsync(system.Http, District), person.Grid, band);
        var alertId = alert.GetProperty("id").GetString()!;
        Assert.Equal("wristband-strap-open", alert.GetProperty("ruleId").GetString());

        // The district's operator acknowledges it, but is offered neither resolving nor silencing it.
        var district = await _browser.SignInAsync(system.GatewayUrl, District);
        await ConsoleBrowser.OpenAsync(district, $"alerts/{alertId}");
        await Assertions.Expect(district.Locator(".protected-note")).ToBeVisibleAsync();
        await Assertions.Expect(district.Locator(".alert-actions [data-action=acknowledge]")).ToBeVisibleAsync();
        await Assertions.Expect(district.Locator(".alert-actions [data-action=resolve]")).ToHaveCountAsync(0);
        await Assertions.Expect(district.Locator(".silence-form-box")).ToBeHiddenAsync();
        // The person by the masked name only.
        await Assertions.Expect(district.Locator(".alert-facts .subject-name")).ToHaveTextAsync(
            person.Name.Length <= 1 ? "*" : person.Name[..1] + new string('*', person.Name.Length - 1));

        // Corrections staff may: the silence form is theirs (the rule named), and they resolve it.
        var corrections = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.corrections.officer");
        await ConsoleBrowser.OpenAsync(corrections, $"alerts/{alertId}");
        await Assertions.Expect(corrections.Locator(".silence-form-box")).ToBeVisibleAsync();
        await Assertions.Expect(corrections.Locator(".silence-form [name=ruleId] option")).ToHaveCountAsync(1);
        await corrections.ClickAsync(".alert-actions [data-action=resolve]");
        await ConfirmAsync(corrections, "已现场核实，腕带重新佩戴");
        await Assertions.Expect(corrections.Locator(".alert-heading [data-state]")).ToHaveAttributeAsync("data-state", "resolved");
        var (_, resolved) = await Api.GetAsync(system.Http, District, $"/api/v1/alerts/{alertId}");
        Assert.Equal("jinjiang.corrections.officer", resolved.GetProperty("resolvedBy").GetString());
    }

    [Fact]
    public async Task TheStreetUrgedByAnUnacknowledgedAlertRepliesToTheSupervisionFromTheAlertPage()
    {
        // A battery rule of the worker's own grid escalating every 10 s: grid → community → street within about 20 s.
        var (worker, deviceId, key) = await PhoneAsync(DemoUnits.FirstStreet);
        var token = await Api.TokenAsync(system.Http, District);
        var ruleId = "t-console-urge-" + Guid.NewGuid().ToString("N")[..8];
        var rule = new
        {
            opId = ruleId, id = ruleId, title = "电量低督办（控制台测试）", kind = "threshold",
            target = new { subjectKind = "device", unitScope = worker.Grid }, severity = "warning",
            parameters = new { metric = "batteryPct", op = "<", value = 10 }, recoverySeconds = 60,
            escalation = new { timeoutSeconds = 10, repeatSeconds = 10, replyWithinSeconds = 600 },
        };
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/alert-rules", token, rule)).Status);
        await SystemFixture.RuleRefreshAsync();
        await LowBatteryAsync(key, worker);
        var alertId = (await Eventually.HoldsAsync(
            async () => (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alerts?unit={worker.Grid}&rule={ruleId}", token)).Body.GetProperty("items").EnumerateArray().ToList(),
            items => items.Count == 1 && items[0].GetProperty("subject").GetProperty("id").GetString() == deviceId, TimeSpan.FromSeconds(10), "the rule's alert listed"))[0]
            .GetProperty("id").GetString()!;
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alerts/{alertId}", token)).Body,
            a => a.GetProperty("supervisions").EnumerateArray().Any(s => s.GetProperty("unitCode").GetString() == DemoUnits.FirstStreet),
            TimeSpan.FromSeconds(60), "the street urged");

        var street = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.street.operator");
        await ConsoleBrowser.OpenAsync(street, $"alerts/{alertId}");
        await Assertions.Expect(street.Locator(".supervisions tbody tr")).Not.ToHaveCountAsync(0);
        await Assertions.Expect(street.Locator("[data-field=escalationLevel]")).Not.ToHaveAttributeAsync("data-level", "0");
        await Assertions.Expect(street.Locator(".supervisions")).ToContainTextAsync(NameOf(DemoUnits.FirstStreet));
        await street.ClickAsync(".alert-actions [data-action=reply]");
        await ConfirmAsync(street, "已安排网格员更换电池");
        await Assertions.Expect(street.Locator(".supervisions")).ToContainTextAsync("已安排网格员更换电池");
        var (_, detail) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alerts/{alertId}", token);
        var answered = detail.GetProperty("supervisions").EnumerateArray().Single(s => s.GetProperty("unitCode").GetString() == DemoUnits.FirstStreet);
        Assert.Equal("已安排网格员更换电池", answered.GetProperty("reply").GetString());
        Assert.Equal("jinjiang.street.operator", answered.GetProperty("repliedBy").GetString());
    }

    [Fact]
    public async Task ARoleWithoutTheDutySeesTheAlertButNoActionOnIt()
    {
        var (worker, deviceId, key) = await PhoneAsync(DemoUnits.FourthStreet);
        await LowBatteryAsync(key, worker);
        var alert = await Api.AlertOfAsync(system.Http, await Api.TokenAsync(system.Http, District), worker.Grid, deviceId);
        var alertId = alert.GetProperty("id").GetString()!;

        var auditor = await _browser.SignInAsync(system.GatewayUrl, "city.auditor");
        await ConsoleBrowser.OpenAsync(auditor, $"alerts/{alertId}");
        await Assertions.Expect(auditor.Locator(".alert-heading")).ToHaveAttributeAsync("data-id", alertId);
        await Assertions.Expect(auditor.Locator(".alert-facts")).ToContainTextAsync(NameOf(worker.Grid));
        await Assertions.Expect(auditor.Locator("#console-page [data-action]:visible")).ToHaveCountAsync(0);
        await Assertions.Expect(auditor.Locator(".console-bar nav a[data-page=silences]")).ToHaveCountAsync(0);
        // The server agrees: the auditor's acknowledgement is refused.
        var (status, _) = await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", await Api.TokenAsync(system.Http, "city.auditor"), new { opId = "auditor-ack" });
        Assert.Equal(HttpStatusCode.Forbidden, status);

        // An operator of another street does not find it at all.
        var other = await _browser.SignInAsync(system.GatewayUrl, SystemFixture.SecondStreetOperator);
        await ConsoleBrowser.OpenAsync(other, $"alerts/{alertId}");
        await Assertions.Expect(other.Locator("#console-page .error")).ToBeVisibleAsync();
        await Assertions.Expect(other.Locator("#console-page [data-action]")).ToHaveCountAsync(0);
    }
}
