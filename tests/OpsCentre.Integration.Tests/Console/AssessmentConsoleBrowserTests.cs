using System.Net;
using System.Text;
using Microsoft.Playwright;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>The console's assessment page (考核) in Chromium against the real gateway and silo: the ranking of a unit's children and its CSV.</summary>
[Collection(nameof(SystemCollection))]
public sealed class AssessmentConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private ConsoleBrowser _browser = null!;
    private readonly Dictionary<string, string> _tokens = [];

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task AssessmentRanksACommunitysGridsAndItsCsvHasTheSameFigures()
    {
        // A community of the test's own: two cases open in one grid, one case closed on time in another.
        var community = system.Fresh.Community(within: DemoUnits.Jinjiang);
        var grids = system.City.Units.Where(u => u.Code.Length == 15 && u.Code.StartsWith(community, StringComparison.Ordinal)).Select(u => u.Code).Order().ToList();
        Assert.True(grids.Count >= 2, $"community {community} has {grids.Count} grids");
        var (busy, done) = (grids[0], grids[1]);
        await ReportAsync(busy);
        await ReportAsync(busy);
        var closed = await ReportAsync(done);
        foreach (var action in new[] { "accept", "dispatch", "start", "feedback" })
        {
            await ActAsync("jinjiang.operator", closed, action);
        }

        await ActAsync("city.admin", closed, "verify-pass");

        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.operator");
        await ConsoleBrowser.OpenAsync(page, $"assessment?unit={community}");
        var rows = page.Locator("table.assessment tbody tr");

        // By the default figure (按期结案率) the grid whose case closed on time is first; the grid with only open cases is unranked.
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-id", done);
        var doneRow = page.Locator($"table.assessment tr[data-id=\"{done}\"]");
        await Assertions.Expect(doneRow.Locator("[data-field=rank]")).ToHaveTextAsync("1");
        await Assertions.Expect(doneRow.Locator("[data-field=onTimeClosureRate]")).ToHaveTextAsync("100.00%");
        await Assertions.Expect(doneRow.Locator("[data-field=closed]")).ToHaveTextAsync("1");
        var busyRow = page.Locator($"table.assessment tr[data-id=\"{busy}\"]");
        await Assertions.Expect(busyRow.Locator("[data-field=rank]")).ToHaveTextAsync("—");
        await Assertions.Expect(busyRow.Locator("[data-field=closureRate]")).ToHaveTextAsync("0.00%");
        await Assertions.Expect(page.Locator(".kpi-tiles [data-field=count] dd")).ToHaveTextAsync("3");

        // Sorted by 上报数 (the column's header), the busy grid leads: the server ranks again.
        await page.Locator("table.assessment th [data-action=sort][data-figure=count]").ClickAsync();
        await Assertions.Expect(page.Locator("table.assessment")).ToHaveAttributeAsync("data-figure", "count");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-id", busy);
        await Assertions.Expect(busyRow.Locator("[data-field=count]")).ToHaveTextAsync("2");
        await Assertions.Expect(busyRow.Locator("[data-field=rank]")).ToHaveTextAsync("1");
        Assert.Equal("count", new Uri(page.Url).Fragment.Split("figure=")[1].Split('&')[0]);
        await _browser.ScreenshotAsync(page, "console-assessment.png");

        // The CSV the page downloads has the unit and each grid with the figures the page shows.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-action=export]"), new() { Timeout = 30_000 });
        var file = Path.Combine(Path.GetTempPath(), "console-kpis-" + Guid.NewGuid().ToString("N") + ".csv");
        await download.SaveAsAsync(file);
        var lines = File.ReadAllLines(file, Encoding.UTF8);
        File.Delete(file);
        var header = lines[0].TrimStart('\uFEFF').Split(',');
        int Column(string code) => Array.FindIndex(header, h => h.EndsWith($"({code})", StringComparison.Ordinal));
        var byCode = lines.Skip(1).Select(l => l.Split(',')).ToDictionary(cells => cells[Column("code")]);
        Assert.Equal(grids.Count + 1, byCode.Count);
        Assert.Equal("3", byCode[community][Column("count")]);
        foreach (var grid in grids)
        {
            var row = page.Locator($"table.assessment tr[data-id=\"{grid}\"]");
            foreach (var figure in new[] { "onTimeClosureRate", "closureRate", "count", "closed", "openAtEnd" })
            {
                var shown = await row.Locator($"[data-field={figure}]").GetAttributeAsync("data-value");
                var exported = byCode[grid][Column(figure)];
                Assert.True(Same(shown, exported), $"{grid} {figure}: page {shown}, CSV {exported}");
            }
        }

        Assert.Equal("1", byCode[done][Column("closed")]);
        Assert.Equal("2", byCode[busy][Column("openAtEnd")]);

        // By worker: the workers assigned within the community, in the order the API ranks them.
        await ConsoleBrowser.OpenAsync(page, $"assessment?unit={community}&by=workers");
        await Assertions.Expect(page.Locator("table.assessment")).ToHaveAttributeAsync("data-by", "workers");
        var (status, ranking) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/kpis/ranking?unit={community}&by=workers", await TokenAsync("jinjiang.operator"));
        Assert.Equal(HttpStatusCode.OK, status);
        var ids = ranking.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("code").GetString()!).ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids, await page.Locator("table.assessment tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"));

        // By department over the district: each department's figures are its own KPIs (GET /api/v1/kpis?department=).
        var (byDepartment, departments) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/kpis/ranking?unit=510104&by=departments&figure=count", await TokenAsync("jinjiang.operator"));
        Assert.Equal(HttpStatusCode.OK, byDepartment);
        Assert.Equal("departments", departments.GetProperty("by").GetString());
        var department = departments.GetProperty("items").EnumerateArray().First();
        var (_, own) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/kpis?department={department.GetProperty("code").GetString()}", await TokenAsync("jinjiang.operator"));
        Assert.Equal(own.GetProperty("count").GetInt64(), department.GetProperty("figures").GetProperty("count").GetInt64());
        Assert.Equal(own.GetProperty("closed").GetInt64(), department.GetProperty("figures").GetProperty("closed").GetInt64());
        Assert.Equal(own.GetProperty("openAtEnd").GetInt64(), department.GetProperty("figures").GetProperty("openAtEnd").GetInt64());

        // Another street's operator may not read this community's assessment: the server refuses, the page says so.
        var outsider = await _browser.SignInAsync(system.GatewayUrl, SystemFixture.SecondStreetOperator);
        if (!community.StartsWith(SystemFixture.SecondStreet, StringComparison.Ordinal))
        {
            await ConsoleBrowser.OpenAsync(outsider, $"assessment?unit={community}");
            await Assertions.Expect(outsider.Locator(".assessment-summary .form-error")).ToBeVisibleAsync();
            await Assertions.Expect(outsider.Locator("table.assessment")).ToHaveCountAsync(0);
        }
    }

    /// <summary>A page's raw value (a rate as 0.5, a count) and the CSV's cell are the same number, or both empty.</summary>
    private static bool Same(string? shown, string exported) =>
        string.IsNullOrEmpty(shown) ? exported.Length == 0
            : double.TryParse(exported, System.Globalization.CultureInfo.InvariantCulture, out var value) && Math.Abs(value - double.Parse(shown, System.Globalization.CultureInfo.InvariantCulture)) < 1e-9;

    private async Task<string> TokenAsync(string username) =>
        _tokens.TryGetValue(username, out var token) ? token : (_tokens[username] = await Api.TokenAsync(system.Http, username));

    private async Task<string> ReportAsync(string grid)
    {
        var (status, body) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", await TokenAsync("jinjiang.operator"),
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "考核测试", gridCode = grid });
        Assert.True(status == HttpStatusCode.Created, $"report in {grid}: {status} {body}");
        return body.GetProperty("id").GetString()!;
    }

    private async Task ActAsync(string by, string id, string action)
    {
        var (status, body) = await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", await TokenAsync(by),
            new Dictionary<string, object?> { ["opId"] = $"{action}-{Guid.NewGuid():N}", ["action"] = action, ["note"] = "考核测试" });
        Assert.True(status == HttpStatusCode.OK, $"{action} by {by}: {status} {body}");
    }
}
