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

    /// <summary>Longest key accepted: a device id and a secret are far shorter.</summary>
    private const int MaxKeyLength = 200;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // "<deviceId>.<secret>": the device's grain holds the secret's hash and compares it, so a
        // status costs no database read; revocation goes through the same grain and counts at once.
        var key = values[0]!;
        var dot = key.LastIndexOf('.');
        if (dot <= 0 || dot == key.Length - 1 || key.Length > MaxKeyLength)
        {
            return Task.FromResult(AuthenticateResult.Fail("malformed device key"));
        }

        // Hashed and looked up from the stack: a device sends its key with every status.
        Span<byte> secretHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> secret = stackalloc byte[Encoding.UTF8.GetMaxByteCount(MaxKeyLength)];
        SHA256.HashData(secret[..Encoding.UTF8.GetBytes(key.AsSpan(dot + 1), secret)], secretHash);
        return cache.Find(key.AsSpan(0, dot), secretHash) is { } device
            ? Task.FromResult(Authenticated(device))
            : VerifyAsync(key[..dot], secretHash.ToArray());
    }

    /// <summary>A key this gateway has not seen verified lately: the device's grain decides.</summary>
    private async Task<AuthenticateResult> VerifyAsync(string deviceId, byte[] secretHash)
    {
        var grain = cluster.GetGrain<IDeviceGrain>(deviceId);
        if (await grain.Authenticate(secretHash) is not { } binding)
        {
            return AuthenticateResult.Fail("unknown or revoked device key");
        }

        var device = new AuthenticatedDevice(deviceId, binding, grain, Ticket(deviceId, binding));
        cache.Remember(secretHash, device);
        return Authenticated(device);
    }

    private AuthenticateResult Authenticated(AuthenticatedDevice device)
    {
        Context.Features.Set(device);
        return AuthenticateResult.Success(device.Ticket);
    }

    private static AuthenticationTicket Ticket(string deviceId, DeviceBinding binding) =>
        new(new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(OpsClaims.DeviceId, deviceId),
                new Claim("device_kind", binding.Kind),
                new Claim("bound_to", binding.BoundTo),
            ], SchemeName)), SchemeName);
}
