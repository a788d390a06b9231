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

    /// <summary>The wall screen of <paramref name="username"/>, signed in and live.</summary>
    private async Task<IPage> WallScreenAsync(string username)
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(system.GatewayUrl.ToString());
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", SystemFixture.Password);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 20_000 });
        return page;
    }

    /// <summary>The wall screen's cases by stage (reported … handled), as its chart draws them.</summary>
    private static async Task<int[]> StageCountsAsync(IPage wall) =>
        [.. (await wall.Locator("#pipeline").GetAttributeAsync("data-counts") ?? "").Split(',').Select(int.Parse)];

    private static readonly string[] OpenStages = ["reported", "accepted", "dispatched", "in-progress", "handled"];

    /// <summary>Waits until the wall screen's chart shows the base counts with one more case in <paramref name="stage"/> (none more for a closed case).</summary>
    private static async Task ExpectOneMoreInAsync(IPage wall, int[] baseline, string? stage)
    {
        var expected = string.Join(',', baseline.Select((n, i) => OpenStages[i] == stage ? n + 1 : n));
        await Assertions.Expect(wall.Locator("#pipeline")).ToHaveAttributeAsync("data-counts", expected, new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task AnOperatorReportsAndClosesACaseInTheConsoleWhileAnotherOperatorsWallScreenShowsEachStage()
    {
        var wall = await WallScreenAsync("jinjiang.operator");
        // The chart draws the district's counters as the API gives them (not a sample of its newest cases).
        var (_, unit) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/units/{DemoUnits.Jinjiang}");
        int[] baseline = [.. new[] { "incidentsReported", "incidentsAccepted", "incidentsDispatched", "incidentsInProgress", "incidentsHandled" }
            .Select(name => unit.GetProperty("counters").GetProperty(name).GetInt32())];
        await Assertions.Expect(wall.Locator("#pipeline")).ToHaveAttributeAsync("data-counts", string.Join(',', baseline), new() { Timeout = 10_000 });

        // 上报 in the console: the report form, a grid of the operator's street picked from its list.
        var grid = system.Fresh.Grid(within: DemoUnits.SecondStreet);
        var street = await _browser.SignInAsync(system.GatewayUrl, SystemFixture.SecondStreetOperator);
        await ConsoleBrowser.OpenAsync(street, "cases");
        await street.ClickAsync("[data-action=report]");
        await street.SelectOptionAsync("form.case-report select[name=category]", "sanitation");
        await street.SelectOptionAsync("form.case-report select[name=gridCode]", grid);
        await street.FillAsync("form.case-report textarea[name=description]", "控制台上报：楼道堆放杂物");
        await street.ClickAsync("form.case-report [data-action=report]");
        await Assertions.Expect(street.Locator(".case-stage")).ToHaveAttributeAsync("data-stage", "reported");
        var id = await street.Locator(".case-title").GetAttributeAsync("data-id");
        Assert.NotNull(id);
        // Names, not codes: the category's name, the grid's name.
        await Assertions.Expect(street.Locator(".case-category")).ToHaveTextAsync("环境卫生");
        await Assertions.Expect(street.Locator(".case-unit")).ToHaveTextAsync(system.City.Units.Single(u => u.Code == grid).Name);
        await ExpectOneMoreInAsync(wall, baseline, "reported");

        // The street's own list of reported cases has it (newest reported first), and counts it.
        await ConsoleBrowser.OpenAsync(street, "cases?stage=reported");
        await Assertions.Expect(street.Locator($"tr[data-id='{id}']")).ToBeVisibleAsync();
        await street.Locator($"tr[data-id='{id}']").ClickAsync();

        await TakeAsync(street, "accept", "accepted");
        await ExpectOneMoreInAsync(wall, baseline, "accepted");
        // 派遣 to a unit picked from the list: the case's community (named), with its default.
        await street.ClickAsync(".case-actions [data-action='dispatch']");
        var community = grid[..12];
        await Assertions.Expect(street.Locator("dialog.case-action select[name=unitCode]")).ToHaveValueAsync(community);
        await street.FillAsync("dialog.confirm textarea[name=note]", "派遣至社区");
        await street.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(street.Locator(".case-stage")).ToHaveAttributeAsync("data-stage", "dispatched");
        await Assertions.Expect(street.Locator(".case-responsible")).ToHaveTextAsync(system.City.Units.Single(u => u.Code == community).Name);
        await ExpectOneMoreInAsync(wall, baseline, "dispatched");
        await TakeAsync(street, "start", "in-progress");
        await ExpectOneMoreInAsync(wall, baseline, "in-progress");
        await TakeAsync(street, "feedback", "handled");
        await ExpectOneMoreInAsync(wall, baseline, "handled");

        var district = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator", route: $"cases/{id}");
        await ConsoleBrowser.OpenAsync(district, $"cases/{id}");
        await TakeAsync(district, "verify-pass", "closed");
        await ExpectOneMoreInAsync(wall, baseline, null);
        // The timeline in words: 上报, 受理, 派遣, 开始处置, 反馈, 核查通过.
        await Assertions.Expect(district.Locator(".case-timeline li strong")).ToHaveTextAsync(["上报", "受理", "派遣", "开始处置", "反馈", "核查通过"]);
        await Assertions.Expect(district.Locator(".case-map canvas")).ToHaveCountAsync(1);
        await district.WaitForTimeoutAsync(800);   // the map's first draw has no end to observe
        await _browser.ScreenshotAsync(district, "console.png");
        if (Environment.GetEnvironmentVariable("OPSCENTRE_UPDATE_DOC_IMAGES") == "1")
        {
            File.Copy(Path.Combine(ConsoleBrowser.ScreenshotDirectory, "console.png"), Path.Combine(RepositoryPaths.Root, "docs/images/console.png"), overwrite: true);
        }
    }

    [Fact]
    public async Task TheCaseListFiltersBySourceAndPeriodAndShowsNamesAndTheUnitsCountsByStage()
    {
        var id = await ReportAsync(SystemFixture.SecondStreetOperator, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        var page = await _browser.SignInAsync(system.GatewayUrl, SystemFixture.SecondStreetOperator);
        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await ConsoleBrowser.OpenAsync(page, $"cases?source=operator&from={today}&to={today}");
        var row = page.Locator($"tr[data-id='{id}']");
        await Assertions.Expect(row).ToContainTextAsync("环境卫生");
        await Assertions.Expect(row).ToContainTextAsync("值班员上报");
        await Assertions.Expect(row.Locator("[data-unit-code][data-named]").First).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9]+$"));
        // The counts come from the street's counters, as the server rolls them up.
        var (_, unit) = await Api.GetAsync(system.Http, SystemFixture.SecondStreetOperator, $"/api/v1/units/{DemoUnits.SecondStreet}");
        var reported = unit.GetProperty("counters").GetProperty("incidentsReported").GetInt32();
        Assert.True(reported >= 1);
        await Assertions.Expect(page.Locator(".case-counts [data-stage=reported]")).ToHaveAttributeAsync("data-count", reported.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await ConsoleBrowser.OpenAsync(page, "cases?source=citizen");
        await Assertions.Expect(page.Locator("table.list")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"tr[data-id='{id}']")).ToHaveCountAsync(0);
        await ConsoleBrowser.OpenAsync(page, "cases?from=2020-01-01&to=2020-01-31");
        await Assertions.Expect(page.Locator(".list-empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheWallScreenNamesAlertPlacesAndShowsAllFourRatesAndTheCountersCasesByStage()
    {
        var wall = await WallScreenAsync("jinjiang.operator");
        var (_, kpis) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/kpis?unit={DemoUnits.Jinjiang}");
        foreach (var rate in new[] { "onTimeClosureRate", "closureRate", "reworkRate", "extensionRate" })
        {
            var tile = wall.Locator($"#kpi-{rate}");
            await Assertions.Expect(tile).ToBeVisibleAsync();
            // The month's rate as the API gives it, as the screen formats it (zh-CN: one decimal, a per cent sign).
            var expected = kpis.GetProperty(rate) is { ValueKind: System.Text.Json.JsonValueKind.Number } value
                ? (value.GetDouble() * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%" : "—";
            await Assertions.Expect(tile).ToHaveTextAsync(expected);
        }

        // A fresh case counts in the chart as soon as the district's counters have it.
        var before = await StageCountsAsync(wall);
        await ReportAsync(SystemFixture.SecondStreetOperator, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        await ExpectOneMoreInAsync(wall, before, "reported");

        // Alert places by name: the feed's places carry no unit code.
        var places = await wall.Locator(".alert-item .where").AllInnerTextsAsync();
        Assert.All(places, place => Assert.DoesNotMatch("[0-9]{6,}", place));
    }

    [Fact]
    public async Task AResidentsCaseShowsItsPhotoAndPositionAndItsExtensionAndCoHandlerArePickedAndApprovedInTheConsole()
    {
        // A resident's report through Open311, with a photo, where a fresh worker of the second street stands.
        var worker = system.Fresh.Worker(within: DemoUnits.SecondStreet);
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["service_code"] = "sanitation", ["lat"] = worker.Lat.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["long"] = worker.Lon.ToString(System.Globalization.CultureInfo.InvariantCulture), ["description"] = "控制台测试：路边垃圾，有照片",
        })
        {
            form.Add(new StringContent(value), name);
        }

        var photo = new ByteArrayContent(Citizens.TestPhotos.Png(640, 480));
        photo.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        photo.Headers.ContentDisposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("form-data") { Name = "\"media\"", FileName = "\"photo.png\"" };
        form.Add(photo);
        var answer = await Api.AnswerOfAsync(system.Http, new HttpRequestMessage(HttpMethod.Post, "/open311/v2/requests.json") { Content = form });
        Assert.True(answer.Status == System.Net.HttpStatusCode.OK, answer.ToString());
        var id = answer.Body[0].GetProperty("service_request_id").GetString()!;

        var district = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(district, $"cases/{id}");
        await Assertions.Expect(district.Locator(".case-source")).ToContainTextAsync("市民");
        var thumbnail = district.Locator(".case-photos img");
        await Assertions.Expect(thumbnail).ToHaveCountAsync(1);
        await Assertions.Expect(thumbnail).ToHaveJSPropertyAsync("complete", true);
        Assert.True(await thumbnail.EvaluateAsync<int>("img => img.naturalWidth") > 0, "the thumbnail loads");
        await Assertions.Expect(district.Locator(".case-map")).ToHaveAttributeAsync("data-lat", new System.Text.RegularExpressions.Regex("^30\\."));
        await Assertions.Expect(district.Locator(".case-map canvas")).ToHaveCountAsync(1);

        await TakeAsync(district, "accept", "accepted");
        await TakeAsync(district, "dispatch", "dispatched");

        // The street asks for 24 hours more; the district, not the asker, approves.
        var street = await _browser.SignInAsync(system.GatewayUrl, SystemFixture.SecondStreetOperator);
        await ConsoleBrowser.OpenAsync(street, $"cases/{id}");
        await street.ClickAsync(".case-actions [data-action='request-extension']");
        await street.FillAsync("dialog.case-action input[name=extensionHours]", "24");
        await street.FillAsync("dialog.confirm textarea[name=note]", "需协调清运车辆");
        await street.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(street.Locator(".case-timeline li[data-action-taken='request-extension']")).ToHaveCountAsync(1);
        await Assertions.Expect(street.Locator(".case-actions [data-action='approve-extension']")).ToHaveCountAsync(0);

        await district.ReloadAsync();   // the same route again would not draw the page anew
        await Assertions.Expect(district.Locator(".case-title")).ToHaveAttributeAsync("data-id", id);
        await Assertions.Expect(district.Locator(".case-facts")).ToContainTextAsync("1440");
        await TakeAsync(district, "approve-extension", "dispatched");
        await Assertions.Expect(district.Locator(".case-timeline li[data-action-taken='approve-extension']")).ToHaveCountAsync(1);

        // 协办: a department picked from the list, shown by its name.
        await district.ClickAsync(".case-actions [data-action='add-co-handler']");
        await district.SelectOptionAsync("dialog.case-action select[name=unitCode]", "510104-CG");
        await district.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(district.Locator(".case-co-handlers")).ToContainTextAsync("城市管理局");
    }

    [Fact]
    public async Task ACaseTransferredToAnotherStreetInTheConsoleIsAcceptedThereByThatStreetAlone()
    {
        var id = await ReportAsync(SystemFixture.SecondStreetOperator, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        var district = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(district, $"cases/{id}");
        await TakeAsync(district, "accept", "accepted");
        await TakeAsync(district, "dispatch", "dispatched");

        // 转办 to the other street, picked from the district's list by its name.
        await district.ClickAsync(".case-actions [data-action='transfer']");
        await district.SelectOptionAsync("dialog.case-action select[name=unitCode]", DemoUnits.FirstStreet);
        await district.FillAsync("dialog.confirm textarea[name=note]", "属锦官驿街道辖区");
        await district.ClickAsync("dialog.confirm [data-action=confirm]");
        var firstStreet = system.City.Units.Single(u => u.Code == DemoUnits.FirstStreet).Name;
        await Assertions.Expect(district.Locator(".case-pending")).ToHaveTextAsync(firstStreet);
        await Assertions.Expect(district.Locator(".case-timeline li[data-action-taken='transfer']")).ToHaveCountAsync(1);
        // Only the receiving side decides: the district that asked is offered neither answer.
        await Assertions.Expect(district.Locator(".case-actions [data-action='accept-transfer'], .case-actions [data-action='reject-transfer']")).ToHaveCountAsync(0);

        // The receiving street lists the case before accepting it, and takes it over from its page.
        var street = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.street.operator");
        await ConsoleBrowser.OpenAsync(street, "cases?stage=dispatched");
        await Assertions.Expect(street.Locator($"tr[data-id='{id}']")).ToBeVisibleAsync();
        await street.Locator($"tr[data-id='{id}']").ClickAsync();
        await Assertions.Expect(street.Locator(".case-actions [data-action='reject-transfer']")).ToBeVisibleAsync();
        await TakeAsync(street, "accept-transfer", "dispatched");
        await Assertions.Expect(street.Locator(".case-responsible")).ToHaveAttributeAsync("data-unit", DemoUnits.FirstStreet);
        await Assertions.Expect(street.Locator(".case-unit")).ToHaveAttributeAsync("data-unit", DemoUnits.FirstStreet);
        await Assertions.Expect(street.Locator(".case-pending")).ToHaveCountAsync(0);
        await Assertions.Expect(street.Locator(".case-timeline li[data-action-taken='accept-transfer']")).ToHaveCountAsync(1);

        var (_, stored) = await Api.GetAsync(system.Http, "jinjiang.street.operator", $"/api/v1/incidents/{id}");
        Assert.Equal(DemoUnits.FirstStreet, stored.GetProperty("incident").GetProperty("responsibleCode").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stored.GetProperty("incident").GetProperty("pendingTransferTo").ValueKind);
    }

    [Fact]
    public async Task ATransferRejectedByTheReceivingStreetLeavesTheCaseWhereItWas()
    {
        var id = await ReportAsync(SystemFixture.SecondStreetOperator, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        var district = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(district, $"cases/{id}");
        await TakeAsync(district, "accept", "accepted");
        await TakeAsync(district, "dispatch", "dispatched");
        var responsible = await district.Locator(".case-responsible").GetAttributeAsync("data-unit");
        // By its code, as for a unit outside the caller's lists (another street's or district's).
        await district.ClickAsync(".case-actions [data-action='transfer']");
        await district.FillAsync("dialog.case-action input[name=otherUnitCode]", DemoUnits.FirstStreet);
        await district.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(district.Locator(".case-pending")).ToBeVisibleAsync();

        // 退回: the case is no longer the street's to see, and its page says so rather than "no such case".
        var street = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.street.operator");
        await ConsoleBrowser.OpenAsync(street, $"cases/{id}");
        await street.ClickAsync(".case-actions [data-action='reject-transfer']");
        await street.FillAsync("dialog.confirm textarea[name=note]", "不属本街道");
        await street.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(street.Locator(".case-gone")).ToHaveAttributeAsync("data-action-taken", "reject-transfer");

        await district.ReloadAsync();
        await Assertions.Expect(district.Locator(".case-timeline li[data-action-taken='reject-transfer']")).ToHaveCountAsync(1);
        await Assertions.Expect(district.Locator(".case-stage")).ToHaveAttributeAsync("data-stage", "dispatched");
        await Assertions.Expect(district.Locator(".case-pending")).ToHaveCountAsync(0);
        await Assertions.Expect(district.Locator(".case-responsible")).ToHaveAttributeAsync("data-unit", responsible!);
    }

    [Fact]
    public async Task ACoHandlerAddedFromTheListIsRemovedAgainInTheConsole()
    {
        var id = await ReportAsync(SystemFixture.SecondStreetOperator, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        var district = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(district, $"cases/{id}");
        await TakeAsync(district, "accept", "accepted");
        await TakeAsync(district, "dispatch", "dispatched");
        await Assertions.Expect(district.Locator(".case-actions [data-action='remove-co-handler']")).ToHaveCountAsync(0);

        await district.ClickAsync(".case-actions [data-action='add-co-handler']");
        await district.SelectOptionAsync("dialog.case-action select[name=unitCode]", "510104-CG");
        await district.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(district.Locator(".case-co-handlers")).ToContainTextAsync("城市管理局");

        // 移除协办: the dialog offers the case's co-handlers, by name.
        await district.ClickAsync(".case-actions [data-action='remove-co-handler']");
        var choice = district.Locator("dialog.case-action select[name=unitCode]");
        await Assertions.Expect(choice.Locator("option")).ToHaveCountAsync(1);
        await Assertions.Expect(choice.Locator("option")).ToContainTextAsync("城市管理局");
        await district.FillAsync("dialog.confirm textarea[name=note]", "无需协办");
        await district.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(district.Locator(".case-timeline li[data-action-taken='remove-co-handler']")).ToHaveCountAsync(1);
        await Assertions.Expect(district.Locator(".case-co-handlers")).ToHaveCountAsync(0);
        await Assertions.Expect(district.Locator(".case-actions [data-action='remove-co-handler']")).ToHaveCountAsync(0);

        var (_, stored) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/incidents/{id}");
        var coHandlers = stored.GetProperty("incident").GetProperty("coHandlers");
        Assert.True(coHandlers.ValueKind == System.Text.Json.JsonValueKind.Null || coHandlers.GetArrayLength() == 0, $"co-handlers left: {coHandlers}");
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
