using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Alerts;

/// <summary>
/// <c>/api/v1/alert-silences</c>: silences for planned work. While one runs, alerts of its rule (or of
/// every rule) within its unit scope are suppressed instead of firing and do not escalate; when it ends
/// they fire. Who set it and why is kept.
/// </summary>
public static class AlertSilencesApi
{
    public sealed record SilenceRequest(string? OpId, string? UnitScope, string? RuleId, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? Reason);

    public static RouteGroupBuilder MapAlertSilencesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/alert-silences").WithTags("Alerts");

        group.MapGet("/", async Task<Results<Ok<Page<AlertSilence>>, ProblemHttpResult>> (
            string? unit, HttpContext context, AlertRuleStore store, TimeProvider clock, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, null, context.User, out _) is { } problem)
            {
                return problem;
            }

            var silences = await store.SilencesAsync(clock.GetUtcNow(), unit!, ct);
            return TypedResults.Ok(new Page<AlertSilence>(silences, null));
        })
        .WithSummary("Silences within a unit that are running or planned.");

        group.MapPost("/", async Task<Results<Created<AlertSilence>, ProblemHttpResult, ValidationProblem>> (
            SilenceRequest request, HttpContext context, AlertRuleStore store, TimeProvider clock, CancellationToken ct) =>
        {
            var now = clock.GetUtcNow();
            var startsAt = request.StartsAt ?? now;
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(UnitCode.IsValid(request.UnitScope), "unitScope", "a unit code")
                .Check(request.EndsAt is { } endsAt && endsAt > startsAt && endsAt > now && endsAt - startsAt <= AlertRuleStore.LongestSilence,
                    "endsAt", "after startsAt and in the future, at most 31 days after startsAt")
                .Check(!string.IsNullOrWhiteSpace(request.Reason) && request.Reason.Length <= 500, "reason", "required (the planned work), at most 500 characters")
                .Check(request.RuleId is not { } ruleId || (await store.HistoryAsync(ruleId, ct)).Count > 0, "ruleId", "no such rule; leave it out to silence every rule");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await DenyAsync(context.User, request.UnitScope!, request.RuleId, store, ct) is { } denied)
            {
                return denied;
            }

            var (outcome, silence, refusal) = await store.CreateSilenceAsync(
                request.UnitScope!, request.RuleId, startsAt, request.EndsAt!.Value, request.Reason!, context.User.Username(), request.OpId!, ct);
            return outcome switch
            {
                ChangeOutcome.OpIdReused => Problems.OpIdReused(),
                ChangeOutcome.Conflict => Problems.Conflict("The silence is not allowed", refusal),
                _ => TypedResults.Created($"/api/v1/alert-silences/{silence!.Id}", silence),
            };
        })
        .WithSummary("Silence alerts for planned work: a unit scope, optionally one rule, a time window and the reason. A silence that would cover a protected rule (critical, about key persons) only by corrections staff or the city level, else 403.");

        group.MapDelete("/{id:guid}", async Task<Results<Ok<AlertSilence>, ProblemHttpResult>> (
            Guid id, HttpContext context, AlertRuleStore store, TimeProvider clock, CancellationToken ct) =>
        {
            var silence = await store.FindSilenceAsync(id, ct);
            if (silence is null)
            {
                return Problems.NotFound();
            }

            if (await DenyAsync(context.User, silence.UnitScope, silence.RuleId, store, ct) is { } denied)
            {
                return denied;
            }

            return TypedResults.Ok((await store.EndSilenceAsync(id, context.User.Username(), clock.GetUtcNow(), ct))!);
        })
        .WithSummary("End a silence now (the work finished early); suppressed alerts then fire. Ending one already over changes nothing.");

        return group;
    }

    /// <summary>
    /// Who may set (or end) a silence: someone whose unit holds its scope (else 404); for the ordinary rules it covers, a role
    /// that manages rules; for the protected rules it covers (<see cref="ProtectedRules"/>, by the rules as they stand now),
    /// corrections staff or the city level (else 403 <see cref="AlertAccess.ProtectedRule"/>). Corrections staff, who manage no
    /// rules, may so silence a protected rule they name. A silence of every rule covers ordinary rules too, and rules saved later.
    /// </summary>
    private static async Task<ProblemHttpResult?> DenyAsync(ClaimsPrincipal user, string unitScope, string? ruleId, AlertRuleStore store, CancellationToken ct)
    {
        if (ScopeGuard.Check(user, unitScope, Permission.ViewUnits) == ScopeDecision.OutOfScope)
        {
            return Problems.NotFound();
        }

        var covered = (await store.CurrentRulesAsync(ct)).Where(rule => AlertSilence.WouldCover(unitScope, ruleId, rule)).ToList();
        var protectedRules = covered.Where(rule => rule.IsProtected()).Select(rule => rule.Id).Order(StringComparer.Ordinal).ToList();
        if ((ruleId is null || protectedRules.Count == 0) && ScopeGuard.Deny(user, unitScope, Permission.ManageAlertRules) is { } denied)
        {
            return denied;
        }

        return protectedRules.Count > 0 && !AlertAccess.MayHandleProtected(user)
            ? AlertAccess.DenyProtected(protectedRules.Count > 5 ? [.. protectedRules.Take(5), "…"] : protectedRules)
            : null;
    }
}
