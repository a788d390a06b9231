using System.ComponentModel.DataAnnotations;

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
}
