using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OpsCentre.Grains.Devices;

/// <summary>
/// A calm restart. After a long stop every device that was online has a reminder overdue, so within one reminder
/// period of the start every one of them wakes, finds itself silent since before the stop and — without this —
/// opens its absence alert: thousands at once, for a silence that was the system's, not the devices'. This silo
/// remembers when it started; a device last heard before that holds its absence rules off until the start plus
/// <see cref="DeviceOptions.StartupGrace"/> (default <see cref="DeviceOptions.OfflineAfter"/>) plus a phase of its
/// own within <see cref="DeviceOptions.SilenceReminderPeriod"/>, so that phones coming back report first and the
/// devices that really stay silent open their alerts spread over a period rather than in one instant. An alert
/// already open before the stop stays open meanwhile. Devices heard since the start are judged as always.
/// </summary>
/// <remarks>
/// The start is this silo's: in a full restart every silo starts anew. A silo joining a running cluster gives the
/// devices placed on it that were silent since before it started the same grace, which delays their absence alerts
/// by at most the grace. Registered as a hosted service so that it is made (and the start taken) when the silo
/// starts, before any reminder can activate a device.
/// </remarks>
public sealed class StartupGrace(IOptions<DeviceOptions> options, [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : IHostedService
{
    private readonly DeviceOptions _options = options.Value;

    /// <summary>When this silo started, by the grain clock.</summary>
    public DateTimeOffset StartedAt { get; } = clock.GetUtcNow();

    /// <summary>Until when absence rules hold off for the device, or null when they do not (it was heard since the start, or never).</summary>
    public DateTimeOffset? QuietUntil(string deviceId, DateTimeOffset? lastSeenAt) =>
        lastSeenAt is { } seen && seen < StartedAt
            ? StartedAt + (_options.StartupGrace ?? _options.OfflineAfter) + DurableWakeUp.PhaseOf(deviceId, _options.SilenceReminderPeriod)
            : null;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
