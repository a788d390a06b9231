using System.Net;
using Microsoft.Playwright;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>
/// The console's supervision pages (issue 29) in Chromium against the real gateway and silo: 社区矫正与外出请假, 刑释衔接与帮教,
/// joint mediation (三所联调).
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class SupervisionConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task AnOperatorNamesAnOfficerAndApprovesATravelLeaveThatIsThenRecordedAsReturned()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, $"corrections/{person.Id}");

        // An account that is no officer is refused at the field; the district's officer is named.
        var assign = page.Locator("form.assign-officer");
        await assign.Locator("[name=officer]").FillAsync("jinjiang.operator");
        await assign.Locator("[data-action=assign-officer]").ClickAsync();
        await Assertions.Expect(assign.Locator("[data-error-for=officer]")).ToBeVisibleAsync();
        await assign.Locator("[name=officer]").FillAsync("jinjiang.corrections.officer");
        await assign.Locator("[data-action=assign-officer]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-field=officer]")).ToHaveTextAsync("jinjiang.corrections.officer");

        var request = page.Locator("form.request-leave");
        await request.Locator("[name=areaCode]").FillAsync("510105");
        await request.Locator("[name=reason]").FillAsync("探亲");
        await request.Locator("[name=leaveFrom]").FillAsync(DateTime.Now.ToString("yyyy-MM-ddTHH:mm"));
        await request.Locator("[name=returnBy]").FillAsync(DateTime.Now.AddDays(2).ToString("yyyy-MM-ddTHH:mm"));
        await request.Locator("[data-action=request-leave]").ClickAsync();
        var row = page.Locator(".leaves tbody tr[data-id]").First;
        await row.Locator("[data-action=approve]").ClickAsync();
        await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
        await Assertions.Expect(page.Locator(".leaves tbody tr[data-id] [data-action=return]")).ToBeVisibleAsync();
        await page.Locator(".leaves tbody tr[data-id] [data-action=return]").ClickAsync();
        await Assertions.Expect(page.Locator(".leaves tbody tr[data-id] [data-field=state]")).ToHaveTextAsync("已返回");

        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (status, leaves) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/travel-leaves", token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("returned", leaves[0].GetProperty("state").GetString());
        Assert.Equal("jinjiang.corrections.officer", (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/officer", token)).Body.GetProperty("officer").GetString());

        // The caseloads of the district show the officer.
        await ConsoleBrowser.OpenAsync(page, "corrections");
        await Assertions.Expect(page.Locator(".caseloads tr[data-id=\"jinjiang.corrections.officer\"]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task CorrectionsStaffEnterAReleaseNoticeConfirmItAndAddAnAftercareTask()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.corrections.officer");
        await ConsoleBrowser.OpenAsync(page, "releases");
        var form = page.Locator("form.release-notify");
        await form.Locator("[name=personId]").FillAsync(person.Id);
        await form.Locator("[name=communityCode]").FillAsync(person.Grid[..12]);
        await form.Locator("[name=releasedAt]").FillAsync(DateTime.Now.AddHours(-1).ToString("yyyy-MM-ddTHH:mm"));
        await form.Locator("[data-action=notify]").ClickAsync();
        await Assertions.Expect(page.Locator("dl.record [data-field=stage]")).ToHaveTextAsync("待确认接收");
        var noticeId = await page.Locator("dl.record").GetAttributeAsync("data-id");

        var task = page.Locator("form.aftercare-task");
        await task.Locator("[name=title]").FillAsync("联系临时住所");
        await task.Locator("[name=dueAt]").FillAsync(DateTime.Now.AddDays(3).ToString("yyyy-MM-ddTHH:mm"));
        await task.Locator("[data-action=add-task]").ClickAsync();
        await Assertions.Expect(page.Locator(".aftercare-tasks tbody tr[data-id]")).ToHaveCountAsync(1);

        await ConsoleBrowser.OpenAsync(page, "releases");
        var row = page.Locator($"#console-page tr[data-id=\"{noticeId}\"]");
        await row.Locator("[data-action=confirm]").ClickAsync();
        await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-field=stage]")).ToHaveTextAsync("待首次走访");
        var (_, notice) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/release-notices/{noticeId}", await Api.TokenAsync(system.Http, "jinjiang.operator"));
        Assert.Equal("confirmed", notice.GetProperty("state").GetString());
    }

    [Fact]
    public async Task AHandOverAskedOnAPersonsPageIsListedAndAcceptedByTheReceivingDistrictAlone()
    {
        var person = system.Fresh.KeyPerson(within: DemoUnits.Jinjiang);
        var toGrid = system.Fresh.Grid(within: "510105");
        var asking = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(asking, $"key-persons/{person.Id}");
        var form = asking.Locator("form.hand-over-form");

        // A grid of the person's own district is no hand-over: refused at the field.
        await form.Locator("[name=toGrid]").FillAsync(person.Grid);
        await form.Locator("[data-action=hand-over]").ClickAsync();
        await Assertions.Expect(form.Locator("[data-error-for=toGrid]")).ToBeVisibleAsync();

        await form.Locator("[name=toGrid]").FillAsync(toGrid);
        await form.Locator("[name=reason]").FillAsync("迁居青羊区");
        await form.Locator("[data-action=hand-over]").ClickAsync();
        await Assertions.Expect(asking.Locator(".hand-over-state")).ToHaveAttributeAsync("data-state", "requested");
        var id = (await asking.Locator(".hand-over-title").GetAttributeAsync("data-id"))!;
        // The asking side does not answer its own request.
        await Assertions.Expect(asking.Locator(".hand-over-actions [data-action]")).ToHaveCountAsync(0);

        // 青羊区 finds it in its list and accepts it.
        var receiving = await _browser.SignInAsync(system.GatewayUrl, "qingyang.operator");
        await ConsoleBrowser.OpenAsync(receiving, "hand-overs?state=requested");
        var row = receiving.Locator($"tr[data-id='{id}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        await row.ClickAsync();
        await receiving.ClickAsync(".hand-over-actions [data-action=accept]");
        await receiving.FillAsync("dialog.confirm textarea[name=note]", "同意接收");
        await receiving.ClickAsync("dialog.confirm [data-action=confirm]");
        await Assertions.Expect(receiving.Locator(".hand-over-state")).ToHaveAttributeAsync("data-state", "accepted");
        await Assertions.Expect(receiving.Locator(".hand-over-actions [data-action]")).ToHaveCountAsync(0);

        var (status, moved) = await Api.GetAsync(system.Http, "qingyang.operator", $"/api/v1/key-persons/{person.Id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(toGrid, moved.GetProperty("gridCode").GetString());
        // The asking district still lists the answered request, as accepted.
        var (_, listed) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/hand-overs?unit={DemoUnits.Jinjiang}&person={person.Id}");
        Assert.Equal("accepted", Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task AMediatorSeesTheCloseRefusedUntilEveryDepartmentHasRecordedItsPart()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.ThirdStreet);
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, "mediations");
        var form = page.Locator("form.open-mediation");
        await form.Locator("[name=unitCode]").FillAsync(grid);
        await form.Locator("[name=title]").FillAsync("控制台调解案");
        await form.Locator("[name=participants]").FillAsync("510104-CG=现场勘查\n510104-GA=治安调解");
        await form.Locator("[data-action=open]").ClickAsync();
        var title = page.Locator("#console-page h2[data-id]");
        await Assertions.Expect(title).ToContainTextAsync("控制台调解案");
        var id = (await title.GetAttributeAsync("data-id"))!;

        // Closing before the parts are recorded: the server's 409 is shown and the case stays open.
        await page.Locator("form.close [data-action=close]").ClickAsync();
        await Assertions.Expect(page.Locator("form.close .form-error")).ToBeVisibleAsync();
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        Assert.Equal("open", (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/mediations/{id}", token)).Body.GetProperty("state").GetString());

        foreach (var department in new[] { "510104-CG", "510104-GA" })
        {
            await page.Locator($"#console-page tr[data-id=\"{department}\"] [data-action=record-part]").ClickAsync();
            await page.Locator("dialog.confirm [name=note]").FillAsync("已完成 " + department);
            await page.Locator("dialog.confirm [data-action=confirm]").ClickAsync();
            await Assertions.Expect(page.Locator($"#console-page tr[data-id=\"{department}\"]")).ToContainTextAsync("已完成 " + department);
        }

        await page.Locator("form.close [data-action=close]").ClickAsync();
        await Assertions.Expect(page.Locator("#console-page form.close")).ToHaveCountAsync(0);
        var (status, closed) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/mediations/{id}", token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("closed", "agreement"), (closed.GetProperty("state").GetString(), closed.GetProperty("outcome").GetString()));
    }
}
