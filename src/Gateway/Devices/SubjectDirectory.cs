using OpsCentre.Grains.Devices;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Devices;

/// <summary>Finds the grid of the person a device is (or would be) bound to: a grid worker or a key person.</summary>
public sealed class SubjectDirectory(WorkerRoster workers, KeyPersonRecords keyPersons)
{
    /// <summary>The grid code of the subject, or null when the roster has no such person of that kind.</summary>
    public Task<string?> GridOfAsync(string kind, string subjectId, CancellationToken ct) =>
        DeviceKinds.IsWorkerDevice(kind) ? workers.AssignedGridAsync(subjectId, ct) : keyPersons.GridOfAsync(subjectId, ct);
}
