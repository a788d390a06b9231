using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OpsCentre.Gateway.Limits;

namespace OpsCentre.Gateway.Devices;

/// <summary>
/// The limits of device keys, kept by <see cref="DeviceKeyAuthentication"/>: each device's requests per
/// second (<see cref="DeviceRequestLimit"/>, one per verified key), and failed key checks per client
/// address, past which keys this gateway has not seen verified lately are refused from that address
/// without asking their grains. Built on <c>System.Threading.RateLimiting</c>, the limiters ASP.NET
/// Core's rate-limiting middleware is made of; device requests do not pass through that middleware.
/// </summary>
public sealed class DeviceKeyLimits(IOptions<LimitOptions> options) : IDisposable
{
    private static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(1);
    private readonly int _perSecond = options.Value.DevicePerSecond;

    private readonly PartitionedRateLimiter<IPAddress> _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.DeviceKeyFailuresPerAddressPerMinute,
            Window = FailureWindow,
            QueueLimit = 0,
            AutoReplenishment = false,
        }));

    /// <summary>The request limit of a device whose key was just verified.</summary>
    public DeviceRequestLimit ForDevice() => new(_perSecond);

    /// <summary>Null while <paramref name="address"/> may present keys not verified lately; else how long it must wait.</summary>
    public TimeSpan? FailuresExceeded(IPAddress? address)
    {
        // Zero permits: asks whether any are left without taking one.
        using var lease = _failures.AttemptAcquire(address ?? IPAddress.None, 0);
        return lease.IsAcquired ? null
            : lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : FailureWindow;
    }

    /// <summary>Counts a key that failed its check against <paramref name="address"/>.</summary>
    public void CountFailure(IPAddress? address) => _failures.AttemptAcquire(address ?? IPAddress.None).Dispose();

    public void Dispose() => _failures.Dispose();
}

/// <summary>
/// One device's requests per second: a fixed one-second window with no timer of its own — a request
/// that finds the window over starts the next — so thousands of devices cost no timers. Admitting a
/// request takes two uncontended locks and allocates nothing (the lease of a granted permit is shared);
/// only a refusal allocates its lease.
/// </summary>
public sealed class DeviceRequestLimit(int perSecond)
{
    private readonly FixedWindowRateLimiter _window = new(new FixedWindowRateLimiterOptions
    {
        PermitLimit = perSecond,
        Window = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = false,
    });

    /// <summary>Null when the request may go on; else how long until the device's next window.</summary>
    public TimeSpan? TryAdmit()
    {
        _window.TryReplenish();
        using var lease = _window.AttemptAcquire();
        return lease.IsAcquired ? null : LimitsSetup.RetryAfter(lease);
    }
}
