using System.Net;
using Microsoft.Playwright;
using OpsCentre.Integration.Tests.Notifications;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>The console's 通知外发 page in Chromium against the real gateway and silo, with a real webhook receiver.</summary>
[Collection(nameof(SystemCollection))]
public sealed class NotificationsConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task AnAdministratorSubscribesAGridSeesTheDeliveryAndDisablesTheSubscription()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        await using var receiver = new WebhookReceiver();
        var page = await _browser.SignInAsync(system.GatewayUrl, "city.admin");
        await ConsoleBrowser.OpenAsync(page, "notifications");

        // A URL that is not http(s): the server's problem shows at the field, nothing is created.
        var form = page.Locator("form.subscription-create");
        await form.Locator("[name=name]").FillAsync("控制台订阅 " + grid);
        await form.Locator("[name=unitCode]").FillAsync(grid);
        await form.Locator("[name=url]").FillAsync("ftp://example.cn/hook");
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=url]")).ToBeVisibleAsync();

        await form.Locator("[name=url]").FillAsync(receiver.Url + "console-hook");
        await form.Locator("[name=format]").SelectOptionAsync("json");
        await form.Locator("[name=secret]").FillAsync("console-secret-1");
        await form.Locator("[data-action=create]").ClickAsync();
        await Assertions.Expect(form.Locator(".created")).ToBeVisibleAsync();
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        var (_, listed) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/notification-subscriptions?unit={grid}", admin);
        var subscription = Assert.Single(listed.GetProperty("items").EnumerateArray());
        var id = subscription.GetProperty("id").GetString()!;
        Assert.True(subscription.GetProperty("signed").GetBoolean());
        var row = page.Locator($"#console-page .subscriptions tr[data-id=\"{id}\"]");
        await Assertions.Expect(row).ToBeVisibleAsync();

        // A case dispatched on the grid is a task: it reaches the receiver, and the page lists the delivery as delivered.
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (created, report) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "控制台通知", gridCode = grid });
        Assert.Equal(HttpStatusCode.Created, created);
        var caseId = report.GetProperty("id").GetString()!;
        foreach (var action in new[] { "accept", "dispatch" })
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/incidents/{caseId}/actions", token, new { opId = Guid.NewGuid().ToString("N"), action })).Status);
        }

        await Eventually.HoldsAsync(() => receiver.Requests.Count == 1, TimeSpan.FromSeconds(15), "the task at the receiver");
        var delivery = receiver.Requests[0].Header("X-OpsCentre-Delivery");
        var look = 0;
        await Eventually.HoldsAsync(async () =>
        {
            // A new route each look (the counter), so the page draws the list again.
            await ConsoleBrowser.OpenAsync(page, $"notifications?subscription={id}&look={++look}");
            var state = page.Locator($"#console-page .deliveries tr[data-id=\"{delivery}\"] [data-field=state]");
            await Assertions.Expect(state).ToBeVisibleAsync();
            return await state.TextContentAsync() == "已送达";
        }, TimeSpan.FromSeconds(20), "the delivery listed as delivered");

        // Disabled, confirmed: the row says so, and the server holds it.
        await row.Locator("[data-action=disable]").ClickAsync();
        await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-action=enable]")).ToBeVisibleAsync();
        Assert.True((await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/notification-subscriptions/{id}", admin)).Body.GetProperty("disabled").GetBoolean());
    }
}
