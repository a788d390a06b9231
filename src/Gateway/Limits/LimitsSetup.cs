using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Devices;
using OpsCentre.Gateway.Hosting;

namespace OpsCentre.Gateway.Limits;

/// <summary>
/// The abuse limits (<see cref="LimitOptions"/>): ASP.NET Core's rate limiter for the operators' side —
/// every request with an operator's token is limited per token (the global limiter, as the fallback
/// authorisation policy covers every endpoint), sign-in per client address (<see cref="SignInPolicy"/>) —
/// the sign-in lockout per account, and the device keys' limits, which <see cref="DeviceKeyAuthentication"/>
/// keeps itself because device requests do not go through ASP.NET Core's authentication, authorization
/// or rate limiting at all. Over a limit: 429 with <c>Retry-After</c>, a problem body.
/// </summary>
public static class LimitsSetup
{
    /// <summary>The rate-limiting policy of <c>POST /api/v1/auth/token</c>: attempts per client address.</summary>
    public const string SignInPolicy = "sign-in";

    public static IHostApplicationBuilder AddOpsCentreLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitOptions>()
            .BindConfiguration(LimitOptions.Section)
            .ValidateDataAnnotations()
            .Validate(LimitOptions.IsConsistent, "Limits:SignInMaxLockoutSeconds must not be shorter than Limits:SignInLockoutSeconds")
            .ValidateOnStart();
        builder.Services.AddSingleton<SignInLockout>();
        builder.Services.AddSingleton<DeviceKeyLimits>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitOptions>>((rateLimiter, limits) => Configure(rateLimiter, limits.Value));
        return builder;
    }

    private static void Configure(RateLimiterOptions rateLimiter, LimitOptions limits)
    {
        rateLimiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        rateLimiter.OnRejected = (context, _) =>
            new ValueTask(Problems.TooManyRequests(RetryAfter(context.Lease)).ExecuteAsync(context.HttpContext));

        rateLimiter.AddPolicy(SignInPolicy, context => RateLimitPartition.GetTokenBucketLimiter(
            context.Connection.RemoteIpAddress ?? IPAddress.None,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.SignInPerAddressBurst,
                TokensPerPeriod = limits.SignInPerAddressPerMinute,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = false,
            }));

        var perToken = new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.OperatorBurst,
            TokensPerPeriod = limits.OperatorPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = false,
        };
        // A machine client has its own limit, from its registration (carried by its token), per client: all its tokens share it.
        var operators = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            MachineClients.MachineClientStanding.ClientIdOf(context.User) is { } clientId
                ? RateLimitPartition.GetTokenBucketLimiter("client:" + clientId, _ => ClientBucket(context.User))
            : OperatorToken(context) is { } token
                ? RateLimitPartition.GetTokenBucketLimiter(token, _ => perToken)
                : RateLimitPartition.GetNoLimiter(""));

        // The residents' public endpoints have no account to limit: per client address, and per follow-up token (from any address).
        var perAddress = Bucket(limits.PublicPerAddressBurst, limits.PublicPerAddressPerMinute);
        var publicByAddress = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            PublicEndpoint.Applies(context)
                ? RateLimitPartition.GetTokenBucketLimiter((context.Connection.RemoteIpAddress ?? IPAddress.None).ToString(), _ => perAddress)
                : RateLimitPartition.GetNoLimiter(""));
        var perFollowUpToken = Bucket(limits.PublicPerTokenBurst, limits.PublicPerTokenPerMinute);
        var publicByToken = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            PublicEndpoint.Applies(context) && context.Request.Headers[PublicEndpoint.FollowUpTokenHeader] is [{ Length: > 0 and <= 200 } followUp]
                ? RateLimitPartition.GetTokenBucketLimiter(followUp, _ => perFollowUpToken)
                : RateLimitPartition.GetNoLimiter(""));
        rateLimiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(operators, publicByAddress, publicByToken);
    }

    /// <summary>A machine client's bucket, from the limit its token carries (checked against its registration by its standing); 1 where a claim is unreadable.</summary>
    private static TokenBucketRateLimiterOptions ClientBucket(System.Security.Claims.ClaimsPrincipal client) => new()
    {
        TokenLimit = Claimed(client, OpsClaims.RateBurst),
        TokensPerPeriod = Claimed(client, OpsClaims.RatePerSecond),
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = false,
    };

    private static int Claimed(System.Security.Claims.ClaimsPrincipal client, string claim) =>
        int.TryParse(client.FindFirst(claim)?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value : 1;

    private static TokenBucketRateLimiterOptions Bucket(int burst, int perMinute) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perMinute,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = false,
    };

    /// <summary>The credential an operator's request came with (bearer header, or the hub's query string); null for anonymous requests.</summary>
    private static string? OperatorToken(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        if (context.Request.Headers.Authorization is [{ Length: > 0 } header])
        {
            return header;
        }

        return context.Request.Query["access_token"] is [{ Length: > 0 } token] ? token : context.User.Username();
    }

    /// <summary>When the lease says a permit will be free again; else a second.</summary>
    public static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1);
}
