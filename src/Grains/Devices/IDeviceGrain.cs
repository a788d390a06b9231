namespace OpsCentre.Grains.Devices;

/// <summary>
/// One device — a grid worker's phone, a key person's wristband or phone — keyed by its device id.
/// It drops duplicate and stale statuses, keeps its health, decides online/offline by its own
/// wake-ups, and hands positions to the worker or key person it is bound to.
/// </summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Applies statuses in <c>seq</c> order; answers each in the order given.</summary>
    Task<IReadOnlyList<StatusOutcome>> Report(IReadOnlyList<DeviceStatus> statuses);

    Task<DeviceHealth> Health();
}
