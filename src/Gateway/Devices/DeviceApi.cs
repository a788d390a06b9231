using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.Devices;

/// <summary>Endpoints a device calls with its own key (<c>/api/v1/device/...</c>).</summary>
public static class DeviceApi
{
    public const string Policy = "Device";

    public sealed record DeviceIdentityResponse(string DeviceId, string Kind, string BoundTo);

    /// <summary>Something assigned to the device's person: a dispatched case, a visit due.</summary>
    public sealed record DeviceTask(string Kind, string Id, string Title, DateTimeOffset? Due);

    public static RouteGroupBuilder MapDeviceApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/device").WithTags("Device").RequireAuthorization(Policy);

        group.MapGet("/me", Ok<DeviceIdentityResponse> (HttpContext context) =>
        {
            var user = context.User;
            return TypedResults.Ok(new DeviceIdentityResponse(
                user.FindFirst(OpsClaims.DeviceId)!.Value, user.FindFirst("device_kind")!.Value, user.FindFirst("bound_to")!.Value));
        })
        .WithSummary("The device the X-Device-Key belongs to: lets a device check its key.");

        group.MapGet("/tasks", Ok<Paging.Page<DeviceTask>> () =>
            // Dispatched cases (incidents issue) and visits due (key-persons issue) are listed here
            // once those exist; until then nothing can be assigned, and the list is truthfully empty.
            TypedResults.Ok(new Paging.Page<DeviceTask>([], null)))
        .WithSummary("What is assigned to the device's worker: dispatched cases and visits due.");

        return group.MapStatusApi();
    }
}
