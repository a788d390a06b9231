using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.MachineClients;

/// <summary>
/// Every call of a machine client is audited as that client: one <c>audit_log</c> row (action <see cref="Action"/>, actor
/// <c>client:&lt;id&gt;</c>, role <c>client</c>, the client's unit, subject the method and path with its query), committed before
/// the endpoint runs — so a call with no row is a call that was not served. Runs after authentication, authorization and the
/// rate limits: what it records was admitted.
/// </summary>
public sealed class ClientCallAudit(RequestDelegate next, AuditLog audit)
{
    /// <summary>The audit action of a machine client's call.</summary>
    public const string Action = "client.call";

    /// <summary>The subject kept: method, path and query, at most this long.</summary>
    private const int MaxSubject = 1000;

    public async Task InvokeAsync(HttpContext context)
    {
        if (MachineClientStanding.ClientIdOf(context.User) is not null && context.GetEndpoint() is { } endpoint)
        {
            var request = context.Request;
            var subject = $"{request.Method} {request.Path}{request.QueryString}";
            var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText;
            await audit.RecordAsync(new AuditedAccess(context.User.Username(), Roles.Client, Action, Unmasked: false, Purpose: null, Detail: route),
                subject.Length > MaxSubject ? subject[..MaxSubject] : subject, context.User.UnitCodeOf(), context.RequestAborted);
        }

        await next(context);
    }
}
