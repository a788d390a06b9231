using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Administration;
using OpsCentre.Database.Notifications;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Alerts;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Notifications;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Notifications;

/// <summary>
/// Notifications beyond the screen (通知外发, docs/notifications.md). <c>/api/v1/notification-subscriptions</c>: administrators
/// subscribe a unit within theirs to kinds of notification sent to a webhook — create, list, read, disable, enable; each change
/// a row of the administrative change log (<see cref="AdminChanges"/>) under the caller's opId. <c>/api/v1/notifications</c>:
/// the recent deliveries of the subscriptions within the caller's unit, and sending a dead-lettered one again. And each
/// alert's and case's own notifications with their delivery state, for whoever may see the alert or the case.
/// </summary>
public static class NotificationsApi
{
    public sealed record CreateRequest(string? OpId, string? Name, string? UnitCode, IReadOnlyList<string>? Kinds, string? Url, string? Format, string? Secret);

    public sealed record OpRequest(string? OpId);

    /// <summary>A subscription as the API shows it: the URL with its query values masked (a robot's key is in them), never the secret.</summary>
    public sealed record SubscriptionView(
        string Id, string Name, string UnitCode, IReadOnlyList<string> Kinds, string Url, string Format, bool Signed, bool Disabled,
        DateTimeOffset CreatedAt, string CreatedBy)
    {
        public static SubscriptionView From(NotificationSubscription s) =>
            new(s.Id, s.Name, s.UnitCode, s.Kinds, MaskedUrl(s.Url), s.Format, s.Signed, s.Disabled, s.CreatedAt, s.CreatedBy);
    }

    public sealed record DeliveryList(IReadOnlyList<NotificationDelivery> Items);

    public static RouteGroupBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/notification-subscriptions").WithTags("Administration");

        group.MapGet("/", async Task<Results<Ok<Page<SubscriptionView>>, ProblemHttpResult>> (
            string? unit, int? limit, string? after, HttpContext context, NotificationStore store, CancellationToken ct) =>
        {
            var within = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(within, limit, context.User, out var take, Permission.ManageNotifications) is { } problem)
            {
                return problem;
            }

            var rows = (await store.ListAsync(within, after, take + 1, ct)).ConvertAll(SubscriptionView.From);
            return TypedResults.Ok(Page<SubscriptionView>.From(rows, take, s => s.Id));
        })
        .WithName("ListNotificationSubscriptions")
        .WithSummary("The webhook subscriptions of the units within the caller's unit (or within `unit`), by id. Administrators only.");

        group.MapGet("/{subscriptionId}", async Task<Results<Ok<SubscriptionView>, ProblemHttpResult>> (string subscriptionId, HttpContext context, NotificationStore store, CancellationToken ct) =>
            await store.FindAsync(subscriptionId, ct) is not { } found ? Problems.NotFound()
            : ScopeGuard.Deny(context.User, found.UnitCode, Permission.ManageNotifications) is { } denied ? denied
            : TypedResults.Ok(SubscriptionView.From(found)))
        .WithName("GetNotificationSubscription")
        .WithSummary("One subscription: unit, kinds, URL (query values masked), format, whether signed, whether disabled. Never the secret.");

        group.MapPost("/", CreateAsync)
            .WithName("CreateNotificationSubscription")
            .WithSummary("Subscribe a unit (and every unit below it) to kinds of notification — escalation (督办), critical-alert, task-assignment — sent to `url` "
                + "as `format` json, wecom (企业微信 group robot) or dingtalk (钉钉 group robot); with `secret`, each POST is signed (X-OpsCentre-Signature, and 钉钉's own sign). "
                + "`url` must be http or https to a public receiver: an address that is loopback, link-local, private or metadata, or a local name (localhost, *.local, *.internal), "
                + "is 400 on `url` unless its host is in the configuration's Notifications:AllowedHosts (the silos check the resolved address again on every delivery). "
                + "A unit outside the caller's is 422 on `unitCode`. The same opId again answers the same subscription.");

        group.MapPost("/{subscriptionId}/disable", (string subscriptionId, OpRequest request, HttpContext context, AdminChanges changes, NotificationStore store, CancellationToken ct) =>
            SetDisabledAsync(subscriptionId, request, true, context, changes, store, ct))
            .WithName("DisableNotificationSubscription")
            .WithSummary("Disable a subscription: no new notifications are made for it, and those waiting are held (not sent) until it is enabled again.");

        group.MapPost("/{subscriptionId}/enable", (string subscriptionId, OpRequest request, HttpContext context, AdminChanges changes, NotificationStore store, CancellationToken ct) =>
            SetDisabledAsync(subscriptionId, request, false, context, changes, store, ct))
            .WithName("EnableNotificationSubscription")
            .WithSummary("Enable a disabled subscription again; notifications held meanwhile are sent.");

        var deliveries = app.MapGroup("/api/v1/notifications").WithTags("Administration");
        deliveries.MapGet("/", async Task<Results<Ok<Page<NotificationDelivery>>, ProblemHttpResult>> (
            string? unit, string? subscription, string? state, int? limit, string? after, HttpContext context, NotificationStore store, CancellationToken ct) =>
        {
            var within = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(within, limit, context.User, out var take, Permission.ManageNotifications) is { } problem)
            {
                return problem;
            }

            if (state is not null && !DeliveryStates.All.Contains(state))
            {
                return Problems.InvalidQuery("state", "one of " + string.Join(", ", DeliveryStates.All));
            }

            if (after is not null && !long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return Problems.InvalidQuery("after", "a cursor from a previous page");
            }

            var rows = await store.RecentAsync(within, subscription, state, after is null ? null : long.Parse(after, CultureInfo.InvariantCulture), take + 1, ct);
            return TypedResults.Ok(Page<NotificationDelivery>.From(rows, take, d => d.Id.ToString(CultureInfo.InvariantCulture)));
        })
        .WithName("ListNotifications")
        .WithSummary("Recent notifications of the subscriptions within the caller's unit (or `unit`), newest first, optionally of one `subscription` and one `state` "
            + "(pending, delivered, dead), with attempts, the receiver's last status and error. Administrators only.");

        deliveries.MapPost("/{notificationId}/retry", RetryAsync)
            .WithName("RetryNotification")
            .WithSummary("Send a dead-lettered notification again, from a fresh count of attempts; 409 when it is not dead. Recorded in the change log.");

        app.MapGet("/api/v1/alerts/{id}/notifications", async Task<Results<Ok<DeliveryList>, ProblemHttpResult>> (
            string id, HttpContext context, IClusterClient cluster, NotificationStore store, CancellationToken ct) =>
        {
            var detail = DistrictIds.IsValid(id) ? await cluster.GetGrain<IAlertGrain>(id).Detail() : null;
            if (detail is null || !AlertAccess.MaySee(context.User, detail.Alert.Subject))
            {
                return Problems.NotFound();
            }

            return ScopeGuard.Deny(context.User, detail.Alert.UnitCode, Permission.ViewUnits) is { } denied
                ? denied
                : TypedResults.Ok(new DeliveryList(await store.ForSubjectAsync("alert", id, ct)));
        })
        .WithTags("Alerts")
        .WithName("ListAlertNotifications")
        .WithSummary("The notifications sent about one alert (its 督办, or its firing when critical), one per subscription, with their delivery state.");

        app.MapGet("/api/v1/incidents/{id}/notifications", async Task<Results<Ok<DeliveryList>, ProblemHttpResult>> (
            string id, HttpContext context, IClusterClient cluster, NotificationStore store, CancellationToken ct) =>
            !DistrictIds.IsValid(id) || await cluster.GetGrain<IIncidentGrain>(id).Detail() is not { } detail || !CaseVisibility.MaySee(context.User, detail.Incident)
                ? Problems.NotFound()
                : !Roles.Allows(context.User, Permission.ReadCases) ? Problems.Forbidden()
                : TypedResults.Ok(new DeliveryList(await store.ForSubjectAsync("incident", id, ct))))
        .WithTags("Incidents")
        .WithName("ListIncidentNotifications")
        .WithSummary("The notifications sent about one case (its dispatch as a task), one per subscription, with their delivery state.");

        return group;
    }

    private static async Task<Results<Created<SubscriptionView>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        CreateRequest request, HttpContext context, AdminChanges changes, NotificationStore store, TimeProvider clock,
        Microsoft.Extensions.Options.IOptions<NotificationOptions> options, CancellationToken ct)
    {
        var user = context.User;
        if (!Roles.Allows(user, Permission.ManageNotifications))
        {
            return Problems.Forbidden();
        }

        // Not loopback, link-local, private or metadata (unless allowed): checked on the URL here, on the resolved address when sent.
        var refusal = IsWebhookUrl(request.Url) ? WebhookTargets.RefusalOf(new Uri(request.Url!), options.Value.AllowedHosts) : null;
        var errors = new RequestErrors().OpId(request.OpId)
            .Check(request.Name is { Length: > 0 and <= 100 } && !string.IsNullOrWhiteSpace(request.Name), "name", "1 to 100 characters")
            .Check(UnitCode.IsValid(request.UnitCode), "unitCode", "a unit code")
            .Check(request.Kinds is { Count: > 0 } k && k.All(x => x is not null && NotificationKinds.All.Contains(x)) && k.Distinct().Count() == k.Count,
                "kinds", "one or more of " + string.Join(", ", NotificationKinds.All) + ", each once")
            .Check(IsWebhookUrl(request.Url), "url", "an absolute http or https URL, at most 2000 characters, without user name or password")
            .Check(refusal is null, "url", "a receiver on the internet: " + refusal)
            .Check(request.Format is null || WebhookFormats.All.Contains(request.Format), "format", "one of " + string.Join(", ", WebhookFormats.All))
            .Check(request.Secret is null || request.Secret.Length is >= 8 and <= 200, "secret", "8 to 200 characters, or none for unsigned");
        if (errors.Any)
        {
            return errors.Problem();
        }

        if (!UnitCode.IsWithin(request.UnitCode!, user.UnitCodeOf()))
        {
            return Problems.Unprocessable("unitCode", "must lie within your unit " + user.UnitCodeOf());
        }

        var id = "ns-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user.Username() + "\n" + request.OpId)))[..16];
        var subscription = new NotificationSubscription(id, request.Name!.Trim(), request.UnitCode!, [.. NotificationKinds.All.Where(request.Kinds!.Contains)],
            request.Url!, request.Format ?? WebhookFormats.Json, request.Secret is not null, Disabled: false, clock.GetUtcNow(), user.Username());
        var operation = new Operation(user.Username(), request.OpId!, "notification-subscription.create", OperationIds.Hash(
            subscription.Name, subscription.UnitCode, string.Join(' ', subscription.Kinds), subscription.Url, subscription.Format, request.Secret));
        var written = await changes.WriteAsync(Actor(user), operation, id, async (connection, transaction, token) =>
            await store.InsertAsync(connection, transaction, subscription, request.Secret, token)
                ? AdminStep.Apply(new AdminChange(AdminEntityKinds.NotificationSubscription, id, subscription.UnitCode, "create", null, SubscriptionView.From(subscription)))
                : AdminStep.Refuse("A subscription with this id exists"), ct);
        return written.Outcome switch
        {
            AdminOutcome.Applied or AdminOutcome.Replayed when await store.FindAsync(id, ct) is { } stored =>
                TypedResults.Created($"/api/v1/notification-subscriptions/{id}", SubscriptionView.From(stored)),
            AdminOutcome.OpIdReused => Problems.OpIdReused(),
            AdminOutcome.Refused => Problems.Conflict(written.Reason!),
            _ => Problems.NotFound(),
        };
    }

    private static async Task<Results<Ok<SubscriptionView>, ProblemHttpResult, ValidationProblem>> SetDisabledAsync(
        string id, OpRequest request, bool disabled, HttpContext context, AdminChanges changes, NotificationStore store, CancellationToken ct)
    {
        if (await store.FindAsync(id, ct) is not { } found)
        {
            return Problems.NotFound();
        }

        if (ScopeGuard.Deny(context.User, found.UnitCode, Permission.ManageNotifications) is { } denied)
        {
            return denied;
        }

        if (new RequestErrors().OpId(request.OpId) is { Any: true } errors)
        {
            return errors.Problem();
        }

        var operation = new Operation(context.User.Username(), request.OpId!, disabled ? "notification-subscription.disable" : "notification-subscription.enable", OperationIds.Hash(id));
        var written = await changes.WriteAsync(Actor(context.User), operation, id, async (connection, transaction, token) =>
        {
            if (await NotificationStore.LockAsync(connection, transaction, id, token) is not { } old)
            {
                return AdminStep.Missing();
            }

            await NotificationStore.SetDisabledAsync(connection, transaction, id, disabled, token);
            return AdminStep.Apply(new AdminChange(AdminEntityKinds.NotificationSubscription, id, old.UnitCode, disabled ? "disable" : "enable",
                SubscriptionView.From(old), SubscriptionView.From(old with { Disabled = disabled })));
        }, ct);
        return written.Outcome switch
        {
            AdminOutcome.Applied or AdminOutcome.Replayed when await store.FindAsync(id, ct) is { } stored => TypedResults.Ok(SubscriptionView.From(stored)),
            AdminOutcome.OpIdReused => Problems.OpIdReused(),
            _ => Problems.NotFound(),
        };
    }

    private static async Task<Results<Ok<NotificationDelivery>, ProblemHttpResult, ValidationProblem>> RetryAsync(
        string notificationId, OpRequest request, HttpContext context, AdminChanges changes, NotificationStore store, TimeProvider clock, CancellationToken ct)
    {
        var id = notificationId;
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || await store.FindDeliveryAsync(number, ct) is not { } found)
        {
            return Problems.NotFound();
        }

        if (ScopeGuard.Deny(context.User, found.SubscriptionUnit, Permission.ManageNotifications) is { } denied)
        {
            return denied;
        }

        if (new RequestErrors().OpId(request.OpId) is { Any: true } errors)
        {
            return errors.Problem();
        }

        var operation = new Operation(context.User.Username(), request.OpId!, "notification.retry", OperationIds.Hash(id));
        var written = await changes.WriteAsync(Actor(context.User), operation, id, async (connection, transaction, token) =>
            await NotificationStore.RetryAsync(connection, transaction, number, clock.GetUtcNow(), token)
                ? AdminStep.Apply(new AdminChange(AdminEntityKinds.NotificationSubscription, found.Delivery.SubscriptionId, found.SubscriptionUnit, "retry-notification",
                    null, new { notification = number, found.Delivery.Attempts, found.Delivery.LastError }))
                : AdminStep.Refuse("Only a dead-lettered notification is sent again"), ct);
        return written.Outcome switch
        {
            AdminOutcome.Applied or AdminOutcome.Replayed when await store.FindDeliveryAsync(number, ct) is { } stored => TypedResults.Ok(stored.Delivery),
            AdminOutcome.OpIdReused => Problems.OpIdReused(),
            AdminOutcome.Refused => Problems.Conflict(written.Reason!),
            _ => Problems.NotFound(),
        };
    }

    /// <summary>An absolute http(s) URL without credentials in it, at most 2000 characters.</summary>
    private static bool IsWebhookUrl(string? url) =>
        url is { Length: <= 2000 } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0;

    /// <summary>The URL with every query value replaced by <c>***</c>: 企业微信's <c>key</c> and 钉钉's <c>access_token</c> are secrets.</summary>
    public static string MaskedUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Query.Length <= 1)
        {
            return url;
        }

        var masked = string.Join("&", uri.Query[1..].Split('&').Select(pair => pair.Split('=', 2)[0] + "=***"));
        return uri.GetLeftPart(UriPartial.Path) + "?" + masked;
    }

    private static AdminActor Actor(ClaimsPrincipal user) => new(user.Username(), user.RoleOf() ?? "");
}
