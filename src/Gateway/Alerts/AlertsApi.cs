using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains;
using OpsCentre.Grains.Alerts;

namespace OpsCentre.Gateway.Alerts;

/// <summary>
/// <c>/api/v1/alerts</c>: the alert list (kept by the database from the event log), an alert with its
/// history (from its grain), and an operator's acknowledgement or resolution (through its grain, which
/// commits the event before answering).
/// </summary>
public static class AlertsApi
{
    public sealed record AlertAction(string? OpId, string? Note);

    /// <summary>A reply to a 督办 (its number; without one, the alert's latest): what the unit urged has done or will do.</summary>
    public sealed record ReplyRequest(string? OpId, int? Number, string? Reply);

    /// <summary>
    /// An alert as the API shows it: its current state and, on the detail call, its history and its 督办. <c>BreachedAt</c>: when
    /// the rule's condition began to hold; <c>DetectedOnReplay</c>: found in positions a device uploaded after a loss of signal, so
    /// later than it happened.
    /// </summary>
    public sealed record AlertResponse(
        string Id, string RuleId, int RuleVersion, string Title, string Severity, string State, AlertSubject Subject, string UnitCode,
        string ResponsibleUnitCode, int EscalationLevel, DateTimeOffset RaisedAt, string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt,
        string? ResolvedBy, DateTimeOffset? ResolvedAt, string? Note, DateTimeOffset? BreachedAt, bool DetectedOnReplay, EscalationPolicy? Escalation, int SupervisionCount, string? InhibitedBy,
        string? Assignee,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AlertHistoryEntry>? History,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Supervision>? Supervisions,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? DrillId = null)
    {
        /// <summary>An alert of a drill's scripted position (演练): true, with its <c>drillId</c>; absent otherwise.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
        public bool Drill => DrillId is not null;

        public static AlertResponse From(AlertView a, AlertDetail? detail = null) => new(
            a.Id, a.RuleId, a.RuleVersion, a.Title, a.Severity, a.State, a.Subject, a.UnitCode, a.ResponsibleUnitCode, a.EscalationLevel,
            a.RaisedAt, a.AcknowledgedBy, a.AcknowledgedAt, a.ResolvedBy, a.ResolvedAt, a.Note, a.BreachedAt, a.DetectedOnReplay, a.Policy(), a.SupervisionCount, a.InhibitedBy, a.Assignee,
            detail?.History, detail?.Supervisions, a.DrillId);
    }

    public static RouteGroupBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/alerts").WithTags("Alerts");

        group.MapGet("/", async Task<Results<Ok<Page<AlertItem>>, ProblemHttpResult>> (
            string? unit, string? state, string? severity, string? responsible, string? assignee, string? rule, DateTimeOffset? from, DateTimeOffset? to, int? limit,
            string? after, HttpContext context, AlertQueries alerts, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit, limit, context.User, out var take) is { } problem)
            {
                return problem;
            }

            if ((state is not null && !AlertStates.All.Contains(state)) || (severity is not null && !AlertSeverity.All.Contains(severity)))
            {
                return Problems.BadRequest($"state must be one of {string.Join(", ", AlertStates.All)}; severity one of {string.Join(", ", AlertSeverity.All)}");
            }

            if (!ListCursor.TryParse(after, out var cursor))
            {
                return Problems.BadRequest("after must be a cursor returned as next");
            }

            if (responsible is not null && !Grains.Units.UnitCode.IsValid(responsible))
            {
                return Problems.BadRequest("responsible must be a unit code");
            }

            if (assignee is { Length: 0 or > 100 })
            {
                return Problems.BadRequest("assignee must be a username, or me");
            }

            if (rule is { Length: 0 or > 100 } || (from is not null && to is not null && from > to))
            {
                return Problems.BadRequest("rule must be a rule id; from must not be after to");
            }

            // me: the caller's own alerts first (a corrections officer's persons).
            var assignedTo = assignee == "me" ? context.User.Username() : assignee;
            var rows = await alerts.ListAsync(new AlertFilter(unit!, state, severity, cursor, take + 1, AlertAccess.SeesKeyPersonAlerts(context.User), responsible,
                assignedTo, rule, from, to), ct);
            return TypedResults.Ok(Page<AlertItem>.From(rows, take, a => ListCursor.Format(a.RaisedAt, a.Id)));
        })
        .WithSummary("Alerts within a unit, newest first, filtered by state, severity, rule (its id), the period they were raised in (at or after `from`, before `to`) and the unit responsible now (where escalation has brought them); each with its escalation level and number of 督办; paged; assignee=me (or a username): only the alerts that go first to that account (a key person's responsible corrections officer). Alerts about key persons are listed only for roles that watch them (admin, operator, corrections).");

        group.MapGet("/{id}", async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> (
            string id, HttpContext context, IClusterClient cluster, PersonalDataReads reads, CancellationToken ct) =>
        {
            var (detail, denied) = await reads.ReadAboutAsync(async () =>
            {
                var found = await FindAsync(id, context, cluster, Permission.ViewUnits);
                // An alert about a key person is a read about them: on record, allowed or denied.
                var audit = found.Detail?.Alert is { } alert && alert.Subject.KeyPerson() is { } person
                    ? (PersonalDataReads.OperatorEntry(context.User, KeyPersonAlertRead, false, found.Denied is null ? "alert " + alert.Id : PersonalDataReads.Denied, null), person, alert.UnitCode)
                    : ((AuditedAccess, string, string)?)null;
                return (found, audit);
            }, ct);
            return denied is not null ? denied : TypedResults.Ok(AlertResponse.From(detail!.Alert, detail));
        })
        .WithSummary("One alert with its full history (every transition as committed to the event log) and its 督办 records (the unit urged, when, by which rule, reply due, the reply). Reading an alert about a key person is audited.");

        group.MapPost("/{id}/ack", (string id, AlertAction action, HttpContext context, IClusterClient cluster) =>
            ActAsync(id, action, context, cluster, guardsProtected: false, (alert, actor) => alert.Acknowledge(actor, action.OpId!, action.Note)))
            .WithSummary("Acknowledge: records who and when, stops escalation. Repeating it answers 200 and changes nothing.");

        group.MapPost("/{id}/resolve", (string id, AlertAction action, HttpContext context, IClusterClient cluster) =>
            ActAsync(id, action, context, cluster, guardsProtected: true, (alert, actor) => alert.Resolve(actor, action.OpId!, action.Note)))
            .WithSummary("Resolve by hand. Repeating it answers 200 and changes nothing. A protected rule's alert (critical, about a key person) only by corrections staff or the city level, else 403. While the condition still holds, a new alert opens once it has held on for the rule's recovery period.");

        group.MapPost("/{id}/reply", ReplyAsync)
            .WithSummary("The unit urged replies to one of the alert's 督办 (its number, or the latest): 403 for anyone else (an admin excepted); 409 once it is answered, or when the alert has no 督办; 422 for a number it has not; the same reply again answers 200 and changes nothing.");

        return group;
    }

    private static async Task<Results<Ok<Supervision>, ProblemHttpResult, ValidationProblem>> ReplyAsync(
        string id, ReplyRequest request, HttpContext context, IClusterClient cluster)
    {
        var errors = new RequestErrors().OpId(request.OpId)
            .Check(!string.IsNullOrWhiteSpace(request.Reply) && request.Reply.Length <= 2000, "reply", "required, at most 2000 characters")
            .Check(request.Number is null or > 0, "number", "a 督办's number (1, 2, …)");
        if (errors.Any)
        {
            return errors.Problem();
        }

        var (_, denied) = await FindAsync(id, context, cluster, Permission.HandleAlerts);
        if (denied is not null)
        {
            return denied;
        }

        var user = context.User;
        var result = await cluster.GetGrain<IAlertGrain>(id).Reply(new SupervisionReply(request.Number, user.Username(), user.RoleOf() ?? "", user.UnitCodeOf(), request.OpId!, request.Reply!));
        return result.Outcome switch
        {
            SupervisionReplyOutcome.Done or SupervisionReplyOutcome.Replayed => TypedResults.Ok(result.Supervision!),
            SupervisionReplyOutcome.Forbidden => Problems.Forbidden("Not your duty", result.Reason),
            SupervisionReplyOutcome.AlreadyReplied => Problems.Conflict("This 督办 has been answered already", result.Reason),
            SupervisionReplyOutcome.OpIdReused => Problems.OpIdReused(),
            SupervisionReplyOutcome.NoSuchSupervision when request.Number is null => Problems.Conflict("The alert has no 督办 to reply to"),
            SupervisionReplyOutcome.NoSuchSupervision => Problems.Unprocessable("number", result.Reason!),
            _ => Problems.NotFound(),
        };
    }

    /// <summary>The audit action of reading an alert about a key person.</summary>
    public const string KeyPersonAlertRead = "key-person.alert";

    private static async Task<Results<Ok<AlertResponse>, ProblemHttpResult, ValidationProblem>> ActAsync(
        string id, AlertAction action, HttpContext context, IClusterClient cluster, bool guardsProtected, Func<IAlertGrain, string, Task<AlertActionResult>> act)
    {
        var errors = new RequestErrors().OpId(action.OpId).Check(action.Note is not { Length: > 1000 }, "note", "at most 1000 characters");
        if (errors.Any)
        {
            return errors.Problem();
        }

        var (detail, denied) = await FindAsync(id, context, cluster, Permission.HandleAlerts);
        if (denied is not null)
        {
            return denied;
        }

        if (guardsProtected && detail!.Alert.IsProtected() && !AlertAccess.MayHandleProtected(context.User))
        {
            return AlertAccess.DenyProtected([detail.Alert.RuleId]);
        }

        var result = await act(cluster.GetGrain<IAlertGrain>(id), context.User.Username());
        return result.Outcome switch
        {
            AlertActionOutcome.Done or AlertActionOutcome.AlreadyDone => TypedResults.Ok(AlertResponse.From(result.Alert!)),
            AlertActionOutcome.NotAllowed => Problems.Conflict($"The alert is {result.Alert!.State}; that action is not allowed now"),
            _ => Problems.NotFound(),
        };
    }

    /// <summary>
    /// The alert, and the problem to answer when the caller may not have it: 404 alike for unknown, out of scope and — for roles
    /// that do not watch key persons — about a key person (<see cref="AlertAccess.MaySee"/>); 403 for a role without the function.
    /// </summary>
    private static async Task<(AlertDetail? Detail, ProblemHttpResult? Denied)> FindAsync(string id, HttpContext context, IClusterClient cluster, Permission permission)
    {
        var detail = DistrictIds.IsValid(id) ? await cluster.GetGrain<IAlertGrain>(id).Detail() : null;
        if (detail is null)
        {
            return (null, Problems.NotFound());
        }

        if (!AlertAccess.MaySee(context.User, detail.Alert.Subject))
        {
            return (detail, Problems.NotFound());
        }

        return (detail, ScopeGuard.Deny(context.User, detail.Alert.UnitCode, permission));
    }
}
