using System.Globalization;
using System.Net;
using Microsoft.Playwright;

namespace OpsCentre.Integration.Tests.Dashboard;

/// <summary>
/// The residents' public page (src/Dashboard/public, served at <c>/public/</c> without sign-in) in headless Chromium on a
/// phone-sized screen, against the real gateway and silo: report, follow by number, rate, ask to reopen.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class PublicPageBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Phone = "13712340000";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/test.sh installs Debian's chromium and fonts-noto-cjk");
        Assert.True(File.Exists(Path.Combine(Testing.RepositoryPaths.Root, "src/Dashboard/dist/public/index.html")), "the public page is not built: scripts/test.sh runs the Vite build in src/Dashboard");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task AResidentReportsOnAPhoneFollowsTheCaseByItsNumberAndAsksToReopenIt()
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, Locale = "zh-CN", IsMobile = true });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type == "error") { output.WriteLine($"[browser] {message.Text}"); } };
        page.Response += (_, response) => { if (!response.Url.Contains("/assets/", StringComparison.Ordinal)) { output.WriteLine($"[browser] {response.Status} {response.Request.Method} {response.Url}"); } };
        var document = await page.GotoAsync(new Uri(system.GatewayUrl, "/public/").ToString());
        Assert.Equal(HttpStatusCode.OK, (HttpStatusCode)document!.Status);
        var policy = await document.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
        Assert.Contains("居民服务", await page.TitleAsync());

        var worker = system.Fresh.Worker(within: "510104");
        await Assertions.Expect(page.Locator("#service option").First).ToBeAttachedAsync();
        await page.FillAsync("#description", "楼下路灯坏了");
        await page.FillAsync("#lat", worker.Lat.ToString("R", CultureInfo.InvariantCulture));
        await page.FillAsync("#long", worker.Lon.ToString("R", CultureInfo.InvariantCulture));
        await page.FillAsync("#phone", Phone);
        await page.ClickAsync("[data-action=report]");
        await Assertions.Expect(page.Locator("#report-result")).ToHaveAttributeAsync("data-case", new System.Text.RegularExpressions.Regex("^510104-"), new() { Timeout = 20_000 });
        var id = (await page.GetAttributeAsync("#report-result", "data-case"))!;
        await Assertions.Expect(page.Locator("#case-stage")).ToContainTextAsync("待受理");

        // The centre takes it through the loop; the resident follows it by its number and is not satisfied.
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        foreach (var action in new[] { "accept", "dispatch", "start", "feedback", "verify-pass" })
        {
            var (status, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", token, new { opId = $"{action}-{Guid.NewGuid():N}", action, note = "内部备注" });
            Assert.True(status == HttpStatusCode.OK, $"{action}: {status} {answer}");
        }

        await page.GotoAsync(new Uri(system.GatewayUrl, $"/public/?case={id}").ToString());
        await Assertions.Expect(page.Locator("#case-status")).ToHaveTextAsync("已办结", new() { Timeout = 15_000 });
        var reopen = page.Locator("[data-action=reopen]");
        await Assertions.Expect(reopen).ToBeHiddenAsync();
        await page.SelectOptionAsync("#rating", "unsatisfied");
        await page.ClickAsync("[data-action=rate]");
        await Assertions.Expect(page.Locator("#follow-result")).ToHaveTextAsync("感谢您的评价", new() { Timeout = 15_000 });
        await reopen.ClickAsync();
        await Assertions.Expect(page.Locator("#follow-result")).ToHaveTextAsync("已申请重新核查", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#case-stage")).ToContainTextAsync("重新核查", new() { Timeout = 15_000 });
        await Assertions.Expect(reopen).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#rating-form")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#case-status")).ToHaveTextAsync("办理中");

        // Never the phone, never an operator's note, on the page.
        var text = await page.InnerTextAsync("body");
        Assert.DoesNotContain(Phone, text, StringComparison.Ordinal);
        Assert.DoesNotContain("内部备注", text, StringComparison.Ordinal);
        Directory.CreateDirectory(WallScreenBrowserTests.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(WallScreenBrowserTests.ScreenshotDirectory, "public-page-reopened.png"), FullPage = true });
        await context.CloseAsync();
    }

    [Fact]
    public async Task AResidentReportsACaseWithAPhotoAndFollowingItByNumberShowsThePhotoReEncodedWithoutItsExif()
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, Locale = "zh-CN", IsMobile = true });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type == "error") { output.WriteLine($"[browser] {message.Text}"); } };
        await page.GotoAsync(new Uri(system.GatewayUrl, "/public/").ToString());
        var worker = system.Fresh.Worker(within: "510104");
        await Assertions.Expect(page.Locator("#service option").First).ToBeAttachedAsync();
        await page.FillAsync("#description", "人行道地砖破损，附照片");
        await page.FillAsync("#lat", worker.Lat.ToString("R", CultureInfo.InvariantCulture));
        await page.FillAsync("#long", worker.Lon.ToString("R", CultureInfo.InvariantCulture));
        var upload = Citizens.TestPhotos.JpegWithGps(2000, 1500);
        Assert.True(Citizens.TestPhotos.HoldsMetadata(upload));
        await page.SetInputFilesAsync("#media", new FilePayload { Name = "IMG_2041.JPG", MimeType = "image/jpeg", Buffer = upload });
        await page.ClickAsync("[data-action=report]");
        await Assertions.Expect(page.Locator("#report-result")).ToHaveAttributeAsync("data-case", new System.Text.RegularExpressions.Regex("^510104-"), new() { Timeout = 20_000 });
        var id = (await page.GetAttributeAsync("#report-result", "data-case"))!;

        // Followed by its number in a fresh page: the photo is on it, loaded, and it is the stored one — re-encoded, no EXIF.
        var follower = await context.NewPageAsync();
        await follower.GotoAsync(new Uri(system.GatewayUrl, $"/public/?case={id}").ToString());
        var photo = follower.Locator("#case-photos img");
        await Assertions.Expect(photo).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(photo).ToHaveJSPropertyAsync("complete", true);
        Assert.True(await photo.EvaluateAsync<int>("img => img.naturalWidth") is 1600, "the photo shown is not the stored 1600-pixel one");
        var src = (await photo.GetAttributeAsync("src"))!;
        Assert.Contains($"/api/v1/public/cases/{id}/photos/", src, StringComparison.Ordinal);
        var shown = await (await follower.APIRequest.GetAsync(src)).BodyAsync();
        Assert.True(shown is [0xFF, 0xD8, 0xFF, ..], "not a JPEG");
        Assert.False(Citizens.TestPhotos.HoldsMetadata(shown), "the photo shown still holds the upload's EXIF");
        Assert.Equal((1600, 1200), Citizens.TestPhotos.SizeOf(shown));
        Directory.CreateDirectory(WallScreenBrowserTests.ScreenshotDirectory);
        await follower.ScreenshotAsync(new() { Path = Path.Combine(WallScreenBrowserTests.ScreenshotDirectory, "public-page-photo.png"), FullPage = true });
        await context.CloseAsync();
    }
}
