using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Grains.Tests.Workers;

/// <summary>A worker phone's queue, uploaded after a loss of signal, judged position by position.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class WorkerReplayTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    [Fact]
    public async Task AnHourOutsideTheAssignedGridInTheMiddleOfAQueueIsOneAlertWithItsTimeAndTheWorkerEndsOnTheNewestPosition()
    {
        var (phone, worker) = await _kit.WorkerDeviceAsync();
        var ruleId = "t-worker-left-grid-" + Guid.NewGuid().ToString("N")[..6];
        await _kit.SaveRuleAsync(new RuleDraft(ruleId, ruleId, "zone", SubjectKinds.Worker, worker.Grid, AlertSeverity.Warning,
            """{"zone":"assigned-grid","trigger":"leave","marginM":20}""", 600, 300, null, true));

        // Every 10 minutes for three hours; from 2.5 h to 1.5 h ago about 5.5 km east, far outside the grid, then back.
        var now = fixture.GrainClock.GetUtcNow();
        var queue = Enumerable.Range(0, 19).Select(i =>
        {
            var away = i is >= 3 and <= 9;
            return _kit.Status(worker.Lat, away ? worker.Lon + 0.06 : worker.Lon) with { At = now.AddMinutes(-180 + 10 * i) };
        }).ToList();
        Assert.All(await phone.Report(queue), o => Assert.Equal(StatusOutcome.Applied, o));

        var alerts = await _kit.WaitForAlertsAsync(ruleId, worker.Id, a => a is [{ State: AlertStates.Resolved }], "one alert, found and ended within the replay");
        var detail = (await fixture.Client.GetGrain<IAlertGrain>(alerts[0].Id).Detail())!;
        Assert.True(detail.Alert.DetectedOnReplay);
        Assert.Equal(now.AddMinutes(-150), detail.Alert.BreachedAt);
        var snapshot = (await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot())!;
        Assert.Equal(worker.Lon, snapshot.Lon!.Value, 9);
        Assert.Equal(worker.Grid, snapshot.CurrentGrid);
    }
}
