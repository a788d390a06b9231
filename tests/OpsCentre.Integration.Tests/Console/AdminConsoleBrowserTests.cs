using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>The console's administration pages in Chromium against the real gateway and silo: accounts (账号管理) and alert rules (告警规则).</summary>
[Collection(nameof(SystemCollection))]
public sealed class AdminConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task AnOperatorCreatesAnAccountWhoSignsInAndIsThenDisabledAndEnabled()
    {
        // '0' sorts before every demo account, so the new one is on the list's first page.
        var username = "0c." + Guid.NewGuid().ToString("N")[..10];
        const string password = "Console-Created-2026";
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, "operators");
        await Assertions.Expect(page.Locator("#console-page tr[data-id=\"jinjiang.operator\"]")).ToBeVisibleAsync();

        // An operator may not grant admin: the server says so at the role field, and nothing is created.
        var form = page.Locator("form.operator-create");
        await form.Locator("[name=username]").FillAsync(username);
        await form.Locator("[name=displayName]").FillAsync("控制台新建");
        await form.Locator("[name=role]").SelectOptionAsync("admin");
        await form.Locator("[name=password]").FillAsync(password);
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=role]")).ToBeVisibleAsync();
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/operators/{username}", token)).Status);

        await form.Locator("[name=role]").SelectOptionAsync("staff");
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(page.Locator($"#console-page tr[data-id=\"{username}\"]")).ToBeVisibleAsync();
        var (status, account) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/operators/{username}", token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("staff", account.GetProperty("role").GetString());
        Assert.Equal("510104", account.GetProperty("unitCode").GetString());

        // The new account signs in to the console in a context of its own.
        var newcomer = await _browser.SignInAsync(system.GatewayUrl, username, password);
        await Assertions.Expect(newcomer.Locator(".who")).ToHaveAttributeAsync("data-role", "staff");

        // Disable, confirmed; then enable again.
        var row = page.Locator($"#console-page tr[data-id=\"{username}\"]");
        await row.Locator("[data-action=disable]").ClickAsync();
        await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-action=enable]")).ToBeVisibleAsync();
        Assert.True((await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/operators/{username}", token)).Body.GetProperty("disabled").GetBoolean());
        var refused = await system.Http.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        Assert.False(refused.IsSuccessStatusCode);

        await row.Locator("[data-action=enable]").ClickAsync();
        await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-action=disable]")).ToBeVisibleAsync();
        Assert.False((await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/operators/{username}", token)).Body.GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task ARuleSavedWithABadParameterShowsTheErrorAtTheFieldAndChangesNothing()
    {
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var id = "jj-console-" + Guid.NewGuid().ToString("N")[..8];
        // Switched off, so it evaluates nothing other tests watch.
        var (created, body) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/alert-rules", token, new
        {
            opId = "rule-" + id, id, title = "控制台规则 " + id, kind = "member-share",
            target = new { subjectKind = "community", unitScope = system.Fresh.Grid(within: "510104")[..12] }, severity = "warning",
            parameters = new { memberRule = "worker-device-silent", share = 0.8, minMembers = 3, inhibit = false }, pendingSeconds = 0, recoverySeconds = 0, enabled = false,
        });
        Assert.True(created == HttpStatusCode.Created, $"{created} {body}");

        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, "rules");
        await page.Locator($"#console-page tr[data-id=\"{id}\"]").ClickAsync();
        var form = page.Locator("form.rule-editor");
        await Assertions.Expect(form.Locator("[name=parameters]")).ToBeVisibleAsync();

        // A member-share rule over itself is refused on 'parameters': the message stands beside that control.
        var parameters = form.Locator("[name=parameters]");
        var good = await parameters.InputValueAsync();
        await parameters.FillAsync($$"""{"memberRule":"{{id}}","share":0.8,"minMembers":3,"inhibit":false}""");
        await form.Locator("[data-action=save]").ClickAsync();
        var error = form.Locator("[name=parameters] + [data-error-for=parameters]");
        await Assertions.Expect(error).ToContainTextAsync("memberRule");
        await Assertions.Expect(parameters).ToHaveAttributeAsync("aria-invalid", "true");
        var (_, after) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alert-rules/{id}", token);
        Assert.Single(after.GetProperty("items").EnumerateArray());
        Assert.Equal(1, after.GetProperty("items")[0].GetProperty("version").GetInt32());

        // Corrected, it saves as version 2 with the new title.
        await parameters.FillAsync(good);
        await form.Locator("[name=title]").FillAsync("控制台规则（改）");
        await form.Locator("[data-action=save]").ClickAsync();
        await Assertions.Expect(page.Locator("form.rule-editor .saved")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-field=version]")).ToContainTextAsync("2");
        var (_, saved) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alert-rules/{id}", token);
        Assert.Equal(2, saved.GetProperty("items")[0].GetProperty("version").GetInt32());
        Assert.Equal("控制台规则（改）", saved.GetProperty("items")[0].GetProperty("title").GetString());
        Assert.False(saved.GetProperty("items")[0].GetProperty("enabled").GetBoolean());

        // The city's rule applies to the district but is managed above it: shown read-only, without a save.
        var (_, cityRule) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/alert-rules/worker-device-silent", token);
        Assert.Equal("5101", cityRule.GetProperty("items")[0].GetProperty("target").GetProperty("unitScope").GetString());
        await ConsoleBrowser.OpenAsync(page, "rules/worker-device-silent");
        await Assertions.Expect(page.Locator(".rule-above")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("form.rule-editor [name=title]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("[data-action=save]")).ToHaveCountAsync(0);
    }
}
