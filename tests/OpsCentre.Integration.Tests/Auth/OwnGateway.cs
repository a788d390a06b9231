using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Auth;

/// <summary>A gateway of a test's own, with settings of its own, beside the fixture's; stopped when disposed.</summary>
internal sealed record OwnGateway(ChildProcess Process, Uri Url, HttpClient Http) : IAsyncDisposable
{
    public static async Task<OwnGateway> StartAsync(SystemFixture system, string name, Dictionary<string, string> settings)
    {
        var (process, url) = system.StartGateway(name, settings: settings);
        var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.HoldsAsync(async () =>
        {
            using var ready = await http.GetAsync("/health/ready");
            return ready.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(60), $"{name} ready");
        return new OwnGateway(process, url, http);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Process.StopAsync(TimeSpan.FromSeconds(10));
    }
}
