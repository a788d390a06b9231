using Microsoft.Playwright;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>The console's frame in Chromium against the real gateway and silo: sign-in, the pages a role may use, the language.</summary>
[Collection(nameof(SystemCollection))]
public sealed class ConsoleShellBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task AnOperatorSignsInToTheConsoleAndSeesTheirUnitByName()
    {
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await Assertions.Expect(page.Locator("#console-page")).ToHaveAttributeAsync("data-page", "home");
        await Assertions.Expect(page.Locator("#console-page h2")).ToHaveTextAsync("锦江区");
        await Assertions.Expect(page.Locator(".who-unit")).ToHaveTextAsync("锦江区");
        await Assertions.Expect(page.Locator("[data-counter=incidentsOpen] dd")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d"));

        await page.ClickAsync("[data-action=language]");
        await Assertions.Expect(page.Locator(".console-bar h1")).ToHaveTextAsync("Grid governance · Console");
        await page.ClickAsync("[data-action=language]");

        await page.ClickAsync("[data-action=sign-out]");
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheServerSaysWhichFunctionsTheCallerHolds()
    {
        var auditor = await Api.TokenAsync(system.Http, "city.auditor");
        var (status, me) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/auth/me", auditor);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var permissions = me.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Equal("auditor", me.GetProperty("role").GetString());
        Assert.Contains("read-audit", permissions);
        Assert.DoesNotContain("handle-incidents", permissions);

        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (_, op) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/auth/me", operatorToken);
        Assert.Equal("510104", op.GetProperty("unitCode").GetString());
        Assert.Contains("handle-incidents", op.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
    }
}
