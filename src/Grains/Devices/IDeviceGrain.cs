namespace OpsCentre.Grains.Devices;

/// <summary>
/// One device — a grid worker's phone, a key person's wristband or phone — keyed by its device id.
/// It drops duplicate and stale statuses, keeps its health, decides online/offline by its own
/// wake-ups, and hands positions to the worker or key person it is bound to.
/// </summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Applies statuses in <c>seq</c> order; answers each in the order given. A revoked device's statuses are all <see cref="StatusOutcome.Revoked"/> and change nothing.</summary>
    Task<IReadOnlyList<StatusOutcome>> Report(IReadOnlyList<DeviceStatus> statuses);

    Task<DeviceHealth> Health();

    /// <summary>
    /// A drill's scripted position of the device (演练), handed to the key person it is bound to as the drill's
    /// (<see cref="KeyPersons.IKeyPersonGrain.ObserveDrill"/>). The device's own state — last status, health, track, online — is
    /// not touched, so nothing the drill scripts is a real position. False (nothing done) for a revoked or unknown device or a
    /// worker's phone.
    /// </summary>
    Task<bool> ReportDrill(string drillId, double lat, double lon);

    /// <summary>
    /// Checks a presented key's secret (its SHA-256) in constant time against the one this device
    /// was provisioned with. Null for an unknown or revoked device or a wrong secret. The grain keeps
    /// the hash in memory, so authenticating a status costs no database read.
    /// </summary>
    Task<DeviceBinding?> Authenticate(byte[] secretHash);

    /// <summary>Revokes the device's key in the database and here, at once. False when it was unknown or already revoked.</summary>
    Task<bool> Revoke();
}

/// <summary>What a device is bound to.</summary>
[GenerateSerializer, Immutable, Alias("ops.DeviceBinding")]
public sealed record DeviceBinding([property: Id(0)] string Kind, [property: Id(1)] string BoundTo);
