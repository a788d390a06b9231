using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpsCentre.Gateway.Devices;

namespace OpsCentre.Benchmarks;

/// <summary>
/// The yardstick for the ingest benchmark: ASP.NET Core endpoints at the same paths that only parse
/// the same JSON bodies (the Gateway's own request types) and answer "applied", doing nothing else.
/// </summary>
public static class BareStatusEndpoint
{
    public static async Task RunAsync(string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.MapPost("/api/v1/device/status", (DeviceStatusApi.StatusBody body) => TypedResults.Ok(new DeviceStatusApi.StatusResponse("applied", body.Seq is not null)));
        app.MapPost("/api/v1/device/status/batch", (DeviceStatusApi.BatchBody body) =>
            TypedResults.Ok(new DeviceStatusApi.BatchResponse([.. (body.Items ?? []).Select(i => new DeviceStatusApi.ItemResult(i?.OpId, "applied", null))])));
        app.MapGet("/health/ready", () => "ok");
        await app.RunAsync();
    }
}
