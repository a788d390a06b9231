using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Devices;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Gateway.Devices;

/// <summary>Provisioning by operators: <c>POST /api/v1/devices</c> binds a new device to a person and shows its key once; <c>DELETE</c> revokes it.</summary>
public static class DeviceProvisioningApi
{
    public sealed record ProvisionRequest(string? Kind, string? BoundTo);

    public sealed record ProvisionResponse(string DeviceId, string Key);

    private const string NoSuchPerson = "No such person in your area";

    public static RouteGroupBuilder MapDeviceProvisioningApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/devices").WithTags("Devices");

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
