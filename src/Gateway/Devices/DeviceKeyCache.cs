using System.Collections.Concurrent;
using System.Security.Cryptography;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Gateway.Devices;

/// <summary>
/// Device keys this gateway has recently seen verified by their device's grain, so a device reporting
/// every few seconds costs one grain call per status rather than two. It holds only what the
/// database holds (the SHA-256 of the secret) for <see cref="Lifetime"/>. It never weakens
/// revocation: a revoked device's grain refuses its statuses (<see cref="StatusOutcome.Revoked"/>)
/// whatever a gateway remembers, and revoking through this gateway forgets the key at once.
/// </summary>
public sealed class DeviceKeyCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public DeviceBinding? Find(string deviceId, byte[] secretHash) =>
        _entries.TryGetValue(deviceId, out var entry) && entry.ExpiresAt > clock.GetUtcNow() && CryptographicOperations.FixedTimeEquals(entry.SecretHash, secretHash)
            ? entry.Binding
            : null;

    public void Remember(string deviceId, byte[] secretHash, DeviceBinding binding)
    {
        if (_entries.Count >= MaxEntries)
        {
            // Crude but bounded: start over rather than grow without limit.
            _entries.Clear();
        }

        _entries[deviceId] = new Entry(secretHash, binding, clock.GetUtcNow() + Lifetime);
    }

    public void Forget(string deviceId) => _entries.TryRemove(deviceId, out _);

    private sealed record Entry(byte[] SecretHash, DeviceBinding Binding, DateTimeOffset ExpiresAt);
}
