using System.Buffers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using OpsCentre.Database.Devices;
using OpsCentre.Gateway.Auth;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Gateway.Devices;

/// <summary>Marks an endpoint a device calls with its key (the <c>/api/v1/device</c> group); see <see cref="DeviceKeyAuthentication"/>.</summary>
public sealed class DeviceKeyRequired
{
    public static readonly DeviceKeyRequired Instance = new();

    private DeviceKeyRequired()
    {
    }
}

/// <summary>
/// Authenticates the callers of device endpoints by their <c>X-Device-Key</c> header, and nothing else
/// does: the device's identity comes from the key alone, never from the request body, and a revoked key
/// fails on its next request. Any other credential (an operator's token) is not a device's: 401.
/// </summary>
/// <remarks>
/// A middleware of its own, and ASP.NET Core's authentication and authorization skip these endpoints
/// (<see cref="UseDeviceKeys"/>). Through them, as an authentication scheme behind an authorization
/// policy, a status ran the JWT handler (the default scheme), then the policy's scheme, then the policy's
/// requirements, each with its handler instances, request-scoped services and tasks, a large share of
/// the bytes allocated and the CPU per status (docs/benchmarks.md, "Measured reasons in the code").
/// Here a known key costs a SHA-256 and one
/// dictionary lookup, with no allocation; the principal is made once per verification.
/// The device keys' limits are kept here too (<see cref="DeviceKeyLimits"/>): a known key's requests per
/// second, checked on the limit kept with its verification (no lookup, no allocation); a malformed key
/// is refused before anything is hashed or asked; a key its grain refused lately is refused again from
/// the cache; and an address whose keys keep failing may present no new ones for a while. Only a key
/// that is well formed, not known, not refused lately, from an address in good standing costs a grain
/// call (and at most one activation, which the grain ends at once for an unknown device).
/// </remarks>
public sealed class DeviceKeyAuthentication(RequestDelegate next, IClusterClient cluster, DeviceKeyCache cache, DeviceKeyLimits limits)
{
    public const string Header = "X-Device-Key";

    /// <summary>Named on the principal's identity, as an authentication scheme would be.</summary>
    public const string AuthenticationType = "DeviceKey";

    /// <summary>Longest key accepted: a device id and a secret are far shorter.</summary>
    private const int MaxKeyLength = 200;

    /// <summary>What a device id may be made of (the ids provisioning makes are <c>dev-</c> and hex digits).</summary>
    private static readonly SearchValues<char> DeviceIdChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    /// <summary>The alphabet of a secret (base64url).</summary>
    private static readonly SearchValues<char> SecretChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    public static bool Applies(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<DeviceKeyRequired>() is not null;

    /// <summary>
    /// Device endpoints go through <see cref="DeviceKeyAuthentication"/>; every other request through
    /// ASP.NET Core's authentication, authorization (operators' tokens, the fallback policy) and rate
    /// limiting (per operator token, sign-in per address: <see cref="Limits.LimitsSetup"/>), in that order,
    /// so the limiter knows whose request it is and an unauthenticated one is refused before it counts.
    /// </summary>
    public static void UseDeviceKeys(IApplicationBuilder app)
    {
        app.UseMiddleware<DeviceKeyAuthentication>();
        app.UseWhen(context => !Applies(context), operators =>
        {
            operators.UseAuthentication().UseAuthorization().UseRateLimiter();

            // UseAuthentication and UseAuthorization leave a mark on the builder they are added to, and a
            // WebApplication whose own builder lacks the marks adds both again at the pipeline's start.
            foreach (var (key, value) in operators.Properties)
            {
                app.Properties.TryAdd(key, value);
            }
        });
    }

    /// <summary>The principal of a device's requests: its id, its kind and what it is bound to.</summary>
    public static ClaimsPrincipal Principal(string deviceId, DeviceBinding binding) =>
        new(new ClaimsIdentity(
            [
                new Claim(OpsClaims.DeviceId, deviceId),
                new Claim("device_kind", binding.Kind),
                new Claim("bound_to", binding.BoundTo),
            ], AuthenticationType));

    public Task InvokeAsync(HttpContext context)
    {
        if (!Applies(context))
        {
            return next(context);
        }

        if (!context.Request.Headers.TryGetValue(Header, out var values) || values.Count != 1 || values[0] is not { Length: > 0 and <= MaxKeyLength } key)
        {
            return Unauthorized(context);
        }

        // "<deviceId>.<secret>": the device's grain holds the secret's hash and compares it, so a
        // status costs no database read; revocation goes through the same grain and counts at once.
        var dot = key.LastIndexOf('.');
        if (!IsWellFormed(key, dot))
        {
            return Unauthorized(context);
        }

        // Hashed and looked up from the stack: a device sends its key with every status.
        Span<byte> secretHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> secret = stackalloc byte[Encoding.UTF8.GetMaxByteCount(MaxKeyLength)];
        SHA256.HashData(secret[..Encoding.UTF8.GetBytes(key.AsSpan(dot + 1), secret)], secretHash);
        var deviceId = key.AsSpan(0, dot);
        if (cache.Find(deviceId, secretHash) is { } device)
        {
            return Admit(context, device);
        }

        if (cache.IsRefused(deviceId, secretHash))
        {
            return Unauthorized(context);
        }

        return limits.FailuresExceeded(context.Connection.RemoteIpAddress) is { } wait
            ? TooManyRequests(context, wait)
            : VerifyAsync(context, key[..dot], secretHash.ToArray());
    }

    /// <summary>
    /// A key as provisioning makes them: a device id of letters, digits, <c>-</c>, <c>_</c> and <c>.</c>,
    /// and a secret of exactly <see cref="DeviceCredentialStore.SecretLength"/> base64url characters.
    /// </summary>
    private static bool IsWellFormed(string key, int dot) =>
        dot > 0
        && key.Length - dot - 1 == DeviceCredentialStore.SecretLength
        && !key.AsSpan(0, dot).ContainsAnyExcept(DeviceIdChars)
        && !key.AsSpan(dot + 1).ContainsAnyExcept(SecretChars);

    /// <summary>A key this gateway has not seen verified lately: the device's grain decides.</summary>
    private async Task VerifyAsync(HttpContext context, string deviceId, byte[] secretHash)
    {
        var grain = cluster.GetGrain<IDeviceGrain>(deviceId);
        if (await grain.Authenticate(secretHash) is not { } binding)
        {
            cache.Refuse(deviceId, secretHash);
            limits.CountFailure(context.Connection.RemoteIpAddress);
            await Unauthorized(context);
            return;
        }

        var device = new AuthenticatedDevice(deviceId, binding, grain, Principal(deviceId, binding), limits.ForDevice());
        cache.Remember(secretHash, device);
        await Admit(context, device);
    }

    /// <summary>A proven device, within its requests per second: on to the endpoint.</summary>
    private Task Admit(HttpContext context, AuthenticatedDevice device)
    {
        if (device.Limit.TryAdmit() is { } wait)
        {
            return TooManyRequests(context, wait);
        }

        context.User = device.Principal;
        context.Features.Set(device);
        return next(context);
    }

    private static Task TooManyRequests(HttpContext context, TimeSpan retryAfter) =>
        Hosting.Problems.TooManyRequests(retryAfter).ExecuteAsync(context);

    /// <summary>401, its problem details written by the status-code pages like every other 401.</summary>
    private static Task Unauthorized(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = AuthenticationType;
        return Task.CompletedTask;
    }
}
