using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Administration;
using OpsCentre.Database.Operations;
using OpsCentre.Database.Operators;
using OpsCentre.Gateway.Administration;
using OpsCentre.Gateway.Hosting;

namespace OpsCentre.Gateway.Auth;

/// <summary><c>POST /api/v1/auth/password</c>: a signed-in operator changes their own password (修改密码), under the password policy.</summary>
public static class PasswordApi
{
    public sealed record ChangeRequest(string? OpId, string? CurrentPassword, string? NewPassword);

    public static RouteGroupBuilder MapPasswordApi(this IEndpointRouteBuilder app)
    {
        // Beside the anonymous sign-in endpoints, but not anonymous: the caller's token says whose password it is.
        var group = app.MapGroup("/api/v1/auth").WithTags("Auth");

        group.MapPost("/password", async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> (
            ChangeRequest request, HttpContext context, OperatorStore operators, AdminChanges changes, IConfiguration configuration, CancellationToken ct) =>
        {
            var user = context.User;
            var username = user.Username();
            var errors = new RequestErrors().OpId(request.OpId).Check(!string.IsNullOrEmpty(request.CurrentPassword), "currentPassword", "required");
            if (errors.Any)
            {
                return errors.Problem();
            }

            var operation = new Operation(username, request.OpId!, "operator.change-password", OperationIds.Hash(username));
            // A retry of a change that was applied finds the new password in place: it goes on to the ledger, which replays it.
            if (!await operators.IsPasswordAsync(username, request.CurrentPassword!, ct)
                && !(request.NewPassword is { Length: > 0 } next && await operators.IsPasswordAsync(username, next, ct)))
            {
                // Not counted towards the sign-in lockout: a wrong guess here would lock the holder out of signing in. Guessing
                // needs the holder's token and runs into the per-token rate limit.
                return Problems.Unprocessable("currentPassword", "not your current password");
            }

            if (OperatorsApi.PasswordProblem(configuration, username, request.NewPassword) is { } weak)
            {
                return Problems.Unprocessable("newPassword", weak);
            }

            var written = await changes.WriteAsync(OperatorsApi.Actor(user), operation, username, async (connection, transaction, token) =>
            {
                if (await OperatorStore.LockAsync(connection, transaction, username, token) is not { } account)
                {
                    return AdminStep.Missing();
                }

                await OperatorStore.SetPasswordAsync(connection, transaction, username, request.NewPassword!, signOutAt: null, token);
                return AdminStep.Apply(new AdminChange(AdminEntityKinds.Operator, username, account.UnitCode, "change-own-password",
                    new { account.Username }, new { account.Username, PasswordChanged = true }));
            }, ct);
            return written.Outcome switch
            {
                AdminOutcome.Applied or AdminOutcome.Replayed => TypedResults.NoContent(),
                AdminOutcome.OpIdReused => Problems.OpIdReused(),
                _ => Problems.NotFound(),
            };
        })
        .WithName("ChangeOwnPassword")
        .WithSummary("Change your own password: the current one (422 on `currentPassword` when wrong) and a new one "
            + "under the password policy (422 on `newPassword`). 204; your sessions stay signed in.");

        return group;
    }
}
