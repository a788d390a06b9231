namespace OpsCentre.Grains.Devices;

/// <summary>The kinds of device a key is issued for, and whom each is bound to.</summary>
public static class DeviceKinds
{
    /// <summary>A grid worker's phone (网格员手机): positions, duty, cases and visits.</summary>
    public const string WorkerPhone = "worker-phone";

    /// <summary>A key person's wristband: positions and the strap.</summary>
    public const string Wristband = "wristband";

    /// <summary>A key person's own phone: positions and check-ins (报到).</summary>
    public const string PersonPhone = "person-phone";

    public static IReadOnlyList<string> All { get; } = [WorkerPhone, Wristband, PersonPhone];

    /// <summary>Worker phones are bound to grid workers; wristbands and person phones to key persons.</summary>
    public static bool IsWorkerDevice(string kind) => kind == WorkerPhone;
}
