using System.ComponentModel.DataAnnotations;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.Screens;

/// <summary>Wall-screen delivery settings (section <c>Screens</c>).</summary>
public sealed class ScreenOptions
{
    public const string Section = "Screens";

    /// <summary>Work items a connection may have waiting before it is judged too slow and closed (it resumes from its cursor). Default 2000.</summary>
    [Range(10, 1_000_000)]
    public int QueueCapacity { get; set; } = 2000;

    /// <summary>How often partial-district subscribers get a <c>Watermark</c>. Default 3 seconds.</summary>
    [Range(1, 60)]
    public int WatermarkSeconds { get; set; } = 3;

    /// <summary>How often this gateway renews its observer with each district writer and checks for missed events. Default 10 seconds.</summary>
    [Range(1, 60)]
    public int RenewSeconds { get; set; } = 10;

    /// <summary>Live state is conflated by the gateway (latest wins per kind and id) and sent to each connection at most this often. Default 250 ms.</summary>
    [Range(50, 10_000)]
    public int LiveFlushMilliseconds { get; set; } = 250;

    /// <summary>Events read from the log per query when catching up. Default 500.</summary>
    [Range(10, 10_000)]
    public int ReplayPageSize { get; set; } = 500;

    /// <summary>
    /// How far behind its district's head a cursor may be, in events, for <c>Subscribe</c> to replay from it; an older
    /// cursor is refused with a hub error (the screen subscribes without a cursor and loads the current state over
    /// HTTP). Applies to roles not named in <see cref="MaxReplayEventsByRole"/>. Default 10,000.
    /// </summary>
    [Range(0, 100_000_000)]
    public int MaxReplayEvents { get; set; } = 10_000;

    /// <summary>
    /// Replay bounds by role, replacing <see cref="MaxReplayEvents"/> (<c>Screens:MaxReplayEventsByRole:worker</c>).
    /// Default 5,000 for <c>staff</c>, <c>worker</c>, <c>department</c> and <c>auditor</c>: a replay reads every event of
    /// the district however few of them such a screen receives.
    /// </summary>
    public Dictionary<string, int> MaxReplayEventsByRole { get; set; } = new(StringComparer.Ordinal)
    {
        [Roles.Staff] = 5_000,
        [Roles.Worker] = 5_000,
        [Roles.Department] = 5_000,
        [Roles.Auditor] = 5_000,
    };

    /// <summary>Hub connections one user (token subject) may hold open on one gateway; one more is refused. Default 10.</summary>
    [Range(1, 10_000)]
    public int MaxConnectionsPerUser { get; set; } = 10;

    /// <summary>Units one connection may be subscribed to at once; one more <c>Subscribe</c> is refused. Default 20.</summary>
    [Range(1, 1_000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 20;

    /// <summary>The replay bound of <paramref name="role"/>.</summary>
    public int MaxReplayEventsFor(string? role) => role is not null && MaxReplayEventsByRole.TryGetValue(role, out var limit) ? limit : MaxReplayEvents;
}
