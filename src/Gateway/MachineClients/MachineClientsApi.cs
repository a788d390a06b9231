using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Administration;
using OpsCentre.Database.MachineClients;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.MachineClients;

/// <summary>
/// <c>/api/v1/machine-clients</c>: administrators register departmental systems' machine clients (机器客户端) within their unit —
/// create (the secret shown once), list, read, rotate the secret (the old one keeps working for
/// <see cref="MachineClientOptions.SecretOverlap"/>), disable and enable. Every change is a row of the administrative change
/// log (<see cref="AdminChanges"/>) under the caller's opId; a secret is never stored or logged in clear.
/// </summary>
public static class MachineClientsApi
{
    public sealed record CreateRequest(string? OpId, string? ClientId, string? DisplayName, string? UnitCode, IReadOnlyList<string>? Permissions, int? PerSecond, int? Burst);

    public sealed record OpRequest(string? OpId);

    /// <summary>
    /// A client with the secret just made: shown this once, never again (a replay of the same opId answers <c>secret</c> null — rotate
    /// to get a new one). <c>previousSecretsEndAt</c>: after a rotation, when the secrets before it stop working.
    /// </summary>
    public sealed record ClientWithSecret(MachineClient Client, string? Secret, DateTimeOffset? PreviousSecretsEndAt);

    public static RouteGroupBuilder MapMachineClientsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/machine-clients").WithTags("Administration");

        group.MapGet("/", async Task<Results<Ok<Page<MachineClient>>, ProblemHttpResult>> (
            string? unit, int? limit, string? after, HttpContext context, MachineClientStore clients, CancellationToken ct) =>
        {
            var within = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(within, limit, context.User, out var take, Permission.ManageMachineClients) is { } problem)
            {
                return problem;
            }

            var rows = await clients.ListAsync(within, after, take + 1, ct);
            return TypedResults.Ok(Page<MachineClient>.From(rows, take, c => c.ClientId));
        })
        .WithName("ListMachineClients")
        .WithSummary("The machine clients registered within the caller's unit (or within `unit`), by client id. Administrators only.");

        group.MapGet("/{clientId}", async Task<Results<Ok<MachineClient>, ProblemHttpResult>> (string clientId, HttpContext context, MachineClientStore clients, CancellationToken ct) =>
            await clients.FindAsync(clientId, ct) is not { } client ? Problems.NotFound()
            : ScopeGuard.Deny(context.User, client.UnitCode, Permission.ManageMachineClients) is { } denied ? denied
            : TypedResults.Ok(client))
        .WithName("GetMachineClient")
        .WithSummary("One machine client: its unit, permissions, rate limit, whether disabled. Never a secret.");

        group.MapPost("/", CreateAsync)
            .WithName("CreateMachineClient")
            .WithSummary("Register a departmental system's machine client with a unit scope, permissions (cases:read, cases:write, events:read, registry-changes:read) "
                + "and a rate limit; answers its secret once. A unit outside the caller's is 422 on `unitCode`. The same opId again answers the client without its secret.");

        group.MapPost("/{clientId}/rotate", RotateAsync)
            .WithName("RotateMachineClientSecret")
            .WithSummary("A new secret for the client, shown once; the secrets before it keep working until `previousSecretsEndAt` (MachineClients:SecretOverlap, 24 h), then stop.");

        group.MapPost("/{clientId}/disable", (string clientId, OpRequest request, HttpContext context, AdminChanges changes, MachineClientStore clients, CancellationToken ct) =>
            SetDisabledAsync(clientId, request, true, context, changes, clients, ct))
            .WithName("DisableMachineClient")
            .WithSummary("Disable a client: it gets no new token, and its tokens stop working within Auth:StandingCheckSeconds.");

        group.MapPost("/{clientId}/enable", (string clientId, OpRequest request, HttpContext context, AdminChanges changes, MachineClientStore clients, CancellationToken ct) =>
            SetDisabledAsync(clientId, request, false, context, changes, clients, ct))
            .WithName("EnableMachineClient")
            .WithSummary("Enable a disabled client again; its secrets in force work again.");

        return group;
    }

    private static async Task<Results<Created<ClientWithSecret>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        CreateRequest request, HttpContext context, AdminChanges changes, MachineClientStore clients, IOptions<MachineClientOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var user = context.User;
        if (!Roles.Allows(user, Permission.ManageMachineClients))
        {
            return Problems.Forbidden();
        }

        var errors = new RequestErrors().OpId(request.OpId)
            .Check(OAuthTokenApi.IsClientId(request.ClientId), "clientId", "3 to 64 characters: a-z, 0-9, '.', '_', '-', starting with a letter or digit")
            .Check(request.DisplayName is { Length: > 0 and <= 100 } && !string.IsNullOrWhiteSpace(request.DisplayName), "displayName", "1 to 100 characters")
            .Check(UnitCode.IsValid(request.UnitCode), "unitCode", "a unit code")
            .Check(request.Permissions is { Count: > 0 } p && p.All(x => x is not null && ClientPermissions.IsKnown(x)) && p.Distinct().Count() == p.Count,
                "permissions", "one or more of " + string.Join(", ", ClientPermissions.All) + ", each once")
            .Check(request.PerSecond is null or (>= 1 and <= 100_000), "perSecond", "between 1 and 100000")
            .Check(request.Burst is null or (>= 1 and <= 1_000_000), "burst", "between 1 and 1000000");
        if (errors.Any)
        {
            return errors.Problem();
        }

        // Within your unit (GrantRules' first rule): the client's unit is the caller's or below it, named in the body, so 422 on the field.
        if (!UnitCode.IsWithin(request.UnitCode!, user.UnitCodeOf()))
        {
            return Problems.Unprocessable("unitCode", "must lie within your unit " + user.UnitCodeOf());
        }

        var client = new MachineClient(request.ClientId!, request.DisplayName!.Trim(), request.UnitCode!,
            [.. ClientPermissions.All.Where(request.Permissions!.Contains)], request.PerSecond ?? options.Value.DefaultPerSecond,
            request.Burst ?? options.Value.DefaultBurst, Disabled: false, clock.GetUtcNow(), user.Username());
        var secret = MachineClientStore.NewSecret();
        var operation = new Operation(user.Username(), request.OpId!, "machine-client.create",
            OperationIds.Hash(client.ClientId, client.DisplayName, client.UnitCode, string.Join(' ', client.Permissions), client.PerSecond, client.Burst));
        var written = await changes.WriteAsync(Actor(user), operation, client.ClientId, async (connection, transaction, token) =>
            await MachineClientStore.InsertAsync(connection, transaction, client, secret, token)
                ? AdminStep.Apply(new AdminChange(AdminEntityKinds.MachineClient, client.ClientId, client.UnitCode, "create", null, client))
                : AdminStep.Refuse("A client with this id exists"), ct);
        return written.Outcome switch
        {
            AdminOutcome.Applied or AdminOutcome.Replayed when await clients.FindAsync(client.ClientId, ct) is { } stored =>
                TypedResults.Created($"/api/v1/machine-clients/{stored.ClientId}",
                    new ClientWithSecret(stored, written.Outcome == AdminOutcome.Applied ? secret : null, null)),
            AdminOutcome.OpIdReused => Problems.OpIdReused(),
            AdminOutcome.Refused => Problems.Conflict(written.Reason!),
            _ => Problems.NotFound(),
        };
    }

    private static async Task<Results<Ok<ClientWithSecret>, ProblemHttpResult, ValidationProblem>> RotateAsync(
        string clientId, OpRequest request, HttpContext context, AdminChanges changes, MachineClientStore clients, IOptions<MachineClientOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        if (await AdministrableAsync(clientId, context.User, clients, ct) is { } refused)
        {
            return refused;
        }

        if (new RequestErrors().OpId(request.OpId) is { Any: true } errors)
        {
            return errors.Problem();
        }

        var secret = MachineClientStore.NewSecret();
        var now = clock.GetUtcNow();
        var ends = now + options.Value.SecretOverlap;
        var operation = new Operation(context.User.Username(), request.OpId!, "machine-client.rotate", OperationIds.Hash(clientId));
        var written = await changes.WriteAsync(Actor(context.User), operation, clientId, async (connection, transaction, token) =>
        {
            if (await MachineClientStore.LockAsync(connection, transaction, clientId, token) is not { } client)
            {
                return AdminStep.Missing();
            }

            var secretId = await MachineClientStore.RotateAsync(connection, transaction, clientId, secret, now, ends, token);
            return AdminStep.Apply(new AdminChange(AdminEntityKinds.MachineClient, clientId, client.UnitCode, "rotate-secret", null,
                new { secretId, previousSecretsEndAt = ends }));
        }, ct);
        return written.Outcome switch
        {
            AdminOutcome.Applied or AdminOutcome.Replayed when await clients.FindAsync(clientId, ct) is { } stored =>
                TypedResults.Ok(written.Outcome == AdminOutcome.Applied ? new ClientWithSecret(stored, secret, ends) : new ClientWithSecret(stored, null, null)),
            AdminOutcome.OpIdReused => Problems.OpIdReused(),
            _ => Problems.NotFound(),
        };
    }

    private static async Task<Results<Ok<MachineClient>, ProblemHttpResult, ValidationProblem>> SetDisabledAsync(
        string clientId, OpRequest request, bool disabled, HttpContext context, AdminChanges changes, MachineClientStore clients, CancellationToken ct)
    {
        if (await AdministrableAsync(clientId, context.User, clients, ct) is { } refused)
        {
            return refused;
        }

        if (new RequestErrors().OpId(request.OpId) is { Any: true } errors)
        {
            return errors.Problem();
        }

        var operation = new Operation(context.User.Username(), request.OpId!, disabled ? "machine-client.disable" : "machine-client.enable", OperationIds.Hash(clientId));
        var written = await changes.WriteAsync(Actor(context.User), operation, clientId, async (connection, transaction, token) =>
        {
            if (await MachineClientStore.LockAsync(connection, transaction, clientId, token) is not { } old)
            {
                return AdminStep.Missing();
            }

            await MachineClientStore.SetDisabledAsync(connection, transaction, clientId, disabled, token);
            return AdminStep.Apply(new AdminChange(AdminEntityKinds.MachineClient, clientId, old.UnitCode, disabled ? "disable" : "enable", old, old with { Disabled = disabled }));
        }, ct);
        return written.Outcome switch
        {
            AdminOutcome.Applied or AdminOutcome.Replayed when await clients.FindAsync(clientId, ct) is { } stored => TypedResults.Ok(stored),
            AdminOutcome.OpIdReused => Problems.OpIdReused(),
            _ => Problems.NotFound(),
        };
    }

    /// <summary>404 for a client that does not exist or lies outside the caller's unit, 403 for a caller who is not an administrator.</summary>
    private static async Task<ProblemHttpResult?> AdministrableAsync(string clientId, ClaimsPrincipal user, MachineClientStore clients, CancellationToken ct) =>
        await clients.FindAsync(clientId, ct) is not { } client ? Problems.NotFound() : ScopeGuard.Deny(user, client.UnitCode, Permission.ManageMachineClients);

    private static AdminActor Actor(ClaimsPrincipal user) => new(user.Username(), user.RoleOf() ?? "");
}
