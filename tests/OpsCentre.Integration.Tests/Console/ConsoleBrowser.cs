using Microsoft.Playwright;

namespace OpsCentre.Integration.Tests.Console;

/// <summary>
/// Headless Chromium (Debian's) for the console's tests: one browser per test class, one context per signed-in user.
/// Pages open at <c>/console/#/…</c>; every action control carries <c>data-action</c>, every list row <c>data-id</c>.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser, Xunit.Abstractions.ITestOutputHelper output)
    {
        _playwright = playwright;
        _browser = browser;
        _output = output;
    }

    public static async Task<ConsoleBrowser> LaunchAsync(Xunit.Abstractions.ITestOutputHelper output)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/test.sh installs Debian's chromium and fonts-noto-cjk");
        Assert.True(File.Exists(Path.Combine(Testing.RepositoryPaths.Root, "src/Dashboard/dist/console/index.html")), "the console is not built: scripts/test.sh runs the Vite build in src/Dashboard");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return new ConsoleBrowser(playwright, browser, output);
    }

    /// <summary>A fresh context signed in to the console as <paramref name="username"/>, on its first page.</summary>
    public async Task<IPage> SignInAsync(Uri gateway, string username, string? password = null, string route = "")
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 }, Locale = "zh-CN", AcceptDownloads = true });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type == "error" && !message.Text.Contains("access_token", StringComparison.Ordinal)) { _output.WriteLine($"[console {username}] {message.Text}"); } };
        page.Response += (_, response) => { if (response.Status >= 400) { _output.WriteLine($"[console {username}] {response.Status} {response.Request.Method} {response.Url}"); } };
        await page.GotoAsync(new Uri(gateway, "/console/" + (route.Length > 0 ? "#/" + route : "")).ToString());
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", password ?? SystemFixture.Password);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator(".console-bar")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        return page;
    }

    /// <summary>Opens a console route (<c>cases/510104-…</c>) in the page and waits for that page to be mounted.</summary>
    public static async Task OpenAsync(IPage page, string route)
    {
        await page.EvaluateAsync("r => { location.hash = '#/' + r; }", route);
        var first = route.Split('/', '?')[0];
        await Assertions.Expect(page.Locator("#console-page")).ToHaveAttributeAsync("data-page", first);
    }

    /// <summary>A browser page for another signed-in surface (the wall screen) in its own context.</summary>
    public async Task<IPage> NewPageAsync(int width = 1920, int height = 1080)
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, Locale = "zh-CN" });
        return await context.NewPageAsync();
    }

    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task ScreenshotAsync(IPage page, string name)
    {
        await page.WaitForTimeoutAsync(500);   // charts' first animation has no end to observe
        Directory.CreateDirectory(ScreenshotDirectory);
        var file = Path.Combine(ScreenshotDirectory, name);
        await page.ScreenshotAsync(new() { Path = file });
        _output.WriteLine($"screenshot: {file}");
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
