using System.Net;
using Microsoft.Playwright;
using OpsCentre.Testing;
using OpsCentre.Database.Operators;

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
    [Fact]
    public async Task AnOperatorChangesTheirOwnPasswordInTheConsoleAndSignsInWithTheNewOne()
    {
        var username = "console.own.password." + Guid.NewGuid().ToString("N")[..8];
        await new OperatorStore(system.Db).UpsertAsync(new OperatorAccount(username, "改密测试", "operator", DemoUnits.SecondStreet, Disabled: false), SystemFixture.Password);
        var page = await _browser.SignInAsync(system.GatewayUrl, username);
        await page.ClickAsync(".console-bar [data-action=change-password]");
        var dialog = page.Locator("dialog.own-password");

        // A wrong current password is refused at its field, and nothing changes.
        await dialog.Locator("[name=currentPassword]").FillAsync("not-the-password");
        await dialog.Locator("[name=newPassword]").FillAsync("Console-changed-2026!");
        await dialog.Locator("[name=repeat]").FillAsync("Console-changed-2026!");
        await dialog.Locator("[data-action=change-password]").ClickAsync();
        await Assertions.Expect(dialog.Locator("[data-error-for=currentPassword]")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.OK, (await Api.AnswerOfAsync(system.Http, TokenRequest(username, SystemFixture.Password))).Status);

        await dialog.Locator("[name=currentPassword]").FillAsync(SystemFixture.Password);
        await dialog.Locator("[data-action=change-password]").ClickAsync();
        await Assertions.Expect(dialog.Locator(".saved")).ToBeVisibleAsync();
        await dialog.Locator("[data-action=cancel]").ClickAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.AnswerOfAsync(system.Http, TokenRequest(username, SystemFixture.Password))).Status);

        await page.ClickAsync("[data-action=sign-out]");
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", "Console-changed-2026!");
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator(".console-bar")).ToBeVisibleAsync(new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task SigningOutOfTheConsoleRevokesTheSessionsRefreshToken()
    {
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        var refresh = await page.EvaluateAsync<string>("() => JSON.parse(sessionStorage.getItem('opscentre.session')).tokens.refreshToken");
        var revoked = page.WaitForResponseAsync(r => r.Url.EndsWith("/api/v1/auth/revoke", StringComparison.Ordinal));
        await page.ClickAsync("[data-action=sign-out]");
        Assert.Equal(204, (await revoked).Status);
        var again = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/refresh") { Content = System.Net.Http.Json.JsonContent.Create(new { refreshToken = refresh }) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.AnswerOfAsync(system.Http, again)).Status);
    }

    private static HttpRequestMessage TokenRequest(string username, string password) =>
        new(HttpMethod.Post, "/api/v1/auth/token") { Content = System.Net.Http.Json.JsonContent.Create(new { username, password }) };
}
