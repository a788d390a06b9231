using Microsoft.Playwright;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>The console's 事件 pages in Chromium against the real gateway and silo: the loop through the case page's controls, and scope.</summary>
[Collection(nameof(SystemCollection))]
public sealed class CasesConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    private async Task<string> ReportAsync(string by, string grid)
    {
        var (status, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", await Api.TokenAsync(system.Http, by),
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "控制台测试：垃圾堆放", gridCode = grid });
        Assert.True(status == System.Net.HttpStatusCode.Created, $"report: {status} {answer}");
        return answer.GetProperty("id").GetString()!;
    }

    /// <summary>Presses the action's control, confirms with a note, and waits for the case page to show the next stage.</summary>
    private static async Task TakeAsync(IPage page, string action, string nextStage)
    {
        await page.ClickAsync($".case-actions [data-action='{action}']");
        await page.FillAsync("dialog.confirm textarea[name=note]", "控制台 " + action);
        await page.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(page.Locator(".case-stage")).ToHaveAttributeAsync("data-stage", nextStage);
    }

    [Fact]
    public async Task AnOperatorTakesACaseFromReportToClosureThroughTheConsole()
    {
        var id = await ReportAsync(SystemFixture.SecondStreetOperator, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        var street = await _browser.SignInAsync(system.GatewayUrl, SystemFixture.SecondStreetOperator);
        await ConsoleBrowser.OpenAsync(street, $"cases/{id}");
        await Assertions.Expect(street.Locator(".case-title")).ToHaveAttributeAsync("data-id", id);

        await TakeAsync(street, "accept", "accepted");
        await TakeAsync(street, "dispatch", "dispatched");
        await TakeAsync(street, "start", "in-progress");
        await TakeAsync(street, "feedback", "handled");
        // The reporter does not verify their own case: the server lists no verification for them, so no control shows.
        await Assertions.Expect(street.Locator(".case-actions [data-action]")).ToHaveCountAsync(0);

        var district = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator", route: $"cases/{id}");
        await ConsoleBrowser.OpenAsync(district, $"cases/{id}");
        await Assertions.Expect(district.Locator(".case-actions [data-action='verify-fail']")).ToBeVisibleAsync();
        await TakeAsync(district, "verify-pass", "closed");
        await Assertions.Expect(district.Locator(".case-actions [data-action]")).ToHaveCountAsync(0);
        await Assertions.Expect(district.Locator(".case-timeline li")).ToHaveCountAsync(6);
        await _browser.ScreenshotAsync(district, "console-case.png");
    }

    [Fact]
    public async Task AStreetOperatorSeesNeitherAnotherStreetsCaseNorAnyActionOnIt()
    {
        var id = await ReportAsync(SystemFixture.SecondStreetOperator, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        var own = await ReportAsync("jinjiang.street.operator", system.Fresh.Grid(within: DemoUnits.FirstStreet));
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.street.operator");
        await ConsoleBrowser.OpenAsync(page, "cases?stage=reported");
        await Assertions.Expect(page.Locator($"tr[data-id='{own}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"tr[data-id='{id}']")).ToHaveCountAsync(0);

        await ConsoleBrowser.OpenAsync(page, $"cases/{id}");
        await Assertions.Expect(page.Locator("#console-page .error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-action='accept'], [data-action='cancel']")).ToHaveCountAsync(0);
    }
}
