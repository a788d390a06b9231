using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using System.Security.Cryptography;
using System.Text;
using OpsCentre.Grains.Devices;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.Devices;

/// <summary>
/// Authenticates a device by its <c>X-Device-Key</c> header. The device's identity comes from the
/// key alone, never from the request body; a revoked key fails on its next request.
/// </summary>
public sealed class DeviceKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IClusterClient cluster, DeviceKeyCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DeviceKey";
    public const string Header = "X-Device-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return AuthenticateResult.NoResult();
        }

        // "<deviceId>.<secret>": the device's grain holds the secret's hash and compares it, so a
        // status costs no database read; revocation goes through the same grain and counts at once.
        var key = values[0]!;
        var dot = key.LastIndexOf('.');
        if (dot <= 0 || dot == key.Length - 1 || key.Length > 200)
        {
            return AuthenticateResult.Fail("malformed device key");
        }

        var deviceId = key[..dot];
        var secretHash = SHA256.HashData(Encoding.UTF8.GetBytes(key[(dot + 1)..]));
        var device = cache.Find(deviceId, secretHash);
        if (device is null)
        {
            var grain = cluster.GetGrain<IDeviceGrain>(deviceId);
            if (await grain.Authenticate(secretHash) is not { } binding)
            {
                return AuthenticateResult.Fail("unknown or revoked device key");
            }

            device = new AuthenticatedDevice(deviceId, binding, grain);
            cache.Remember(secretHash, device);
        }

        Context.Features.Set(device);
        var identity = new ClaimsIdentity(
        [
            new Claim(OpsClaims.DeviceId, deviceId),
            new Claim("device_kind", device.Binding.Kind),
            new Claim("bound_to", device.Binding.BoundTo),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
