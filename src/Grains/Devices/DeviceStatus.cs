using System.ComponentModel.DataAnnotations;
namespace OpsCentre.Grains.Devices;

/// <summary>One status a device sends: where it is and how it is, under the device's own op id and sequence number.</summary>
[GenerateSerializer, Immutable, Alias("ops.DeviceStatus")]
public sealed record DeviceStatus(
    [property: Id(0)] string OpId,
    [property: Id(1)] long Seq,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] double Lat,
    [property: Id(4)] double Lon,
    [property: Id(5)] double? AccuracyM,
    [property: Id(6)] double? BatteryPct,
    [property: Id(7)] bool? OnDuty,
    [property: Id(8)] bool? StrapIntact);

/// <summary>What became of a status (CONTRACT.md, "Devices").</summary>
public enum StatusOutcome
{
    /// <summary>Accepted and applied to live state.</summary>
    Applied,

    /// <summary>Its op id was already applied; acknowledged, not applied again.</summary>
    Duplicate,

    /// <summary>Older than the device's latest: kept in the track, live state not moved back.</summary>
    Stale,

    /// <summary>Invalid; see the error.</summary>
    Rejected,

    /// <summary>The device's key was revoked (or never issued): nothing was applied or kept.</summary>
    Revoked,
}

/// <summary>A device's own health, as its grain holds it.</summary>
[GenerateSerializer, Immutable, Alias("ops.DeviceHealth")]
public sealed record DeviceHealth(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] bool Online,
    [property: Id(2)] DateTimeOffset? LastSeenAt,
    [property: Id(3)] long LastSeq,
    [property: Id(4)] double? BatteryPct,
    [property: Id(5)] bool? StrapIntact);

/// <summary>Device settings (section <c>Devices</c>).</summary>
public sealed class DeviceOptions
{
    public const string Section = "Devices";

    /// <summary>A device that sends nothing for this long is offline. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Devices:OfflineAfter must be between {1} and {2}")]
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Period of the durable wake-up that checks for silence while the device is online, so that
    /// silence is noticed even after the device's silo crashed (at most this late). Default 1 minute
    /// (Orleans' minimum reminder period unless configured lower).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00", ErrorMessage = "Devices:SilenceReminderPeriod must be between {1} and {2}")]
    public TimeSpan SilenceReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many recent op ids each device remembers to drop duplicates. Default 2000.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Devices:RememberedOpIds must be between {1} and {2}")]
    public int RememberedOpIds { get; set; } = 2000;

    /// <summary>
    /// How long a device remembers an op id after receiving it (and at most a tenth longer; see <see cref="RecentOpIds"/>).
    /// A status repeated later is answered <c>stale</c> instead of <c>duplicate</c> (its seq is no longer new): it does not
    /// move live state or reach the rules again, but is kept in the track once more. Default 10 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Devices:RememberOpIdsFor must be between {1} and {2}")]
    public TimeSpan RememberOpIdsFor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Days of tracks kept; older daily partitions are dropped whole. Default 90; 0 keeps everything.</summary>
    [Range(0, 36_500, ErrorMessage = "Devices:TrackRetentionDays must be between {1} and {2}")]
    public int TrackRetentionDays { get; set; } = 90;

    /// <summary>How far back a status's <c>at</c> may lie (a queue uploaded after a loss of signal). Default 30 days; older is rejected.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ErrorMessage = "Devices:AcceptedBack must be between {1} and {2}")]
    public TimeSpan AcceptedBack { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How far ahead of the server's clock a status's <c>at</c> may lie (a device's clock drift). Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Devices:AcceptedAhead must be between {1} and {2}")]
    public TimeSpan AcceptedAhead { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A calm restart (<see cref="StartupGrace"/>): how long after a silo starts the absence rules of a device last heard
    /// before the start hold off, plus a phase of the device's own within <see cref="SilenceReminderPeriod"/>. Default
    /// (null): <see cref="OfflineAfter"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Devices:StartupGrace must be between {1} and {2}")]
    public TimeSpan? StartupGrace { get; set; }

    /// <summary>How often a device writes its live state behind. Default 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Devices:PersistEvery must be between {1} and {2}")]
    public TimeSpan PersistEvery { get; set; } = TimeSpan.FromSeconds(10);
}
