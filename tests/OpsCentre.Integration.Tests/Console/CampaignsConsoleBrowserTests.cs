using System.Net;
using Microsoft.Playwright;
using OpsCentre.Integration.Tests.Campaigns;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>
/// 专项整治 in Chromium against the real gateway and silo: an operator starts a floating-population campaign in the console and
/// sees each grid's progress there; the wall screen's tile moves live when a worker's phone completes a visit.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class CampaignsConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task AnOperatorStartsACampaignInTheConsoleAndSeesEachGridsProgress()
    {
        // A whole community of its own: a campaign of the community selects this test's residents only.
        var (community, worker, other) = CampaignTests.CommunityOfItsOwn(system);
        await CampaignTests.SeedFloatingResidentAsync(system, worker.Grid);
        await CampaignTests.SeedFloatingResidentAsync(system, worker.Grid);
        await CampaignTests.SeedFloatingResidentAsync(system, other);

        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, "campaigns");
        var form = page.Locator("form.start-campaign");
        await form.Locator("[name=unitCode]").FillAsync(community);
        await form.Locator("[name=title]").FillAsync("流动人口专项整治日");
        await form.Locator("[name=registrationDueBefore]").FillAsync(CampaignTests.Expiry.ToString("yyyy-MM-dd"));
        await form.Locator("[name=dueAt]").FillAsync(DateTime.Now.AddDays(1).ToString("yyyy-MM-ddTHH:mm"));
        await form.Locator("[data-action=start]").ClickAsync();

        // The campaign's page: one row per grid with its visits.
        var mine = page.Locator($"table.campaign-grids tr[data-id=\"{worker.Grid}\"] .grid-progress");
        await Assertions.Expect(mine).ToHaveTextAsync("0/2");
        await Assertions.Expect(page.Locator($"table.campaign-grids tr[data-id=\"{other}\"] .grid-progress")).ToHaveTextAsync("0/1");
        var id = await page.Locator("h2[data-id]").GetAttributeAsync("data-id");
        Assert.NotNull(id);

        // The wall screen of the community shows the campaign's grids.
        var wall = await _browser.NewPageAsync();
        await wall.GotoAsync(new Uri(system.GatewayUrl, $"/#/unit/{community}").ToString());
        await wall.FillAsync("#username", "jinjiang.operator");
        await wall.FillAsync("#password", SystemFixture.Password);
        await wall.ClickAsync("#sign-in");
        await Assertions.Expect(wall.Locator("#link-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 20_000 });
        var tile = wall.Locator($"#campaigns li.campaign[data-id=\"{id}\"] li.campaign-grid[data-grid=\"{worker.Grid}\"] .progress");
        await Assertions.Expect(tile).ToHaveTextAsync("0/2");

        // The worker's phone completes a visit: the wall moves live, the console on refresh.
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (_, phone) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", worker.Id);
        var (_, tasks) = await Api.DeviceSendAsync(system.Http, HttpMethod.Get, "/api/v1/device/tasks", phone);
        var visit = tasks.GetProperty("items").EnumerateArray().First(t => t.GetProperty("kind").GetString() == "campaign-visit");
        var (done, _) = await Api.DeviceSendAsync(system.Http, HttpMethod.Post, $"/api/v1/device/campaign-tasks/{visit.GetProperty("id").GetString()}/complete", phone,
            new { opId = "visit-" + Guid.NewGuid().ToString("N") });
        Assert.Equal(HttpStatusCode.OK, done);
        await Assertions.Expect(tile).ToHaveTextAsync("1/2");
        await page.Locator("[data-action=refresh]").ClickAsync();
        await Assertions.Expect(mine).ToHaveTextAsync("1/2");

        // The list holds the campaign with its completion.
        await ConsoleBrowser.OpenAsync(page, "campaigns?unit=" + community);
        await Assertions.Expect(page.Locator($".list-host tr[data-id=\"{id}\"]")).ToContainTextAsync("1/3");
        await _browser.ScreenshotAsync(wall, "wall-campaign.png");
    }
}
