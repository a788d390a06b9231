using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.Devices;

/// <summary>Endpoints a device calls with its own key (<c>/api/v1/device/...</c>).</summary>
public static class DeviceApi
{
    public const string Policy = "Device";

    public sealed record DeviceIdentityResponse(string DeviceId, string Kind, string BoundTo);

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

        return group.MapStatusApi();
    }
}
