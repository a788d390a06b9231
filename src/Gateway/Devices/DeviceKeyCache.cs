using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using OpsCentre.Gateway.Limits;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Gateway.Devices;

/// <summary>
/// Device keys this gateway has recently seen verified by their device's grain, so a device reporting
/// every few seconds costs one grain call per status rather than two. It holds only what the
/// database holds (the SHA-256 of the secret) for <see cref="Lifetime"/>. It never weakens
/// revocation: a revoked device's grain refuses its statuses (<see cref="StatusOutcome.Revoked"/>)
/// whatever a gateway remembers, and revoking through this gateway forgets the key at once.
/// Each entry also keeps the device's grain reference: Orleans resolves the interface's type name
/// on every <c>GetGrain</c>, which showed in a CPU profile of single statuses (docs/benchmarks.md, "Measured
/// reasons in the code").
/// It also remembers keys their grains refused, for <see cref="LimitOptions.RefusedDeviceKeySeconds"/>:
/// a revoked or mistyped key that a device keeps sending is refused without a grain call each time.
/// A refusal is of the exact key (device id and secret), so wrong secrets sent in a device's name do
/// not shut out the device's real key.
/// </summary>
public sealed class DeviceKeyCache(TimeProvider clock, IOptions<LimitOptions> options)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Refusal> _refused = new(StringComparer.Ordinal);
    private readonly TimeSpan _refusedFor = TimeSpan.FromSeconds(options.Value.RefusedDeviceKeySeconds);

    /// <summary>The device, if its key was verified lately; looked up by the key's characters, without making a string of them.</summary>
    public AuthenticatedDevice? Find(ReadOnlySpan<char> deviceId, ReadOnlySpan<byte> secretHash) =>
        _entries.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(deviceId, out var entry)
        && entry.ExpiresAt > clock.GetUtcNow() && CryptographicOperations.FixedTimeEquals(entry.SecretHash, secretHash)
            ? entry.Device
            : null;

    public void Remember(byte[] secretHash, AuthenticatedDevice device)
    {
        if (_entries.Count >= MaxEntries)
        {
            // Crude but bounded: start over rather than grow without limit.
            _entries.Clear();
        }

        _entries[device.DeviceId] = new Entry(secretHash, device, clock.GetUtcNow() + Lifetime);
    }

    public void Forget(string deviceId) => _entries.TryRemove(deviceId, out _);

    /// <summary>Whether this exact key was refused by its grain lately; looked up without making a string.</summary>
    public bool IsRefused(ReadOnlySpan<char> deviceId, ReadOnlySpan<byte> secretHash) =>
        _refused.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(deviceId, out var refusal)
        && refusal.ExpiresAt > clock.GetUtcNow() && refusal.SecretHash.AsSpan().SequenceEqual(secretHash);

    /// <summary>Remembers a key its grain refused (unknown device, revoked, wrong secret).</summary>
    public void Refuse(string deviceId, byte[] secretHash)
    {
        if (_refused.Count >= MaxEntries)
        {
            _refused.Clear();
        }

        _refused[deviceId] = new Refusal(secretHash, clock.GetUtcNow() + _refusedFor);
    }

    private sealed record Entry(byte[] SecretHash, AuthenticatedDevice Device, DateTimeOffset ExpiresAt);

    private sealed record Refusal(byte[] SecretHash, DateTimeOffset ExpiresAt);
}

/// <summary>
/// The device a request's key proved, as a request feature: its id, what it is bound to, its grain, and
/// the principal its requests carry (made once per verification, not per status; nothing on the device
/// endpoints changes it).
/// </summary>
/// <remarks>Device endpoints take it as a parameter (<see cref="BindAsync"/>): one device identity, never read from claim strings.</remarks>
/// <param name="Limit">The device's requests per second, kept with the verified key so that checking it costs no lookup.</param>
public sealed record AuthenticatedDevice(string DeviceId, DeviceBinding Binding, IDeviceGrain Grain, ClaimsPrincipal Principal, DeviceRequestLimit Limit)
{
    /// <summary>One of <see cref="DeviceKinds"/>.</summary>
    public string Kind => Binding.Kind;

    /// <summary>The grid worker or key person the device belongs to.</summary>
    public string BoundTo => Binding.BoundTo;

    /// <summary>Minimal APIs bind a handler's parameter of this type from the request feature <see cref="DeviceKeyAuthentication"/> sets.</summary>
    public static ValueTask<AuthenticatedDevice?> BindAsync(HttpContext context) => ValueTask.FromResult(context.Features.Get<AuthenticatedDevice>());
}
