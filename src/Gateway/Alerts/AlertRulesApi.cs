using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Alerts;

/// <summary>
/// <c>/api/v1/alert-rules</c>: rules as versioned data. A change is validated whole (a bad rule changes
/// nothing), stored as the rule's next version under the caller's operation id, and reaches the grains
/// that evaluate it within a second, without a restart. A caller manages rules whose scope lies within
/// their unit, and sees those as well as the ones above that apply to their unit.
/// </summary>
public static class AlertRulesApi
{
    public sealed record RuleTarget(string? SubjectKind, string? UnitScope);

    public sealed record RuleRequest(
        string? OpId, string? Id, string? Title, string? Kind, RuleTarget? Target, string? Severity, JsonElement Parameters,
        int? PendingSeconds, int? RecoverySeconds, EscalationPolicy? Escalation, bool? Enabled, int? ExpectedVersion);

    /// <param name="Fault">Set when this version failed to compile or evaluate: it is skipped wherever it applies until a new version replaces it.</param>
    public sealed record RuleResponse(
        string Id, int Version, string Title, string Kind, RuleTarget Target, string Severity, JsonElement Parameters,
        int PendingSeconds, int RecoverySeconds, EscalationPolicy? Escalation, bool Enabled, string ChangedBy, DateTimeOffset ChangedAt, RuleFault? Fault)
    {
        public static RuleResponse From(AlertRule r, IReadOnlyDictionary<(string, int), RuleFault>? faults = null) => new(
            r.Id, r.Version, r.Title, r.Kind, new RuleTarget(r.SubjectKind, r.UnitScope), r.Severity, JsonDocument.Parse(r.ParametersJson).RootElement.Clone(),
            r.PendingSeconds, r.RecoverySeconds, r.Escalation, r.Enabled, r.ChangedBy, r.ChangedAt, faults?.GetValueOrDefault((r.Id, r.Version)));
    }

    /// <summary>A copy of a rule under a new <paramref name="Id"/>, narrowed to <paramref name="UnitScope"/>; title and enabled may change, the rest is copied.</summary>
    public sealed record CopyRequest(string? OpId, string? Id, string? UnitScope, string? Title, bool? Enabled);

    /// <summary>The title of the 403 for a change of a rule managed above the caller's unit.</summary>
    public const string AboveTitle = "The rule is managed above your unit";

    /// <summary>The most rules managed in one unit scope.</summary>
    public const int MaxRulesPerScope = 200;

    public static RouteGroupBuilder MapAlertRulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/alert-rules").WithTags("Alerts");

        group.MapGet("/", async Task<Ok<Page<RuleResponse>>> (HttpContext context, AlertRuleStore store, CancellationToken ct) =>
        {
            var faults = await store.FaultsAsync(ct);
            var rules = (await store.CurrentRulesAsync(ct)).Where(r => Relevant(context.User, r)).Select(r => RuleResponse.From(r, faults)).ToList();
            return TypedResults.Ok(new Page<RuleResponse>(rules, null));
        })
        .WithSummary("The current version of every rule that applies within the caller's unit or is managed there.");

        group.MapGet("/{id}", async Task<Results<Ok<Page<RuleResponse>>, ProblemHttpResult>> (string id, HttpContext context, AlertRuleStore store, CancellationToken ct) =>
        {
            var versions = await store.HistoryAsync(id, ct);
            if (versions.Count == 0 || !Relevant(context.User, versions[0]))
            {
                return Problems.NotFound();
            }

            var faults = await store.FaultsAsync(ct);
            return TypedResults.Ok(new Page<RuleResponse>([.. versions.Select(r => RuleResponse.From(r, faults))], null));
        })
        .WithSummary("Every version of one rule, newest first: who changed what, and when.");

        group.MapPost("/", (RuleRequest request, HttpContext context, AlertRuleStore store, CancellationToken ct) =>
            SaveAsync(request, request.Id, expectedVersion: 0, context, store, ct))
            .WithSummary("Create a rule (version 1). The same opId again returns the rule as first stored. A kind that nothing evaluates for the target's subject kind is 400 on 'kind'.");

        group.MapPut("/{id}", async Task<Results<Created<RuleResponse>, Ok<RuleResponse>, ProblemHttpResult, ValidationProblem>> (
            string id, RuleRequest request, HttpContext context, AlertRuleStore store, CancellationToken ct) =>
        {
            var current = (await store.HistoryAsync(id, ct)).FirstOrDefault();
            if (current is null || !Relevant(context.User, current))
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Check(context.User, current.UnitScope, Permission.ManageAlertRules) == ScopeDecision.OutOfScope)
            {
                // It applies to the caller's unit from above (the city's, another level's): theirs to read, not to change.
                return Problems.Forbidden(AboveTitle, $"Rule {id} is managed at {current.UnitScope}; copy it to your unit to tune it: POST /api/v1/alert-rules/{id}/copies.");
            }

            if (ScopeGuard.Deny(context.User, current.UnitScope, Permission.ManageAlertRules) is { } denied)
            {
                return denied;
            }

            if (request.ExpectedVersion is not { } expected)
            {
                return Problems.Invalid("expectedVersion", "the version being changed, as last read");
            }

            return await SaveAsync(request, id, expected, context, store, ct);
        })
        .WithSummary("Change a rule: stores its next version (expectedVersion must be the current one, else 409). Switch a rule off with enabled: false. "
            + "A rule managed above the caller's unit (the city's) is 403: copy it instead.");

        group.MapPost("/{id}/copies", async Task<Results<Created<RuleResponse>, Ok<RuleResponse>, ProblemHttpResult, ValidationProblem>> (
            string id, CopyRequest request, HttpContext context, AlertRuleStore store, CancellationToken ct) =>
        {
            var source = (await store.HistoryAsync(id, ct)).FirstOrDefault();
            if (source is null || !Relevant(context.User, source))
            {
                return Problems.NotFound();
            }

            if (request.UnitScope is not { } scope || !UnitCode.IsValid(scope) || !UnitCode.IsWithin(scope, source.UnitScope))
            {
                return Problems.Invalid("unitScope", $"a unit code within the copied rule's scope {source.UnitScope}");
            }

            var copy = new RuleRequest(
                request.OpId, request.Id, request.Title ?? source.Title, source.Kind, new RuleTarget(source.SubjectKind, scope), source.Severity,
                JsonDocument.Parse(source.ParametersJson).RootElement.Clone(), source.PendingSeconds, source.RecoverySeconds, source.Escalation,
                request.Enabled ?? source.Enabled, ExpectedVersion: null);
            return await SaveAsync(copy, request.Id, expectedVersion: 0, context, store, ct);
        })
        .WithName("CopyAlertRule")
        .WithSummary("Copy a rule that applies to the caller's unit (the city's, say) into a narrower scope within both, under a new id, as version 1 of a rule the "
            + "caller manages and may tune; the original is untouched. The same opId again returns the copy as first stored.");

        return group;
    }

    private static async Task<Results<Created<RuleResponse>, Ok<RuleResponse>, ProblemHttpResult, ValidationProblem>> SaveAsync(
        RuleRequest request, string? id, int expectedVersion, HttpContext context, AlertRuleStore store, CancellationToken ct)
    {
        var draft = new RuleDraft(
            id ?? "", request.Title ?? "", request.Kind ?? "", request.Target?.SubjectKind ?? "", request.Target?.UnitScope ?? "",
            request.Severity ?? "", request.Parameters.ValueKind == JsonValueKind.Object ? request.Parameters.GetRawText() : "null",
            request.PendingSeconds ?? 0, request.RecoverySeconds ?? 0, request.Escalation, request.Enabled ?? true);
        var errors = new RequestErrors().Add(draft.Validate()).OpId(request.OpId);
        if (errors.Any)
        {
            return errors.Problem();
        }

        if (ScopeGuard.Deny(context.User, draft.UnitScope, Permission.ManageAlertRules) is { } denied)
        {
            return denied;
        }

        if (expectedVersion == 0 && await store.RulesInScopeAsync(draft.UnitScope, ct) >= MaxRulesPerScope)
        {
            return Problems.Conflict($"A unit scope holds at most {MaxRulesPerScope} rules; change or switch off one instead");
        }

        var (outcome, rule) = await store.SaveAsync(draft, expectedVersion, context.User.Username(), request.OpId!, ct);
        return outcome switch
        {
            ChangeOutcome.Stored or ChangeOutcome.Replayed when rule!.Version == 1 => TypedResults.Created($"/api/v1/alert-rules/{rule.Id}", RuleResponse.From(rule)),
            ChangeOutcome.Stored or ChangeOutcome.Replayed => TypedResults.Ok(RuleResponse.From(rule!)),
            ChangeOutcome.OpIdReused => Problems.OpIdReused(),
            _ => Problems.Conflict(expectedVersion == 0 ? "A rule with this id exists" : "The rule has changed since that version; read it again"),
        };
    }

    /// <summary>A rule concerns the caller when it is managed within their unit or applies to it from above.</summary>
    private static bool Relevant(ClaimsPrincipal user, AlertRule rule) =>
        UnitCode.IsWithin(rule.UnitScope, user.UnitCodeOf()) || UnitCode.IsWithin(user.UnitCodeOf(), rule.UnitScope);
}
