using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Map;

namespace OpsCentre.Gateway.Devices;

/// <summary><c>POST /api/v1/device/status</c> and <c>/status/batch</c>: what devices send, authenticated by their key.</summary>
public static class DeviceStatusApi
{
    public const int MaxBatch = 1000;

    /// <param name="DeviceId">Optional; when present it must be the key's own device.</param>
    /// <param name="CoordSystem">
    /// The system <c>lat</c>/<c>lon</c> are in: <c>wgs84</c> (GPS, the default) or <c>gcj02</c> (Chinese map SDKs), which is
    /// converted to WGS-84 before anything sees the position; anything else is refused.
    /// </param>
    public sealed record StatusBody(
        string? OpId, long? Seq, DateTimeOffset? At, double? Lat, double? Lon, double? AccuracyM, double? BatteryPct, bool? OnDuty, bool? StrapIntact, string? DeviceId,
        string? CoordSystem = null);

    public sealed record BatchBody(List<StatusBody?>? Items);

    public sealed record StatusResponse(string Status, bool Applied);

    public sealed record ItemResult(string? OpId, string Status, string? Error);

    public sealed record BatchResponse(IReadOnlyList<ItemResult> Results);

    /// <summary>The largest seq accepted: the largest integer a JSON number carries exactly.</summary>
    public const long MaxSeq = (1L << 53) - 1;

    public static RouteGroupBuilder MapDeviceStatusApi(this IEndpointRouteBuilder app)
    {
        var device = app.MapDeviceGroup();
        // Read once: the window is the same for every status, and a status is the hottest path there is.
        var options = app.ServiceProvider.GetRequiredService<IOptions<DeviceOptions>>().Value;
        var window = (options.AcceptedBack, options.AcceptedAhead);
        device.MapPost("/status", async Task<Results<Ok<StatusResponse>, ProblemHttpResult>> (
            StatusBody body, AuthenticatedDevice device, TimeProvider clock) =>
        {
            if (Validate(body, device.DeviceId, clock.GetUtcNow(), window) is { } error)
            {
                Grains.OpsCentreMetrics.StatusRejected();
                return Problems.BadRequest("Invalid status", error);
            }

            if (!CoordSystems.IsKnown(body.CoordSystem))
            {
                Grains.OpsCentreMetrics.StatusRejected();
                return Problems.Unprocessable("coordSystem", CoordSystemRequirement);
            }

            var outcome = (await device.Grain.Report([ToStatus(body)]))[0];
            Grains.OpsCentreMetrics.StatusAnswered(outcome);
            if (outcome == StatusOutcome.Revoked)
            {
                return Revoked();
            }

            return TypedResults.Ok(new StatusResponse(Wire(outcome), outcome == StatusOutcome.Applied));
        })
        .WithSummary("One status from the device the key belongs to: applied, duplicate (op id seen) or stale (older seq, kept in the track). A position in coordSystem gcj02 is converted to WGS-84 first; an unknown coordSystem is 422.");

        device.MapPost("/status/batch", async Task<Results<Ok<BatchResponse>, ProblemHttpResult>> (
            BatchBody body, AuthenticatedDevice device, TimeProvider clock) =>
        {
            if (body.Items is not { Count: > 0 } items)
            {
                return Problems.BadRequest("items must be a non-empty array");
            }

            if (items.Count > MaxBatch)
            {
                return Problems.TooLarge($"at most {MaxBatch} items per batch");
            }

            var now = clock.GetUtcNow();
            var results = new ItemResult[items.Count];
            var valid = new List<(int Index, DeviceStatus Status)>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is not { } item)
                {
                    results[i] = new ItemResult(null, "rejected", "the item is null");
                }
                else if (Validate(item, device.DeviceId, now, window) is { } error)
                {
                    results[i] = new ItemResult(item.OpId, "rejected", error);
                }
                else if (!CoordSystems.IsKnown(item.CoordSystem))
                {
                    results[i] = new ItemResult(item.OpId, "rejected", "coordSystem " + CoordSystemRequirement);
                }
                else
                {
                    valid.Add((i, ToStatus(item)));
                }
            }

            if (valid.Count < items.Count)
            {
                Grains.OpsCentreMetrics.StatusRejected(items.Count - valid.Count);
            }

            if (valid.Count > 0)
            {
                var outcomes = await device.Grain.Report([.. valid.Select(v => v.Status)]);
                foreach (var outcome in outcomes)
                {
                    Grains.OpsCentreMetrics.StatusAnswered(outcome);
                }

                if (outcomes.Contains(StatusOutcome.Revoked))
                {
                    return Revoked();
                }

                for (var k = 0; k < valid.Count; k++)
                {
                    results[valid[k].Index] = new ItemResult(valid[k].Status.OpId, Wire(outcomes[k]), null);
                }
            }

            return TypedResults.Ok(new BatchResponse(results));
        })
        .WithSummary($"Queued statuses after a loss of signal (at most {MaxBatch}); applied in seq order, answered in the order sent. A bad item (an unknown coordSystem too) is rejected alone; gcj02 positions are converted to WGS-84. Every applied position reaches the worker or key person, and one that arrives late is judged by their zone and curfew rules at its own time (alerts found so carry breachedAt and detectedOnReplay).");

        return device;
    }

    /// <summary>Null when the status is acceptable, else the reason.</summary>
    public static string? Validate(StatusBody s, string deviceId, DateTimeOffset now, (TimeSpan Back, TimeSpan Ahead) window) =>
        s.DeviceId is not null && s.DeviceId != deviceId ? "the body names another device; a device reports only for itself"
        : !OperationIds.IsValid(s.OpId) ? $"opId is {OperationIds.Requirement}"
        : s.Seq is not (>= 0 and <= MaxSeq) ? "seq must be an integer from 0 to 2^53 - 1"
        : ProblemWithAt(s.At, now, window) is { } atProblem ? atProblem
        : s.Lat is not { } lat || !double.IsFinite(lat) || lat is < -90 or > 90 ? "lat must be a latitude (-90 to 90)"
        : s.Lon is not { } lon || !double.IsFinite(lon) || lon is < -180 or > 180 ? "lon must be a longitude (-180 to 180)"
        : s.AccuracyM is { } accuracy && (!double.IsFinite(accuracy) || accuracy < 0) ? "accuracyM must be a non-negative number of metres"
        : s.BatteryPct is { } battery && (!double.IsFinite(battery) || battery is < 0 or > 100) ? "batteryPct must be between 0 and 100"
        : null;

    /// <summary>
    /// Null when a device's own time <paramref name="at"/> is acceptable — at most <c>Devices:AcceptedBack</c> back (a queue
    /// uploaded after a loss of signal) and <c>Devices:AcceptedAhead</c> ahead (clock drift) — else the reason. Statuses and
    /// check-ins alike.
    /// </summary>
    public static string? ProblemWithAt(DateTimeOffset? at, DateTimeOffset now, (TimeSpan Back, TimeSpan Ahead) window) =>
        at is not { } t ? "at is required (ISO 8601 with offset)"
        : t > now + window.Ahead ? "at lies in the future"
        : t < now - window.Back ? $"at lies more than {window.Back.TotalDays:0.##} days back"
        : null;

    public const string CoordSystemRequirement = "must be wgs84 (the default) or gcj02";

    /// <summary>The status as the grains take it: its position in WGS-84, converted from GCJ-02 when the device said so.</summary>
    private static DeviceStatus ToStatus(StatusBody s)
    {
        var (lat, lon) = ChinaCoordinates.ToWgs84(s.CoordSystem, s.Lat!.Value, s.Lon!.Value);
        return new(s.OpId!, s.Seq!.Value, s.At!.Value, lat, lon, s.AccuracyM, s.BatteryPct, s.OnDuty, s.StrapIntact);
    }

    private static ProblemHttpResult Revoked() => Problems.Unauthorized("The device key was revoked");

    private static string Wire(StatusOutcome outcome) => outcome.ToString().ToLowerInvariant();
}
