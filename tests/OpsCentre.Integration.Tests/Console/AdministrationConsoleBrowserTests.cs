using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using OpsCentre.Integration.Tests.Auth;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>
/// The console's administration pages in Chromium against the real gateway and silo: case categories and their deadlines,
/// departments, supervision schedules, machine clients, and the accounts' password reset and change.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class AdministrationConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task ACategoryCreatedInTheConsoleWithDeadlinesIsUsedByANewCase()
    {
        var code = "console-" + Guid.NewGuid().ToString("N")[..8];
        var page = await _browser.SignInAsync(system.GatewayUrl, "city.admin");
        await ConsoleBrowser.OpenAsync(page, "categories");
        var form = page.Locator("form.category-form");
        await form.Locator("[name=code]").FillAsync(code);
        await form.Locator("[name=name]").FillAsync("控制台类别");
        foreach (var urgency in new[] { "normal", "urgent" })
        {
            foreach (var (stage, duration) in new[] { ("reported", "PT7M"), ("accepted", "PT1H"), ("dispatched", "PT2H"), ("resolve", "P2D"), ("handled", "P1D") })
            {
                await form.Locator($"[name=\"deadlines.{urgency}.{stage}\"]").FillAsync(urgency == "urgent" && stage == "reported" ? "PT3M" : duration);
            }
        }

        // A month is refused (its length varies): the server's message stands at the deadlines, and nothing is created.
        await form.Locator("[name=\"deadlines.normal.resolve\"]").FillAsync("P1M");
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=deadlines]")).ToBeVisibleAsync();
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        Assert.DoesNotContain(await CategoryCodesAsync(admin), c => c == code);

        await form.Locator("[name=\"deadlines.normal.resolve\"]").FillAsync("P2D");
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(page.Locator($"table.categories tr[data-id=\"{code}\"]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("form.category-form[data-mode=change]")).ToBeVisibleAsync();
        Assert.Contains(await CategoryCodesAsync(admin), c => c == code);
        await _browser.ScreenshotAsync(page, "console-category.png");

        // A case reported in the new category has the category's deadline to be accepted: 7 minutes.
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (reported, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", operatorToken,
            new { opId = Guid.NewGuid().ToString("N"), category = code, urgency = "normal", description = "新类别", gridCode = system.Fresh.Grid(within: DemoUnits.Jinjiang) });
        Assert.True(reported == HttpStatusCode.Created, $"report: {reported} {answer}");
        var (_, detail) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{answer.GetProperty("id").GetString()}", operatorToken);
        var incident = detail.GetProperty("incident");
        Assert.Equal(TimeSpan.FromMinutes(7), incident.GetProperty("stageDeadline").GetDateTimeOffset() - incident.GetProperty("stageEnteredAt").GetDateTimeOffset());

        // Edited in the console (the row opens the form), the new deadline is what the API answers.
        await page.Locator($"table.categories tr[data-id=\"{code}\"]").ClickAsync();
        await Assertions.Expect(form.Locator(".saved")).ToBeHiddenAsync();
        await form.Locator("[name=\"deadlines.normal.reported\"]").FillAsync("PT9M");
        await form.Locator("[data-action=change]").ClickAsync();
        await Assertions.Expect(page.Locator($"table.categories tr[data-id=\"{code}\"] [data-field=\"deadlines.normal\"]")).ToContainTextAsync("PT9M");
        var (_, categories) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/incident-categories", admin);
        var stored = categories.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("code").GetString() == code);
        Assert.Equal("PT9M", stored.GetProperty("deadlines").GetProperty("normal").GetProperty("reported").GetString());
        Assert.Equal("PT3M", stored.GetProperty("deadlines").GetProperty("urgent").GetProperty("reported").GetString());

        // A district operator (no manage-city-settings) is offered no categories page.
        var district = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await Assertions.Expect(district.Locator("nav a[data-page=categories]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ADepartmentCreatedInTheConsoleIsPickableForAnAccountAndCanBeDisabled()
    {
        var code = "510104-" + string.Concat(Guid.NewGuid().ToString("N").Where(char.IsLetter).Take(6).Select(char.ToUpperInvariant)).PadRight(4, 'Q');
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, "departments");
        var form = page.Locator("form.department-create");

        // Another district's code is refused at the code field.
        await form.Locator("[name=code]").FillAsync("510105-" + code[7..]);
        await form.Locator("[name=name]").FillAsync("控制台部门");
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=code]")).ToBeVisibleAsync();

        await form.Locator("[name=code]").FillAsync(code);
        await form.Locator("[data-action=create]").ClickAsync();
        var row = page.Locator($"table.departments tr[data-id=\"{code}\"]");
        await Assertions.Expect(row).ToBeVisibleAsync();

        // Renamed in its dialog.
        await row.Locator("[data-action=change]").ClickAsync();
        await page.Locator("dialog.form-dialog [name=name]").FillAsync("控制台部门（改）");
        await page.Locator("dialog.form-dialog [data-action=change]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-field=name]")).ToHaveTextAsync("控制台部门（改）");

        // Pickable: the accounts page offers it for a department's staff, and the account created with it belongs to it.
        var username = "0d." + Guid.NewGuid().ToString("N")[..10];
        await ConsoleBrowser.OpenAsync(page, "operators");
        var create = page.Locator("form.operator-create");
        await create.Locator("[name=username]").FillAsync(username);
        await create.Locator("[name=displayName]").FillAsync("部门人员");
        await create.Locator("[name=role]").SelectOptionAsync("department");
        await create.Locator("[name=unitCode]").FillAsync("510104");
        await create.Locator("[name=departmentCode]").SelectOptionAsync(code);
        await create.Locator("[name=password]").FillAsync("Department-Staff-2026");
        await create.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(page.Locator($"#console-page tr[data-id=\"{username}\"]")).ToBeVisibleAsync();
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (_, account) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/operators/{username}", token);
        Assert.Equal(code, account.GetProperty("departmentCode").GetString());

        // Disabled (confirmed): a dispatch to it is then refused.
        await ConsoleBrowser.OpenAsync(page, "departments");
        await row.Locator("[data-action=disable]").ClickAsync();
        await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-action=enable]")).ToBeVisibleAsync();
        var (_, departments) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/departments?unit=510104", token);
        Assert.True(departments.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("code").GetString() == code).GetProperty("disabled").GetBoolean());
        var (_, created) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "派往停用部门", gridCode = system.Fresh.Grid(within: DemoUnits.Jinjiang) });
        var id = created.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await Act(token, id!, "accept", null)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Act(token, id!, "dispatch", code)).Status);
    }

    [Fact]
    public async Task AMachineClientCreatedInTheConsoleGetsATokenWithTheSecretItShowedOnce()
    {
        var clientId = "console-" + Guid.NewGuid().ToString("N")[..8];
        var page = await _browser.SignInAsync(system.GatewayUrl, "city.admin");
        await ConsoleBrowser.OpenAsync(page, "machine-clients");
        var form = page.Locator("form.client-create");
        await form.Locator("[name=clientId]").FillAsync(clientId);
        await form.Locator("[name=displayName]").FillAsync("锦江区城管业务系统（控制台）");
        await form.Locator("[name=unitCode]").FillAsync("510104");

        // No permission ticked: refused at the permissions.
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=permissions]")).ToBeVisibleAsync();

        await form.Locator("[name=permissions][value=\"cases:read\"]").CheckAsync();
        await form.Locator("[data-action=create]").ClickAsync();
        var secret = await ShownSecretAsync(page, clientId);
        await _browser.ScreenshotAsync(page, "console-machine-client.png");
        await Assertions.Expect(page.Locator($"#console-page tr[data-id=\"{clientId}\"]")).ToBeVisibleAsync();

        var (status, body) = await MachineClientTests.TokenAsync(system.Http, clientId, secret);
        Assert.True(status == HttpStatusCode.OK, $"token: {status} {body}");
        var access = body.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/incidents?unit=510104&limit=1", access)).Status);

        // The secret is nowhere else: the list and the client's own answer have none.
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        var (_, stored) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/machine-clients/{clientId}", admin);
        Assert.DoesNotContain(secret, stored.GetRawText(), StringComparison.Ordinal);

        // Rotated: the new secret shown works too.
        var row = page.Locator($"#console-page tr[data-id=\"{clientId}\"]");
        await row.Locator("[data-action=rotate]").ClickAsync();
        await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
        await Assertions.Expect(page.Locator(".secret-once [data-field=previousSecretsEndAt]")).ToBeVisibleAsync();
        var rotated = await ShownSecretAsync(page, clientId);
        Assert.NotEqual(secret, rotated);
        Assert.Equal(HttpStatusCode.OK, (await MachineClientTests.TokenAsync(system.Http, clientId, rotated)).Status);

        // Disabled: no token any more.
        await row.Locator("[data-action=disable]").ClickAsync();
        await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-action=enable]")).ToBeVisibleAsync();
        Assert.NotEqual(HttpStatusCode.OK, (await MachineClientTests.TokenAsync(system.Http, clientId, rotated)).Status);
    }

    [Fact]
    public async Task AnOperatorWhosePasswordIsResetSignsInWithTheNewOneNotTheOldAndIsMovedWithinScope()
    {
        var username = "0r." + Guid.NewGuid().ToString("N")[..10];
        const string oldPassword = "Original-Pass-2026";
        const string newPassword = "Reset-By-Console-2026";
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (created, body) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/operators", token, new
        {
            opId = "create-" + username, username, displayName = "重置测试", role = "staff", unitCode = DemoUnits.FirstStreet, password = oldPassword,
        });
        Assert.True(created == HttpStatusCode.Created, $"{created} {body}");

        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, "operators");
        var row = page.Locator($"#console-page tr[data-id=\"{username}\"]");
        await row.Locator("[data-action=reset-password]").ClickAsync();
        var dialog = page.Locator("dialog.form-dialog");

        // The password policy's refusal stands at the field; the dialog stays.
        await dialog.Locator("[name=password]").FillAsync("short");
        await dialog.Locator("[data-action=reset-password]").ClickAsync();
        await Assertions.Expect(dialog.Locator("[data-error-for=password]")).ToBeVisibleAsync();
        await dialog.Locator("[name=password]").FillAsync(newPassword);
        await dialog.Locator("[data-action=reset-password]").ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(row.Locator(".reset")).ToBeVisibleAsync();

        Assert.False((await system.Http.PostAsJsonAsync("/api/v1/auth/token", new { username, password = oldPassword })).IsSuccessStatusCode);
        var holder = await _browser.SignInAsync(system.GatewayUrl, username, newPassword);
        await Assertions.Expect(holder.Locator(".who")).ToHaveAttributeAsync("data-role", "staff");

        // Changing the role to one above the caller's grant is refused at the role; moving the account to a community of the district is not.
        await row.Locator("[data-action=change]").ClickAsync();
        await dialog.Locator("[name=role]").SelectOptionAsync("admin");
        await dialog.Locator("[data-action=change]").ClickAsync();
        await Assertions.Expect(dialog.Locator("[data-error-for=role]")).ToBeVisibleAsync();
        await dialog.Locator("[name=role]").SelectOptionAsync("staff");
        await dialog.Locator("[name=unitCode]").FillAsync(DemoUnits.FirstCommunity);
        await dialog.Locator("[data-action=change]").ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(row).ToContainTextAsync(DemoUnits.FirstCommunity);
        var (_, account) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/operators/{username}", token);
        Assert.Equal(DemoUnits.FirstCommunity, account.GetProperty("unitCode").GetString());
        Assert.Equal("staff", account.GetProperty("role").GetString());
    }

    [Fact]
    public async Task AScheduleSavedWithABadIntervalShowsTheErrorAtTheFieldAndAGoodOneIsStored()
    {
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        var (_, before) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/supervision-schedules", admin);
        var strict = before.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("level").GetString() == "strict");
        var visitEvery = strict.GetProperty("visitEvery").GetString()!;

        var page = await _browser.SignInAsync(system.GatewayUrl, "city.admin");
        await ConsoleBrowser.OpenAsync(page, "schedules");
        var form = page.Locator("form.schedule-form[data-level=strict]");
        await Assertions.Expect(form.Locator("[name=visitEvery]")).ToHaveValueAsync(visitEvery);
        await form.Locator("[name=visitEvery]").FillAsync("P1Y");
        await form.Locator("[data-action=change]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=visitEvery]")).ToBeVisibleAsync();
        var (_, refused) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/supervision-schedules", admin);
        Assert.Equal(before.GetRawText(), refused.GetRawText());

        // The same interval again (other tests rely on the schedule) is a stored change: the page says saved, the log has it.
        await form.Locator("[name=visitEvery]").FillAsync(visitEvery);
        await form.Locator("[data-action=change]").ClickAsync();
        await Assertions.Expect(form.Locator(".saved")).ToBeVisibleAsync();
        await Assertions.Expect(form.Locator(".form-error")).ToHaveCountAsync(0);
        var (_, changes) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/audit/changes?entityKind=supervision-schedule&actor=city.admin&limit=1", admin);
        Assert.Equal("strict", changes.GetProperty("items")[0].GetProperty("entityKey").GetString());
        Assert.True(changes.GetProperty("items")[0].GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-2));
    }

    private static async Task<string> ShownSecretAsync(IPage page, string clientId)
    {
        await Assertions.Expect(page.Locator(".secret-once [data-field=clientId]")).ToHaveTextAsync(clientId);
        var secret = (await page.Locator(".secret-once [data-field=secret]").TextContentAsync())!.Trim();
        Assert.False(string.IsNullOrEmpty(secret));
        return secret;
    }

    private async Task<List<string>> CategoryCodesAsync(string token)
    {
        var (_, categories) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/incident-categories", token);
        return [.. categories.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("code").GetString()!)];
    }

    private Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> Act(string token, string id, string action, string? unitCode) =>
        Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", token,
            new Dictionary<string, object?> { ["opId"] = $"{action}-{Guid.NewGuid():N}", ["action"] = action, ["note"] = "test", ["unitCode"] = unitCode });
}
