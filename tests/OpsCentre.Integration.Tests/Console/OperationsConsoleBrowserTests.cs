using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>
/// The console's remaining desks in Chromium against the real gateway and silo, so every action of the README's API table is
/// reachable from the browser: a worker's track (with its purpose, audited), the 系统运行 page (the Orleans Dashboard session,
/// an event appended by hand and read back from the district's log), and alert rules created and copied.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class OperationsConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string District = "jinjiang.operator";
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task AnOperatorReadsAWorkersTrackNamingThePurposeAndTheAuditorFindsThatRead()
    {
        var worker = system.Fresh.Worker(within: DemoUnits.SecondStreet);
        var (_, key) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, District), "worker-phone", worker.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(1, worker.Lat, worker.Lon))).Status);
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        // The batched track writer stores the position within a moment.
        await Eventually.HoldsAsync(
            async () => (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/workers/{worker.Id}/track?purpose=monitoring", admin)).Body,
            t => t.ValueKind == JsonValueKind.Object && t.GetProperty("points").GetArrayLength() > 0, TimeSpan.FromSeconds(20), "the worker's track has the position");

        var page = await _browser.SignInAsync(system.GatewayUrl, District);
        await ConsoleBrowser.OpenAsync(page, $"workers?unit={worker.Grid}");
        var row = page.Locator($"tr[data-id='{worker.Id}']");
        await Assertions.Expect(row).ToContainTextAsync(worker.Name);
        await Assertions.Expect(row).ToContainTextAsync(system.City.Units.Single(u => u.Code == worker.Grid).Name);
        await row.ClickAsync();
        await Assertions.Expect(page.Locator(".worker-title")).ToHaveAttributeAsync("data-id", worker.Id);
        await page.SelectOptionAsync("form.track-form select[name=purpose]", "case-handling");
        await page.ClickAsync("form.track-form [data-action=read-track]");
        await Assertions.Expect(page.Locator(".track-summary")).ToHaveAttributeAsync("data-count", new System.Text.RegularExpressions.Regex("^[1-9]"));

        var (status, audit) = await Api.GetAsync(system.Http, "city.auditor", $"/api/v1/audit?unit=5101&actor={District}&purpose=case-handling");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), a => a.GetProperty("subject").GetString()!.Contains(worker.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACityAdministratorOpensTheOrleansDashboardAndAppendsAnEventReadBackFromTheLog()
    {
        var page = await _browser.SignInAsync(system.GatewayUrl, "city.admin");
        await ConsoleBrowser.OpenAsync(page, "system");

        var dashboard = await page.Context.RunAndWaitForPageAsync(() => page.ClickAsync("[data-action=open-orleans-dashboard]"));
        // The tab is sent to the dashboard's address once the session cookie is set. Only its answer is awaited, not its
        // document's scripts: under the whole suite's load the package's own app has taken longer than 30 s to start.
        await dashboard.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/orleans-dashboard/$"), new() { Timeout = 60_000, WaitUntil = WaitUntilState.Commit });
        // The same browser, with the cookie the console's click set and no Authorization header, is let in.
        var shown = await page.Context.APIRequest.GetAsync(dashboard.Url, new() { Timeout = 60_000 });
        Assert.Equal(200, shown.Status);
        Assert.Contains("text/html", shown.Headers.GetValueOrDefault("content-type") ?? "", StringComparison.Ordinal);
        // And without the cookie it is not.
        await using (var stranger = await dashboard.Context.Browser!.NewContextAsync())
        {
            Assert.Equal(401, (await stranger.APIRequest.GetAsync(dashboard.Url)).Status);
        }

        await dashboard.CloseAsync();

        // The domain's own families are refused at `type`; another type is stored in the district's log.
        var form = page.Locator("form.append-event");
        await form.Locator("[name=unitCode]").FillAsync(DemoUnits.Jinjiang);
        await form.Locator("[name=type]").FillAsync("alert.forged");
        await form.Locator("[name=data]").FillAsync("""{"id":"console-probe"}""");
        await form.Locator("[data-action=append-event]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=type]")).ToBeVisibleAsync();
        await form.Locator("[name=type]").FillAsync("console.probe");
        await form.Locator("[data-action=append-event]").ClickAsync();
        var stored = form.Locator(".appended");
        await Assertions.Expect(stored).ToHaveAttributeAsync("data-seq", new System.Text.RegularExpressions.Regex("^[0-9]+$"));
        var seq = (await stored.GetAttributeAsync("data-seq"))!;

        await stored.Locator("a").ClickAsync();
        var logged = page.Locator($".events-page tr[data-id='{seq}']");
        await Assertions.Expect(logged).ToContainTextAsync("console.probe");
    }

    [Fact]
    public async Task AnOperatorCreatesARuleInTheConsoleAndCopiesTheCitysRuleIntoTheDistrict()
    {
        // Scoped to a grid no other test uses and stored switched off, so that neither rule raises alerts other tests would meet.
        var grid = system.Fresh.Grid(within: DemoUnits.Jinjiang);
        var id = "console-rule-" + Guid.NewGuid().ToString("N")[..10];
        var page = await _browser.SignInAsync(system.GatewayUrl, District);
        await ConsoleBrowser.OpenAsync(page, "rules");
        await page.ClickAsync("[data-action=create]");
        var form = page.Locator("form.rule-new");
        await form.Locator("[name=id]").FillAsync(id);
        await form.Locator("[name=title]").FillAsync("控制台新建：电量低于 3%");
        await form.Locator("[name=kind]").SelectOptionAsync("threshold");
        await form.Locator("[name='target.subjectKind']").SelectOptionAsync("device");
        await form.Locator("[name='target.unitScope']").FillAsync(grid);
        await form.Locator("[name=enabled]").UncheckAsync();
        // Not JSON: refused at its field, and nothing is stored.
        await form.Locator("[name=parameters]").FillAsync("batteryPct < 3");
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=parameters]")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(system.Http, District, $"/api/v1/alert-rules/{id}")).Status);

        await form.Locator("[name=parameters]").FillAsync("""{"metric":"batteryPct","op":"<","value":3}""");
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(page.Locator(".rule-versions tr[data-id='1']")).ToContainTextAsync(District);
        var (created, rule) = await Api.GetAsync(system.Http, District, $"/api/v1/alert-rules/{id}");
        Assert.Equal(HttpStatusCode.OK, created);
        Assert.Equal(grid, rule.GetProperty("items")[0].GetProperty("target").GetProperty("unitScope").GetString());
        Assert.False(rule.GetProperty("items")[0].GetProperty("enabled").GetBoolean());

        // The city's battery rule is read-only here; copied into the district, the copy is the district's to tune.
        await ConsoleBrowser.OpenAsync(page, "rules/device-battery-low");
        await Assertions.Expect(page.Locator(".rule-above")).ToBeVisibleAsync();
        var copyId = "console-copy-" + Guid.NewGuid().ToString("N")[..10];
        var copy = page.Locator("form.rule-copy");
        await copy.Locator("[name=id]").FillAsync(copyId);
        await copy.Locator("[name=unitScope]").FillAsync(grid);
        // A copy is stored switched off unless asked: beside the original it would alert twice.
        await Assertions.Expect(copy.Locator("[name=enabled]")).Not.ToBeCheckedAsync();
        await copy.Locator("[data-action=copy]").ClickAsync();
        await Assertions.Expect(page.Locator("form.rule-editor [data-action=save]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".rule-above")).ToHaveCountAsync(0);
        var (copied, copyRule) = await Api.GetAsync(system.Http, District, $"/api/v1/alert-rules/{copyId}");
        Assert.Equal(HttpStatusCode.OK, copied);
        Assert.Equal(grid, copyRule.GetProperty("items")[0].GetProperty("target").GetProperty("unitScope").GetString());
        Assert.False(copyRule.GetProperty("items")[0].GetProperty("enabled").GetBoolean());
    }
}
