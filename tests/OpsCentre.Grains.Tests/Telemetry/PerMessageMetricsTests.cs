using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpsCentre.ServiceDefaults;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Telemetry;

/// <summary>
/// <c>Telemetry:PerMessageMetrics=false</c> drops Orleans' per-message instruments from a process's metrics and keeps
/// every other Orleans series (docs/operations.md): read from the process's real Prometheus listener.
/// </summary>
public sealed class PerMessageMetricsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PerMessageInstrumentsAreExportedOnlyWhenTheSettingIsOn(bool perMessage)
    {
        var scrape = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telemetry:ScrapeUrl"] = scrape.ToString(),
            ["Telemetry:PerMessageMetrics"] = perMessage ? "true" : "false",
        });
        builder.AddOpsCentreTelemetry("silo");
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            // Instruments named as Orleans names them, on its meter; the suffix keeps the two cases' series apart.
            using var meter = new Meter("Microsoft.Orleans");
            var suffix = perMessage ? "on" : "off";
            meter.CreateHistogram<int>("orleans-messaging-sent-messages-size-" + suffix).Record(420);
            meter.CreateCounter<int>("orleans-gateway-received").Add(1);
            meter.CreateCounter<int>("orleans-catalog-activations-" + suffix).Add(3);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = await Eventually.HoldsAsync(
                () => http.GetStringAsync(new Uri(scrape, "metrics")),
                t => t.Contains("orleans_catalog_activations_" + suffix, StringComparison.Ordinal),
                TimeSpan.FromSeconds(20), "the listener's metrics with the catalog's series", describe: t => t.Length + " characters");

            Assert.Equal(perMessage, text.Contains("orleans_messaging_sent_messages_size_" + suffix, StringComparison.Ordinal));
            Assert.Equal(perMessage, text.Contains("orleans_gateway_received", StringComparison.Ordinal));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
