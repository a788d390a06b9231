using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Operations;

/// <summary>Settings are validated when a process starts: a bad one stops it, with a message that names the setting.</summary>
[Collection(nameof(SystemCollection))]
public sealed class ConfigurationTests(SystemFixture system)
{
    [Theory]
    [InlineData("Telemetry__TraceSampleRatio", "2", "Telemetry:TraceSampleRatio")]
    [InlineData("Telemetry__OtlpEndpoint", "collector:4318", "Telemetry:OtlpEndpoint")]
    [InlineData("Logging__FileFormat", "xml", "Logging:FileFormat")]
    [InlineData("Devices__OfflineAfter", "-00:01:00", "Devices:OfflineAfter")]
    public async Task AGatewayWithABadSettingStopsNamingIt(string variable, string value, string setting)
    {
        var (gateway, _) = system.StartGateway("bad-setting-gateway", settings: new() { [variable] = value });
        Assert.NotEqual(0, await gateway.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(setting, await File.ReadAllTextAsync(gateway.LogPath));
    }

    [Theory]
    [InlineData("Telemetry__ScrapeUrl", "http://0.0.0.0:9464/", "Telemetry:ScrapeUrl")]
    [InlineData("Alerts__RuleRefresh", "00:00:00", "Alerts:RuleRefresh")]
    public async Task ASiloWithABadSettingStopsNamingIt(string variable, string value, string setting)
    {
        var silo = system.StartSilo("bad-setting-silo", new() { [variable] = value });
        Assert.NotEqual(0, await silo.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(setting, await File.ReadAllTextAsync(silo.LogPath));
    }
}
