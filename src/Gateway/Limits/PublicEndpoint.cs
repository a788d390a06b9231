namespace OpsCentre.Gateway.Limits;

/// <summary>
/// Marks an endpoint as public: callable without an account (residents' Open311 and follow-up endpoints), and so limited
/// per client address and per follow-up token instead of per operator token (<see cref="LimitsSetup"/>).
/// </summary>
public sealed class PublicEndpoint
{
    /// <summary>The header a resident's follow-up calls carry their case's private follow-up token in.</summary>
    public const string FollowUpTokenHeader = "X-Follow-Up-Token";

    public static PublicEndpoint Instance { get; } = new();

    private PublicEndpoint()
    {
    }

    public static bool Applies(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<PublicEndpoint>() is not null;

    /// <summary>
    /// Marks a group's endpoints public and keeps their answers out of caches (<c>Cache-Control: no-store</c>): a case's
    /// stage changes while a resident looks, and a report's answer holds its follow-up token.
    /// </summary>
    public static RouteGroupBuilder Mark(RouteGroupBuilder group) => group.AllowAnonymous().WithMetadata(Instance).AddEndpointFilter(async (context, next) =>
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return await next(context);
    });
}
