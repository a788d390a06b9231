using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using OpsCentre.Database.Registries;
using OpsCentre.Grains.Registries;
using OpsCentre.Integration.Tests.Registries;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>
/// The console's registries (基础信息) in Chromium against the real gateway and silo: 综合查询 and a record (masked, the read
/// audited), a grid worker's collection approved by community staff, an import with a refused line and then a good one,
/// and an export downloaded.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class RegistryConsoleBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Rare = "甑鬲瓠篪笙簋罍觥斝觚卣彝";
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await ConsoleBrowser.LaunchAsync(output);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private async Task<(string Person, string Address)> ResidentAsync(string grid, string name)
    {
        var writer = new RegistryWriter(PersonalDataCipher.FromBase64(system.PersonalDataKey), TimeProvider.System);
        await using var connection = await system.Db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var address = await writer.ApplyAsync(tx, new RegistryWrite(RegistryNames.Addresses, null, RegistryActions.Create,
            new JsonObject { ["unitCode"] = grid, ["road"] = "青石路", ["number"] = "9号" }, "civil-affairs", "console-tests", DateTimeOffset.UtcNow, Guid.NewGuid().ToString()), default);
        var person = await writer.ApplyAsync(tx, new RegistryWrite(RegistryNames.Population, null, RegistryActions.Create,
            new JsonObject { ["addressId"] = address.Id, ["name"] = name, ["idNumber"] = RegistryWriterTests.NewIdNumber(grid[..6]), ["residence"] = "registered" },
            "public-security", "console-tests", DateTimeOffset.UtcNow, Guid.NewGuid().ToString()), default);
        await tx.CommitAsync();
        Assert.True(person.IsApplied, person.Reason);
        return (person.Id!, address.Id!);
    }

    [Fact]
    public async Task AStreetOperatorSearchesANameFragmentAndOpensTheMaskedRecordWhoseReadIsAudited()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var name = string.Concat(Enumerable.Range(0, 3).Select(_ => Rare[Random.Shared.Next(Rare.Length)])) + "岚";
        var (person, address) = await ResidentAsync(grid, name);

        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.street.operator", route: "registry");
        await Expect(page.Locator("#console-page")).ToHaveAttributeAsync("data-page", "registry");
        await page.FillAsync("[name=q]", name[1..3]);
        await page.SelectOptionAsync(".registry-search [name=registry]", "population");
        await page.ClickAsync("[data-action=search]");
        var row = page.Locator($"tr[data-id='{person}']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(row).ToContainTextAsync(name[..1] + "***");
        await Expect(row).Not.ToContainTextAsync(name);
        await Expect(row.Locator("[data-registry=population]")).ToHaveTextAsync("实有人口");

        await row.ClickAsync();
        await Expect(page.Locator($"h2[data-id='{person}']")).ToBeVisibleAsync();
        var nameCell = page.Locator("tr[data-field=name] td.value");
        await Expect(nameCell).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^" + name[..1] + @"\*+$"));
        await Expect(page.Locator("tr[data-field=idNumber] td.value")).ToContainTextAsync("*");
        await Expect(page.Locator("tr[data-field=name] td.prov")).ToHaveAttributeAsync("data-source", "public-security");
        await _browser.ScreenshotAsync(page, "console-registry-record.png");

        // The resident's address is a linked record with its own page.
        await page.ClickAsync("[data-linked=addressId]");
        await Expect(page.Locator($"h2[data-id='{address}']")).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-field=road] td.value")).ToHaveTextAsync("青石路");

        var audit = await system.AuditAsync(person, "registry.population.read");
        var read = Assert.Single(audit, a => a.Actor == "jinjiang.street.operator");
        Assert.False(read.Unmasked);
        Assert.NotEmpty(await system.AuditAsync(person, "registry.search"));
    }

    [Fact]
    public async Task CommunityStaffApproveAWorkersCollectionAndTheRecordShowsTheNewValueWithItsProvenance()
    {
        var worker = system.Fresh.Worker(within: DemoUnits.FirstCommunity);
        var (_, phone) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, "jinjiang.operator"), "worker-phone", worker.Id);
        var component = "comp-console-" + Guid.NewGuid().ToString("N")[..12];
        await system.Db.ExecuteAsync(
            """
            INSERT INTO registry_component (id, unit_code, code, category, lat, lon, state, source, collected_by, collected_at, version)
            VALUES (@id, @grid, @code, '0101', @lat, @lon, 'normal', 'urban-management', 'census', now() - interval '1 year', 1)
            """, ("id", component), ("grid", worker.Grid), ("code", worker.Grid[..6] + "0101" + Random.Shared.Next(0, 999_999).ToString("D6")),
            ("lat", worker.Lat), ("lon", worker.Lon));
        var (status, accepted) = await Api.DeviceSendAsync(system.Http, HttpMethod.Post, "/api/v1/device/collections", phone,
            new { opId = "console-col-" + component, registry = "component", action = "update", id = component, data = new { state = "obstructed" } });
        Assert.True(status == HttpStatusCode.Accepted, $"{status} {accepted}");
        var collection = accepted.GetProperty("id").GetString()!;

        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.community.staff", route: $"collections?unit={worker.Grid}&state=pending");
        await Expect(page.Locator("#console-page")).ToHaveAttributeAsync("data-page", "collections");
        await page.ClickAsync($"tr[data-id='{collection}']");
        await Expect(page.Locator($"h2[data-id='{collection}'] [data-state=pending]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-action=approve]");
        await page.FillAsync("dialog.confirm [name=note]", "现场核实");
        await page.ClickAsync("dialog.confirm [data-action=confirm]");
        await Expect(page.Locator($"h2[data-id='{collection}'] [data-state=approved]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(page.Locator("[data-action=approve]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-field=reviewedBy]")).ToContainTextAsync("jinjiang.community.staff");

        await page.ClickAsync("[data-link=record]");
        await Expect(page.Locator($"h2[data-id='{component}']")).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-field=state] td.value")).ToHaveTextAsync("占用");
        await Expect(page.Locator("tr[data-field=state] td.prov")).ToHaveAttributeAsync("data-source", "grid-worker");
        await Expect(page.Locator("tr[data-field=state]")).ToContainTextAsync(worker.Id);
        await Expect(page.Locator("[data-field=version]")).ToHaveTextAsync("2");
    }

    private static FilePayload Csv(string name, params string[][] rows) => new()
    {
        Name = name,
        MimeType = "text/csv",
        Buffer = Encoding.UTF8.GetBytes(string.Join("\n", rows.Select(r => string.Join(',', r)).Prepend(RegistryFile.Header(RegistryNames.Addresses))) + "\n"),
    };

    [Fact]
    public async Task AnAdministratorUploadsARegistryFileSeesTheBadLinesReasonThenAGoodOneSucceedWithItsCounts()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var road = "导入测试路" + Guid.NewGuid().ToString("N")[..6];
        // Opened at #/imports from the sign-in (the city's home page, slower to draw, is not mounted first).
        var page = await _browser.SignInAsync(system.GatewayUrl, "city.admin", route: "imports");
        await Expect(page.Locator("#console-page")).ToHaveAttributeAsync("data-page", "imports");
        await page.SelectOptionAsync("form.upload [name=kind]", "address");
        await page.FillAsync("form.upload [name=unit]", grid);

        // Line 3 has no road (a required field): the job fails, all or nothing, naming the line.
        await page.SetInputFilesAsync("form.upload [name=file]", Csv("bad.csv", ["", grid, road, "1号", "", "", "", "", ""], ["", grid, "", "2号", "", "", "", "", ""]));
        await page.ClickAsync("[data-action=upload]");
        await Expect(page.Locator("h2 [data-state=failed]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var bad = page.Locator(".job-errors tr[data-line='3']");
        await Expect(bad).ToBeVisibleAsync();
        await Expect(bad).ToContainTextAsync("road");
        await Expect(page.Locator(".job-errors tr")).ToHaveCountAsync(2);   // the header and the one refused line
        Assert.Equal(0L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_address WHERE road = @r", ("r", road)));

        await ConsoleBrowser.OpenAsync(page, "imports");
        await page.SelectOptionAsync("form.upload [name=kind]", "address");
        await page.FillAsync("form.upload [name=unit]", grid);
        await page.SetInputFilesAsync("form.upload [name=file]", Csv("good.csv", ["", grid, road, "1号", "", "", "", "", ""], ["", grid, road, "2号", "", "", "", "", ""]));
        await page.ClickAsync("[data-action=upload]");
        await Expect(page.Locator("h2 [data-state=succeeded]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-count=added]")).ToHaveTextAsync("2");
        await Expect(page.Locator("[data-count=rejected]")).ToHaveTextAsync("0");
        Assert.Equal(2L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_address WHERE road = @r", ("r", road)));

        // The jobs list shows both.
        await ConsoleBrowser.OpenAsync(page, $"imports?unit={grid}");
        await Expect(page.Locator("section tr[data-id]")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task AnExportDownloadsTheRegistrysFileInItsColumns()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        await ResidentAsync(grid, "导出" + Rare[Random.Shared.Next(Rare.Length)]);
        var page = await _browser.SignInAsync(system.GatewayUrl, "jinjiang.street.operator", route: "registry");
        await Expect(page.Locator("#console-page")).ToHaveAttributeAsync("data-page", "registry");
        await page.SelectOptionAsync(".registry-export [name=registry]", "address");
        await page.FillAsync(".registry-export [name=unit]", grid);
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-action=export]"), new() { Timeout = 30_000 });
        var file = Path.Combine(Path.GetTempPath(), "console-export-" + Guid.NewGuid().ToString("N") + ".csv");
        await download.SaveAsAsync(file);
        var first = File.ReadLines(file, Encoding.UTF8).First().TrimStart('\uFEFF');
        Assert.StartsWith("编号 (id),", first);
        Assert.Contains("(road)", first);
        Assert.Contains(File.ReadLines(file, Encoding.UTF8).Skip(1), line => line.Contains("青石路", StringComparison.Ordinal));
        File.Delete(file);
    }
    [Fact]
    public async Task TheRegistriesChangeFeedListsAFreshResidentsCreationAndOpensItsRecord()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.SecondStreet);
        var (person, _) = await ResidentAsync(grid, "变更" + Rare[..2]);
        var page = await _browser.SignInAsync(system.GatewayUrl, SystemFixture.SecondStreetOperator);
        await ConsoleBrowser.OpenAsync(page, "registry");
        await page.ClickAsync("[data-action=changes]");
        await Expect(page.Locator("#console-page .registry-changes table.list")).ToBeVisibleAsync();

        // Narrowed to the grid and the population registry by the filters (the server's), the creation is listed with its source.
        await ConsoleBrowser.OpenAsync(page, $"registry/changes?registry=population&unit={grid}");
        var row = page.Locator(".registry-changes tbody tr").Filter(new() { HasText = person });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("public-security");
        await row.ClickAsync();
        await Expect(page.Locator("#console-page")).ToContainTextAsync(person);
    }
}
