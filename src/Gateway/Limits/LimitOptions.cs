using System.ComponentModel.DataAnnotations;

namespace OpsCentre.Gateway.Limits;

/// <summary>
/// Abuse limits of the HTTP edge (section <c>Limits</c>), each kept by this gateway process alone:
/// several gateways behind a load balancer each allow as much. A request over a limit is answered 429
/// with <c>Retry-After</c> (docs/security.md, "Limits").
/// </summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>Sign-in attempts a client address may make at once (a token bucket's size). Default 10.</summary>
    [Range(1, 1_000_000)]
    public int SignInPerAddressBurst { get; set; } = 10;

    /// <summary>Sign-in attempts per minute a client address is allowed on average (the bucket's refill). Default 30.</summary>
    [Range(1, 1_000_000)]
    public int SignInPerAddressPerMinute { get; set; } = 30;

    /// <summary>Failed sign-ins in a row that lock an account (known or not). Default 5.</summary>
    [Range(1, 1000)]
    public int SignInFailuresBeforeLockout { get; set; } = 5;

    /// <summary>How long an account's first lockout lasts; each further one lasts twice the one before. Default 60 seconds.</summary>
    [Range(1, 86_400)]
    public int SignInLockoutSeconds { get; set; } = 60;

    /// <summary>
    /// The longest lockout. Also how long an account must go without a failed sign-in before its
    /// failures and its lockout level are forgotten (a success forgets them at once). Default 3600 seconds.
    /// </summary>
    [Range(1, 7 * 86_400)]
    public int SignInMaxLockoutSeconds { get; set; } = 3600;

    /// <summary>
    /// Requests one operator access token may make at once (a token bucket's size). Default 1000: a
    /// console or wall screen makes a few a second; machine clients with an operator's token (the
    /// simulator provisioning thousands of devices, a departmental system) burst higher.
    /// </summary>
    [Range(1, 1_000_000)]
    public int OperatorBurst { get; set; } = 1000;

    /// <summary>Requests per second one operator access token is allowed on average (the bucket's refill). Default 200.</summary>
    [Range(1, 1_000_000)]
    public int OperatorPerSecond { get; set; } = 200;

    /// <summary>
    /// Requests per second one device key may make (a fixed one-second window; a batch counts once).
    /// Default 50: a phone reports every few seconds, and the ingest benchmark sends about 10 a second
    /// per device, so only a device gone wrong or a copied key reaches it.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DevicePerSecond { get; set; } = 50;

    /// <summary>
    /// Device keys that fail their check, per client address and minute, before further keys this
    /// gateway has not seen verified are refused from that address without asking their grains.
    /// Devices whose keys were verified lately are not affected. Default 60.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DeviceKeyFailuresPerAddressPerMinute { get; set; } = 60;

    /// <summary>How long a key its device's grain refused is refused again without asking the grain. Default 30 seconds.</summary>
    [Range(1, 3600)]
    public int RefusedDeviceKeySeconds { get; set; } = 30;

    /// <summary>
    /// Requests a client address may make at once to the residents' public endpoints (Open311, the follow-up of a case:
    /// <see cref="PublicEndpoint"/>), a token bucket's size. Default 20.
    /// </summary>
    [Range(1, 1_000_000)]
    public int PublicPerAddressBurst { get; set; } = 20;

    /// <summary>Requests per minute a client address is allowed on average on the public endpoints (the bucket's refill). Default 30.</summary>
    [Range(1, 1_000_000)]
    public int PublicPerAddressPerMinute { get; set; } = 30;

    /// <summary>Requests one follow-up token (header <c>X-Follow-Up-Token</c>) may make at once, from any address. Default 10.</summary>
    [Range(1, 1_000_000)]
    public int PublicPerTokenBurst { get; set; } = 10;

    /// <summary>Requests per minute one follow-up token is allowed on average. Default 10.</summary>
    [Range(1, 1_000_000)]
    public int PublicPerTokenPerMinute { get; set; } = 10;

    /// <summary>The <c>Retry-After</c> of a 503 while PostgreSQL (or the cluster) cannot be reached. Default 5 seconds.</summary>
    [Range(1, 3600)]
    public int UnavailableRetryAfterSeconds { get; set; } = 5;

    public static bool IsConsistent(LimitOptions options) => options.SignInMaxLockoutSeconds >= options.SignInLockoutSeconds;
}
