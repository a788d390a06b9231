using System.Net;

namespace OpsCentre.Integration.Tests.Dashboard;

/// <summary>The web app's pages carry the headers that stop framing, sniffing and injected script.</summary>
[Collection(nameof(SystemCollection))]
public sealed class SecurityHeadersTests(SystemFixture system)
{
    [Fact]
    public async Task TheWallScreenPageHasACspWithoutInlineScriptAndIsNeitherFramedNorSniffed()
    {
        var response = await system.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }
}
