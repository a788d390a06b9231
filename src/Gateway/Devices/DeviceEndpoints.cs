namespace OpsCentre.Gateway.Devices;

/// <summary>The route group of the endpoints a device calls with its own key (<c>/api/v1/device/...</c>).</summary>
public static class DeviceEndpoints
{
    /// <summary>
    /// Not through ASP.NET Core's authorization: <see cref="DeviceKeyAuthentication"/> admits only a
    /// device's key here, and handlers take the <see cref="AuthenticatedDevice"/> as a parameter.
    /// </summary>
    public static RouteGroupBuilder MapDeviceGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/v1/device").WithTags("Device").WithMetadata(DeviceKeyRequired.Instance);
}
