using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Devices;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Gateway.Devices;

/// <summary>Provisioning by operators: <c>POST /api/v1/devices</c> binds a new device to a person and shows its key once; <c>DELETE</c> revokes it.</summary>
public static class DeviceProvisioningApi
{
    public sealed record ProvisionRequest(string? Kind, string? BoundTo);

    public sealed record ProvisionResponse(string DeviceId, string Key);

    /// <param name="BoundTo">The worker or key person the device is bound to (names through <c>GET /api/v1/subjects/names</c>, masked as the caller may see them).</param>
    /// <param name="Online">The device's own health, as its grain holds it.</param>
    public sealed record DeviceItem(
        string Id, string Kind, string BoundTo, string GridCode, DateTimeOffset ProvisionedAt,
        bool Online, DateTimeOffset? LastSeenAt, double? BatteryPct, bool? StrapIntact);

    /// <summary>With <c>online=</c>, at most this many batches of the listing are read for one page; the page may be shorter, its cursor goes on.</summary>
    private const int MaxOnlineBatches = 5;

    private const string NoSuchPerson = "No such person in your area";

    public static RouteGroupBuilder MapDeviceProvisioningApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/devices").WithTags("Devices");

        group.MapGet("/", async Task<Results<Ok<Page<DeviceItem>>, ProblemHttpResult>> (
            string? unit, string? kind, bool? online, int? limit, string? after, HttpContext context, DeviceCredentialStore credentials, IClusterClient cluster, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take, Permission.ManageDevices) is { } problem)
            {
                return problem;
            }

            if (kind is not null && !DeviceKinds.All.Contains(kind))
            {
                return Problems.BadRequest($"kind must be one of {string.Join(", ", DeviceKinds.All)}");
            }

            // The bindings from the database, health from each listed device's grain (only the page's, never all of them).
            // online= filters on that health: a few batches are read, and a short page still carries its cursor.
            var items = new List<DeviceItem>();
            var cursor = after ?? "";
            for (var batch = 0; batch < (online is null ? 1 : MaxOnlineBatches); batch++)
            {
                var need = take + 1 - items.Count;
                var rows = await credentials.PageAsync(unit!, kind, cursor, need, ct);
                var health = await Task.WhenAll(rows.Select(d => cluster.GetGrain<IDeviceGrain>(d.DeviceId).Health()));
                for (var i = 0; i < rows.Count && items.Count <= take; i++)
                {
                    var (d, h) = (rows[i], health[i]);
                    cursor = d.DeviceId;
                    if (online is null || h.Online == online)
                    {
                        items.Add(new DeviceItem(d.DeviceId, d.Kind, d.BoundTo, d.GridCode, d.ProvisionedAt, h.Online, h.LastSeenAt, h.BatteryPct, h.StrapIntact));
                    }
                }

                if (items.Count > take || rows.Count < need)
                {
                    // A page of take items and the extra that says there is more; or the listing ran out.
                    return TypedResults.Ok(Page<DeviceItem>.From(items, take, d => d.Id));
                }
            }

            // online= read its batches without filling the page: the cursor goes on from the last device read.
            return TypedResults.Ok(new Page<DeviceItem>(items, cursor));
        })
        .WithSummary("Provisioned (unrevoked) devices whose worker or key person is within the unit, paged by id, of one kind when given, with their health "
            + "(online, last seen, battery, strap). online=true|false filters on that health: such a page may hold fewer than limit items and still have a next. "
            + "Admins and operators within their scope.");

        group.MapPost("/", async Task<Results<Created<ProvisionResponse>, ProblemHttpResult, ValidationProblem>> (
            ProvisionRequest request, HttpContext context, SubjectDirectory subjects, DeviceCredentialStore credentials, CancellationToken ct) =>
        {
            if (request.Kind is null || !DeviceKinds.All.Contains(request.Kind) || string.IsNullOrWhiteSpace(request.BoundTo))
            {
                return new RequestErrors()
                    .Check(false, "kind", $"one of {string.Join(", ", DeviceKinds.All)}")
                    .Check(false, "boundTo", "the id of a grid worker (worker-phone) or a key person (wristband, person-phone)")
                    .Problem();
            }

            // An unknown person and one outside the caller's area answer alike: not found.
            if (await subjects.GridOfAsync(request.Kind, request.BoundTo, ct) is not { } grid)
            {
                return Problems.NotFound(NoSuchPerson);
            }

            switch (ScopeGuard.Check(context.User, grid, Permission.ManageDevices))
            {
                case ScopeDecision.OutOfScope:
                    return Problems.NotFound(NoSuchPerson);
                case ScopeDecision.Forbidden:
                    return Problems.Forbidden();
            }

            var deviceId = "dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            var key = await credentials.IssueAsync(deviceId, request.Kind, request.BoundTo, ct);
            return TypedResults.Created($"/api/v1/devices/{deviceId}", new ProvisionResponse(deviceId, key));
        })
        .WithSummary("Provision a device bound to a grid worker or key person; the key is shown once.");

        group.MapDelete("/{deviceId}", async Task<Results<NoContent, ProblemHttpResult>> (
            string deviceId, HttpContext context, SubjectDirectory subjects, DeviceCredentialStore credentials, IClusterClient cluster, DeviceKeyCache keys, CancellationToken ct) =>
        {
            var found = await credentials.FindAsync(deviceId, ct);
            if ((found is { } f ? await subjects.GridOfAsync(f.Device.Kind, f.Device.BoundTo, ct) : null) is not { } grid)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, grid, Permission.ManageDevices) is { } denied)
            {
                return denied;
            }

            await cluster.GetGrain<IDeviceGrain>(deviceId).Revoke();
            keys.Forget(deviceId);
            return TypedResults.NoContent();
        })
        .WithSummary("Revoke a device's key; it fails from the next request on. Repeating it answers 204.");

        return group;
    }
}
