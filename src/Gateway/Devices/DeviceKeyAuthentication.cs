using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Devices;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.Devices;

/// <summary>
/// Authenticates a device by its <c>X-Device-Key</c> header. The device's identity comes from the
/// key alone, never from the request body; a revoked key fails on its next request.
/// </summary>
public sealed class DeviceKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, DeviceCredentialStore credentials)
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

        var device = await credentials.AuthenticateAsync(values[0]!, Context.RequestAborted);
        if (device is null)
        {
            return AuthenticateResult.Fail("unknown or revoked device key");
        }

        var identity = new ClaimsIdentity(
        [
            new Claim(OpsClaims.DeviceId, device.DeviceId),
            new Claim("device_kind", device.Kind),
            new Claim("bound_to", device.BoundTo),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
