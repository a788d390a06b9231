using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsCentre.Gateway.Devices;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Benchmarks;

/// <summary>
/// The floor of the ingest benchmark's separate layout: the bare endpoint (<see cref="BareStatusEndpoint"/>) plus exactly
/// one Orleans grain call per status to a grain that only compares the seq — the least a client gateway in front of a
/// silo can do for one status with this stack (Orleans, Kestrel, the same JSON and grain-call types) in this design (one
/// request and answer per status), with no key check, rule, write-behind, track, telemetry or log. Run as two processes (<c>floor-silo</c>, <c>floor-endpoint</c>),
/// like a silo and a client gateway, or as one (<c>floor-endpoint … cohost</c>), like a gateway hosting its silo.
/// What the real system costs above this floor is OpsCentre's; what the floor itself costs against the bare endpoint is
/// the price of the layout.
/// </summary>
public static class OrleansFloor
{
    /// <summary>A silo with localhost clustering and nothing else, holding the floor's grains.</summary>
    public static async Task RunSiloAsync(int siloPort, int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort));
        await builder.Build().RunAsync();
    }

    /// <summary>
    /// The bare endpoint's routes, each status handed to its device's floor grain; an Orleans client of the floor silo at
    /// <paramref name="gatewayPort"/>, or, given <paramref name="cohostSiloPort"/>, a silo itself (on that port and <paramref name="gatewayPort"/>).
    /// </summary>
    public static async Task RunEndpointAsync(string url, int gatewayPort, int? cohostSiloPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        if (cohostSiloPort is { } siloPort)
        {
            builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort));
        }
        else
        {
            builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort));
        }

        var app = builder.Build();
        var grains = app.Services.GetRequiredService<IGrainFactory>();
        app.MapPost("/api/v1/device/status", async (DeviceStatusApi.StatusBody body, HttpContext context) =>
        {
            var outcome = (await Grain(grains, context).Report([ToStatus(body)]))[0];
            return TypedResults.Ok(new DeviceStatusApi.StatusResponse(outcome.ToString().ToLowerInvariant(), outcome == StatusOutcome.Applied));
        });
        app.MapPost("/api/v1/device/status/batch", async (DeviceStatusApi.BatchBody body, HttpContext context) =>
        {
            if (body.Items is not { } items || items.Any(i => i is null))
            {
                return Results.BadRequest();
            }

            var outcomes = await Grain(grains, context).Report([.. items.Select(i => ToStatus(i!))]);
            return Results.Ok(new DeviceStatusApi.BatchResponse(
                [.. items.Select((item, k) => new DeviceStatusApi.ItemResult(item?.OpId, outcomes[k].ToString().ToLowerInvariant(), null))]));
        });
        app.MapGet("/health/ready", () => "ok");
        await app.RunAsync();
    }

    /// <summary>The device's grain, named by the key's device id (the part before its last dot); the key is not checked.</summary>
    private static IFloorDeviceGrain Grain(IGrainFactory grains, HttpContext context)
    {
        var key = context.Request.Headers[DeviceKeyAuthentication.Header].ToString();
        var dot = key.LastIndexOf('.');
        return grains.GetGrain<IFloorDeviceGrain>(dot > 0 ? key[..dot] : key);
    }

    private static DeviceStatus ToStatus(DeviceStatusApi.StatusBody s) =>
        new(s.OpId ?? "", s.Seq ?? 0, s.At ?? DateTimeOffset.UnixEpoch, s.Lat ?? 0, s.Lon ?? 0, s.AccuracyM, s.BatteryPct, s.OnDuty, s.StrapIntact);
}

/// <summary>A device as the floor knows it: its latest seq, nothing else.</summary>
public interface IFloorDeviceGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<StatusOutcome>> Report(IReadOnlyList<DeviceStatus> statuses);
}

public sealed class FloorDeviceGrain : Grain, IFloorDeviceGrain
{
    private long _lastSeq = -1;

    public Task<IReadOnlyList<StatusOutcome>> Report(IReadOnlyList<DeviceStatus> statuses)
    {
        var outcomes = new StatusOutcome[statuses.Count];
        for (var i = 0; i < statuses.Count; i++)
        {
            outcomes[i] = statuses[i].Seq > _lastSeq ? StatusOutcome.Applied : StatusOutcome.Stale;
            _lastSeq = Math.Max(_lastSeq, statuses[i].Seq);
        }

        return Task.FromResult<IReadOnlyList<StatusOutcome>>(outcomes);
    }
}
