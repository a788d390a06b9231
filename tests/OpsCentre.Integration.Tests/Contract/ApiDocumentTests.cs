using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace OpsCentre.Integration.Tests.Contract;

/// <summary>
/// The API document integrators read (<c>/openapi/v1.json</c>) and its interactive reference at
/// <c>/docs</c>, fetched from the real gateway; the reference also rendered in headless Chromium.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed partial class ApiDocumentTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string ProblemRef = "#/components/schemas/Problem";
    private const string ValidationProblemRef = "#/components/schemas/ValidationProblem";

    [Fact]
    public async Task TheDocumentNamesItsSecuritySchemesAndEveryOperationsErrorAnswersWithTheProblemSchema()
    {
        var document = await system.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.Equal("OpsCentre API", document.GetProperty("info").GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(document.GetProperty("info").GetProperty("description").GetString()));

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("http", schemes.GetProperty("bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("apiKey", schemes.GetProperty("deviceKey").GetProperty("type").GetString());
        Assert.Equal("header", schemes.GetProperty("deviceKey").GetProperty("in").GetString());
        Assert.Equal("X-Device-Key", schemes.GetProperty("deviceKey").GetProperty("name").GetString());
        Assert.Equal("oauth2", schemes.GetProperty("clientCredentials").GetProperty("type").GetString());
        Assert.Equal("/api/v1/oauth/token", schemes.GetProperty("clientCredentials").GetProperty("flows").GetProperty("clientCredentials").GetProperty("tokenUrl").GetString());
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("Problem", out _) && schemas.TryGetProperty("ValidationProblem", out _), "the problem schemas are in the components");

        var failures = new List<string>();
        var (bearer, device, anonymous) = (0, 0, 0);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                var key = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var op = operation.Value;
                var responses = op.GetProperty("responses");
                var schemesRequired = op.TryGetProperty("security", out var security)
                    ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToArray()
                    : [];
                void Expect(string status, string schema)
                {
                    if (!responses.TryGetProperty(status, out var response))
                    {
                        failures.Add($"{key}: no {status}");
                    }
                    else if (!response.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out var media)
                        || media.GetProperty("schema").GetProperty("$ref").GetString() != schema)
                    {
                        failures.Add($"{key}: {status} is not a problem ({schema})");
                    }
                }

                Expect("503", ProblemRef);
                if (schemesRequired.Length > 0)
                {
                    Expect("401", ProblemRef);
                    Expect("403", ProblemRef);
                    Expect("429", ProblemRef);
                }

                if (path.Name.Contains('{', StringComparison.Ordinal))
                {
                    Expect("404", ProblemRef);
                }

                if (op.TryGetProperty("requestBody", out _))
                {
                    Expect("400", ValidationProblemRef);
                    Expect("413", ProblemRef);
                    Expect("422", ValidationProblemRef);
                }

                if (path.Name.StartsWith("/api/v1/device/", StringComparison.Ordinal))
                {
                    device++;
                    Check(schemesRequired.SequenceEqual(["deviceKey"]), $"{key}: requires [{string.Join(",", schemesRequired)}], expected the device key");
                }
                else if (schemesRequired.Length == 0)
                {
                    anonymous++;
                    var residents = path.Name.StartsWith("/open311/", StringComparison.Ordinal) || path.Name.StartsWith("/api/v1/public/", StringComparison.Ordinal);
                    Check(residents || path.Name.StartsWith("/api/v1/auth/", StringComparison.Ordinal) || path.Name.StartsWith("/api/v1/oauth/", StringComparison.Ordinal),
                        $"{key}: no security requirement, but it is neither sign-in nor a residents' endpoint");
                    if (residents)
                    {
                        Expect("429", ProblemRef);   // limited per client address and per follow-up token
                    }
                }
                else
                {
                    bearer++;
                    // An operator's token, or a machine client's (the same bearer header): docs/integration.md.
                    Check(schemesRequired.SequenceEqual(["bearer", "clientCredentials"]), $"{key}: requires [{string.Join(",", schemesRequired)}], expected the bearer token or a machine client's");
                }

                Check(op.TryGetProperty("tags", out var tags) && tags.GetArrayLength() > 0, $"{key}: no tag");
            }
        }

        var signIn = document.GetProperty("paths").GetProperty("/api/v1/auth/token").GetProperty("post");
        Check(!signIn.TryGetProperty("security", out _), "sign-in requires a credential");
        Check(signIn.GetProperty("responses").TryGetProperty("429", out _), "sign-in (rate-limited per address) does not list 429");
        foreach (var tag in document.GetProperty("tags").EnumerateArray())
        {
            Check(tag.TryGetProperty("description", out var d) && !string.IsNullOrWhiteSpace(d.GetString()), $"tag {tag.GetProperty("name")} has no description");
        }

        output.WriteLine($"{bearer} operations with a bearer token, {device} with a device key, {anonymous} anonymous");
        Assert.True(bearer > 20 && device > 0 && anonymous > 0, $"{bearer} bearer, {device} device, {anonymous} anonymous operations");
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        void Check(bool holds, string failure)
        {
            if (!holds)
            {
                failures.Add(failure);
            }
        }
    }

    [Fact]
    public async Task TheReferenceAtDocsIsServedWithoutSignInWithItsOwnPolicyAndItsAssetsFromTheGatewayItself()
    {
        using var page = await system.Http.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("connect-src 'self'", csp);
        var html = await page.Content.ReadAsStringAsync();
        output.WriteLine(html);

        var references = Reference().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(references);
        foreach (var url in references)
        {
            Assert.False(url.StartsWith("http", StringComparison.OrdinalIgnoreCase) || url.StartsWith("//", StringComparison.Ordinal), $"/docs/ loads {url} from elsewhere");
            using var asset = await system.Http.GetAsync(new Uri(new Uri(system.GatewayUrl, "/docs/"), url));
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{url}: {(int)asset.StatusCode}");
        }

        // Elsewhere the strict policy holds: no inline script.
        using var other = await system.Http.GetAsync("/no-such-page");
        if (other.Headers.TryGetValues("Content-Security-Policy", out var strict))
        {
            Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", string.Join(";", strict));
        }
    }

    [Fact]
    public async Task TheReferenceRendersInChromiumOfflineWithoutPolicyViolations()
    {
        const string chromium = "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"{chromium} is missing: scripts/test.sh installs Debian's chromium");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        var elsewhere = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(system.GatewayUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal)
                && !request.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                lock (elsewhere)
                {
                    elsewhere.Add(request.Url);
                }
            }
        };

        await page.GotoAsync(new Uri(system.GatewayUrl, "/docs/").ToString());
        // Rendered from the document: its title and an operation's summary appear.
        await Assertions.Expect(page.GetByText("OpsCentre API").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByText("Incidents").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "api-reference.png") });

        output.WriteLine("console errors: " + string.Join("\n", errors));
        output.WriteLine("requests elsewhere: " + string.Join("\n", elsewhere));
        Assert.DoesNotContain(errors, e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(elsewhere);
    }

    [GeneratedRegex("""(?:src|href)\s*=\s*["'](?<url>[^"'#]+)["']""")]
    private static partial Regex Reference();
}
