using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Devices;
using OpsCentre.Gateway.Auth;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Gateway.Devices;

/// <summary>Provisioning: <c>POST /api/v1/devices</c> binds a new device to a person and shows its key once; <c>DELETE</c> revokes it.</summary>
public static class DevicesApi
{
    public static readonly string[] Kinds = ["worker-phone", "wristband", "person-phone"];

    public sealed record ProvisionRequest(string? Kind, string? BoundTo);

    public sealed record ProvisionResponse(string DeviceId, string Key);

    public static RouteGroupBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/devices").WithTags("Devices");

        group.MapPost("/", async Task<Results<Created<ProvisionResponse>, ProblemHttpResult, ValidationProblem>> (
            ProvisionRequest request, HttpContext context, SubjectDirectory subjects, DeviceCredentialStore credentials, CancellationToken ct) =>
        {
            if (request.Kind is null || !Kinds.Contains(request.Kind) || string.IsNullOrWhiteSpace(request.BoundTo))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["kind"] = [$"one of {string.Join(", ", Kinds)}"],
                    ["boundTo"] = ["the id of a grid worker (worker-phone) or a key person (wristband, person-phone)"],
                });
            }

            // An unknown person and one outside the caller's area answer alike: not found.
            var grid = await subjects.GridOfAsync(request.Kind, request.BoundTo, ct);
            if (grid is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such person in your area");
            }

            if (ScopeGuard.Deny(context.User, grid, Permission.ManageDevices) is { } denied)
            {
                return denied.StatusCode == StatusCodes.Status404NotFound
                    ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such person in your area")
                    : denied;
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
            var grid = found is { } f ? await subjects.GridOfAsync(f.Device.Kind, f.Device.BoundTo, ct) : null;
            if (grid is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");
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
