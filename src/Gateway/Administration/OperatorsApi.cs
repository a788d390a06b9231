using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Administration;
using OpsCentre.Database.Operations;
using OpsCentre.Database.Operators;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Administration;

/// <summary>
/// <c>/api/v1/operators</c>: the accounts of a centre (账号管理) — list, read, create, change, disable and enable, reset the
/// password — within the caller's unit and under the grant rules (<see cref="GrantRules"/>). Every change is one row of the
/// administrative change log (<see cref="AdminChanges"/>) under the caller's opId; a password hash never leaves the server.
/// </summary>
public static partial class OperatorsApi
{
    public sealed record CreateRequest(string? OpId, string? Username, string? DisplayName, string? Role, string? UnitCode, string? DepartmentCode, string? Password);

    public sealed record ChangeRequest(string? OpId, string? DisplayName, string? Role, string? UnitCode, string? DepartmentCode);

    public sealed record OpRequest(string? OpId);

    public sealed record PasswordRequest(string? OpId, string? Password);

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$")]
    private static partial System.Text.RegularExpressions.Regex Username();

    public static RouteGroupBuilder MapOperatorsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/operators").WithTags("Administration");

        group.MapGet("/", async Task<Results<Ok<Page<OperatorAccount>>, ProblemHttpResult>> (
            string? unit, string? role, bool? disabled, int? limit, string? after, HttpContext context, OperatorStore operators, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit ?? context.User.UnitCodeOf(), limit, context.User, out var take, Permission.ManageOperators) is { } problem)
            {
                return problem;
            }

            if (role is not null && !Roles.All.Contains(role))
            {
                return Problems.InvalidQuery("role", $"one of {string.Join(", ", Roles.All)}");
            }

            var rows = await operators.ListAsync(context.User.UnitCodeOf(), unit, role, disabled, after, take + 1, ct);
            return TypedResults.Ok(Page<OperatorAccount>.From(rows, take, a => a.Username));
        })
        .WithName("ListOperators")
        .WithSummary("The accounts within the caller's unit (or within `unit`), by username; filter by `role` and `disabled`. Admins and operators.");

        group.MapGet("/{username}", async Task<Results<Ok<OperatorAccount>, ProblemHttpResult>> (string username, HttpContext context, OperatorStore operators, CancellationToken ct) =>
            await operators.FindAsync(username, ct) is not { } account
                ? Problems.NotFound()
                : ScopeGuard.Deny(context.User, account.UnitCode, Permission.ManageOperators) is { } denied ? denied : TypedResults.Ok(account))
            .WithName("GetOperator")
            .WithSummary("One account: username, display name, role, unit, department, whether disabled. Never its password.");

        group.MapPost("/", CreateAsync)
            .WithName("CreateOperator")
            .WithSummary("Create an account with an initial password (the password policy applies: 422 on `password`). A role at or above the caller's "
                + "is 422 on `role`, a unit outside the caller's is 422 on `unitCode`. The same opId again answers the account as it stands.");

        group.MapPatch("/{username}", ChangeAsync)
            .WithName("ChangeOperator")
            .WithSummary("Change an account's display name, role, unit or department (only the fields given). The new role and unit obey the grant rules "
                + "(422 on `role` / `unitCode`); an account at or above the caller's role, or the caller's own, is 403; demoting the last enabled admin is 409.");

        group.MapPost("/{username}/disable", (string username, OpRequest request, HttpContext context, AdminChanges changes, OperatorStore operators, CancellationToken ct) =>
            SetDisabledAsync(username, request, disabled: true, context, changes, operators, ct))
            .WithName("DisableOperator")
            .WithSummary("Disable an account: its tokens stop working within Auth:StandingCheckSeconds and it cannot sign in or refresh. "
                + "Not one's own; not the last enabled admin (409).");

        group.MapPost("/{username}/enable", (string username, OpRequest request, HttpContext context, AdminChanges changes, OperatorStore operators, CancellationToken ct) =>
            SetDisabledAsync(username, request, disabled: false, context, changes, operators, ct))
            .WithName("EnableOperator")
            .WithSummary("Enable a disabled account again.");

        group.MapPost("/{username}/password", ResetPasswordAsync)
            .WithName("ResetOperatorPassword")
            .WithSummary("Set a new password for an account (the password policy applies: 422 on `password`) and revoke its refresh tokens, "
                + "so its sessions end when their access tokens expire. The account's holder changes it with POST /api/v1/auth/password.");

        return group;
    }

    private static async Task<Results<Created<OperatorAccount>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        CreateRequest request, HttpContext context, AdminChanges changes, OperatorStore operators, MapStore map, IncidentCatalog catalog,
        IConfiguration configuration, CancellationToken ct)
    {
        var user = context.User;
        if (!Roles.Allows(user.RoleOf(), Permission.ManageOperators))
        {
            return Problems.Forbidden();
        }

        var errors = new RequestErrors().OpId(request.OpId)
            .Check(request.Username is not null && Username().IsMatch(request.Username), "username", "3 to 64 characters: a-z, 0-9, '.', '_', '-', starting with a letter or digit")
            .Check(request.DisplayName is { Length: > 0 and <= 100 } && !string.IsNullOrWhiteSpace(request.DisplayName), "displayName", "1 to 100 characters")
            .Check(request.Role is not null && Roles.All.Contains(request.Role), "role", $"one of {string.Join(", ", Roles.All)}")
            .Check(UnitCode.IsValid(request.UnitCode), "unitCode", "a unit code")
            .Check((request.Role == Roles.Department) == (request.DepartmentCode is not null), "departmentCode", "required for role department, and only for it");
        if (errors.Any)
        {
            return errors.Problem();
        }

        var account = new OperatorAccount(request.Username!, request.DisplayName!.Trim(), request.Role!, request.UnitCode!, Disabled: false, request.DepartmentCode);
        if (await TargetProblemAsync(user, account, map, catalog, ct) is { } unfit)
        {
            return unfit;
        }

        if (PasswordProblem(configuration, account.Username, request.Password) is { } weak)
        {
            return Problems.Unprocessable("password", weak);
        }

        // The password is not part of the request's digest: the ledger keeps digests, and a digest of a password is a way to guess it.
        var operation = new Operation(user.Username(), request.OpId!, "operator.create",
            OperationIds.Hash(account.Username, account.DisplayName, account.Role, account.UnitCode, account.DepartmentCode));
        var written = await changes.WriteAsync(Actor(user), operation, account.Username, async (connection, transaction, token) =>
            await OperatorStore.InsertAsync(connection, transaction, account, request.Password!, token)
                ? AdminStep.Apply(new AdminChange(AdminEntityKinds.Operator, account.Username, account.UnitCode, "create", null, account))
                : AdminStep.Refuse("An account with this username exists"), ct);
        return written.Outcome switch
        {
            AdminOutcome.Applied or AdminOutcome.Replayed when await operators.FindAsync(account.Username, ct) is { } stored =>
                TypedResults.Created($"/api/v1/operators/{stored.Username}", stored),
            AdminOutcome.OpIdReused => Problems.OpIdReused(),
            AdminOutcome.Refused => Problems.Conflict(written.Reason!),
            _ => Problems.NotFound(),
        };
    }

    private static async Task<Results<Ok<OperatorAccount>, ProblemHttpResult, ValidationProblem>> ChangeAsync(
        string username, ChangeRequest request, HttpContext context, AdminChanges changes, OperatorStore operators, MapStore map, IncidentCatalog catalog, CancellationToken ct)
    {
        var user = context.User;
        if (await AdministrableAsync(username, user, operators, ct) is { } refused)
        {
            return refused;
        }

        var errors = new RequestErrors().OpId(request.OpId)
            .Check(request.DisplayName is null || (request.DisplayName.Length is > 0 and <= 100 && !string.IsNullOrWhiteSpace(request.DisplayName)), "displayName", "1 to 100 characters")
            .Check(request.Role is null || Roles.All.Contains(request.Role), "role", $"one of {string.Join(", ", Roles.All)}")
            .Check(request.UnitCode is null || UnitCode.IsValid(request.UnitCode), "unitCode", "a unit code");
        if (errors.Any)
        {
            return errors.Problem();
        }

        var changed = Merged((await operators.FindAsync(username, ct))!, request);
        if (changed.Role == Roles.Department && changed.DepartmentCode is null)
        {
            return Problems.Invalid("departmentCode", "required for role department");
        }

        if (await TargetProblemAsync(user, changed, map, catalog, ct) is { } unfit)
        {
            return unfit;
        }

        var operation = new Operation(user.Username(), request.OpId!, "operator.change",
            OperationIds.Hash(username, request.DisplayName, request.Role, request.UnitCode, request.DepartmentCode));
        var written = await changes.WriteAsync(Actor(user), operation, username, async (connection, transaction, token) =>
        {
            if (await OperatorStore.LockAsync(connection, transaction, username, token) is not { } old)
            {
                return AdminStep.Missing();
            }

            // The request's fields over the account as it stands now; what was checked above must still be what is written.
            var next = Merged(old, request);
            if (next.Role != changed.Role || next.UnitCode != changed.UnitCode || next.DepartmentCode != changed.DepartmentCode
                || GrantRules.MayAdminister(user, old) != GrantDecision.Allowed)
            {
                return AdminStep.Refuse("The account changed meanwhile; read it again");
            }

            if (old.Role == Roles.Admin && next.Role != Roles.Admin && !old.Disabled && await OperatorStore.OtherEnabledAdminsAsync(connection, transaction, username, token) == 0)
            {
                return AdminStep.Refuse("The last enabled admin keeps the role");
            }

            await OperatorStore.UpdateAsync(connection, transaction, next, token);
            return AdminStep.Apply(new AdminChange(AdminEntityKinds.Operator, username, next.UnitCode, "change", old, next));
        }, ct);
        return await AnswerAsync(written, username, operators, ct);
    }

    private static async Task<Results<Ok<OperatorAccount>, ProblemHttpResult, ValidationProblem>> SetDisabledAsync(
        string username, OpRequest request, bool disabled, HttpContext context, AdminChanges changes, OperatorStore operators, CancellationToken ct)
    {
        var user = context.User;
        if (await AdministrableAsync(username, user, operators, ct) is { } refused)
        {
            return refused;
        }

        if (!OperationIds.IsValid(request.OpId))
        {
            return Problems.Invalid("opId", OperationIds.Requirement);
        }

        var operation = new Operation(user.Username(), request.OpId!, disabled ? "operator.disable" : "operator.enable", OperationIds.Hash(username));
        var written = await changes.WriteAsync(Actor(user), operation, username, async (connection, transaction, token) =>
        {
            if (await OperatorStore.LockAsync(connection, transaction, username, token) is not { } old)
            {
                return AdminStep.Missing();
            }

            if (GrantRules.MayAdminister(user, old) != GrantDecision.Allowed)
            {
                return AdminStep.Refuse("The account changed meanwhile; read it again");
            }

            if (disabled && old is { Role: Roles.Admin, Disabled: false } && await OperatorStore.OtherEnabledAdminsAsync(connection, transaction, username, token) == 0)
            {
                return AdminStep.Refuse("The last enabled admin cannot be disabled");
            }

            var next = old with { Disabled = disabled };
            await OperatorStore.UpdateAsync(connection, transaction, next, token);
            return AdminStep.Apply(new AdminChange(AdminEntityKinds.Operator, username, next.UnitCode, disabled ? "disable" : "enable", old, next));
        }, ct);
        return await AnswerAsync(written, username, operators, ct);
    }

    private static async Task<Results<Ok<OperatorAccount>, ProblemHttpResult, ValidationProblem>> ResetPasswordAsync(
        string username, PasswordRequest request, HttpContext context, AdminChanges changes, OperatorStore operators, IConfiguration configuration,
        TimeProvider clock, CancellationToken ct)
    {
        var user = context.User;
        if (await AdministrableAsync(username, user, operators, ct) is { } refused)
        {
            return refused;
        }

        if (!OperationIds.IsValid(request.OpId))
        {
            return Problems.Invalid("opId", OperationIds.Requirement);
        }

        if (PasswordProblem(configuration, username, request.Password) is { } weak)
        {
            return Problems.Unprocessable("password", weak);
        }

        var operation = new Operation(user.Username(), request.OpId!, "operator.reset-password", OperationIds.Hash(username));
        var written = await changes.WriteAsync(Actor(user), operation, username, async (connection, transaction, token) =>
        {
            if (await OperatorStore.LockAsync(connection, transaction, username, token) is not { } old)
            {
                return AdminStep.Missing();
            }

            if (GrantRules.MayAdminister(user, old) != GrantDecision.Allowed)
            {
                return AdminStep.Refuse("The account changed meanwhile; read it again");
            }

            await OperatorStore.SetPasswordAsync(connection, transaction, username, request.Password!, clock.GetUtcNow(), token);
            return AdminStep.Apply(new AdminChange(AdminEntityKinds.Operator, username, old.UnitCode, "reset-password",
                new { old.Username }, new { old.Username, PasswordReset = true, RefreshTokensRevoked = true }));
        }, ct);
        return await AnswerAsync(written, username, operators, ct);
    }

    /// <summary>The account with the request's fields in place of its own; a role other than department drops the department.</summary>
    private static OperatorAccount Merged(OperatorAccount account, ChangeRequest request)
    {
        var role = request.Role ?? account.Role;
        return account with
        {
            DisplayName = request.DisplayName?.Trim() ?? account.DisplayName,
            Role = role,
            UnitCode = request.UnitCode ?? account.UnitCode,
            DepartmentCode = role == Roles.Department ? request.DepartmentCode ?? account.DepartmentCode : null,
        };
    }

    /// <summary>
    /// Null when the caller may administer the account: it exists within their unit (else 404), their role manages accounts
    /// (else 403), and the grant rules put it below them and it is not their own (else 403).
    /// </summary>
    private static async Task<ProblemHttpResult?> AdministrableAsync(string username, ClaimsPrincipal user, OperatorStore operators, CancellationToken ct)
    {
        if (await operators.FindAsync(username, ct) is not { } account)
        {
            return Problems.NotFound();
        }

        if (ScopeGuard.Deny(user, account.UnitCode, Permission.ManageOperators) is { } denied)
        {
            return denied;
        }

        return GrantRules.MayAdminister(user, account) == GrantDecision.Allowed
            ? null
            : Problems.Forbidden("You may not administer this account",
                account.Username == user.Username() ? "Nobody administers their own account; change your password with POST /api/v1/auth/password." : "Its role is not below yours.");
    }

    /// <summary>Null when the account's new role, unit and department fit the grant rules and exist; else 422 on the field.</summary>
    private static async Task<ProblemHttpResult?> TargetProblemAsync(ClaimsPrincipal user, OperatorAccount account, MapStore map, IncidentCatalog catalog, CancellationToken ct)
    {
        switch (GrantRules.Check(user, account.Role, account.UnitCode))
        {
            case GrantDecision.UnitOutOfScope:
                return Problems.Unprocessable("unitCode", "outside your unit: you grant only within it");
            case GrantDecision.RoleNotGrantable:
                return Problems.Unprocessable("role", "not a role you may grant (docs/security.md, \"Granting roles\")");
        }

        if (await map.FindAsync(account.UnitCode, ct) is null)
        {
            return Problems.Unprocessable("unitCode", "no such unit");
        }

        if (account.DepartmentCode is { } code
            && (await catalog.DepartmentAsync(code, ct) is not { Disabled: false } department || department.DistrictCode != account.UnitCode))
        {
            return Problems.Unprocessable("departmentCode", "an enabled department of the district that is the account's unit");
        }

        return null;
    }

    private static async Task<Results<Ok<OperatorAccount>, ProblemHttpResult, ValidationProblem>> AnswerAsync(
        AdminWrite written, string username, OperatorStore operators, CancellationToken ct) => written.Outcome switch
        {
            AdminOutcome.Applied or AdminOutcome.Replayed when await operators.FindAsync(username, ct) is { } stored => TypedResults.Ok(stored),
            AdminOutcome.OpIdReused => Problems.OpIdReused(),
            AdminOutcome.Refused => Problems.Conflict(written.Reason!),
            _ => Problems.NotFound(),
        };

    internal static AdminActor Actor(ClaimsPrincipal user) => new(user.Username(), user.RoleOf() ?? "");

    /// <summary>
    /// Why the password breaks the policy (<see cref="PasswordPolicy"/>), or null. The demo accounts' password
    /// (<c>OPSCENTRE_DEMO_PASSWORD</c>, default <c>demo-password</c>) is allowed only while the demo city is loaded (<c>OPSCENTRE_DEMO=on</c>).
    /// </summary>
    internal static string? PasswordProblem(IConfiguration configuration, string username, string? password) =>
        PasswordPolicy.ProblemWith(username, password, string.Equals(configuration["OPSCENTRE_DEMO"], "on", StringComparison.OrdinalIgnoreCase),
            configuration["OPSCENTRE_DEMO_PASSWORD"] is { Length: > 0 } demo ? demo : DemoOperators.DefaultPassword);
}
