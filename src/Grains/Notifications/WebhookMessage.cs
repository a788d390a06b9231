using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsCentre.Database.Notifications;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Grains.Notifications;

/// <summary>One POST to a receiver: where (a 钉钉 robot's URL carries its signature), the raw body, and the headers.</summary>
public sealed record WebhookRequest(Uri Url, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>
/// Renders a claimed notification as its subscription's format — generic JSON, 企业微信 group robot markdown, 钉钉 group robot
/// markdown — and signs it. The body carries ids, codes and titles, never personal data (a case's description is left out:
/// a resident's words may name people). docs/notifications.md describes each format and how to verify the signature.
/// </summary>
public static class WebhookMessage
{
    public const string SignatureHeader = "X-OpsCentre-Signature";
    public const string TimestampHeader = "X-OpsCentre-Timestamp";
    public const string DeliveryHeader = "X-OpsCentre-Delivery";
    public const string KindHeader = "X-OpsCentre-Kind";
    public const string AttemptHeader = "X-OpsCentre-Attempt";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The request for <paramref name="n"/> at <paramref name="now"/>; <paramref name="unitName"/> names the event's unit when known.</summary>
    public static WebhookRequest Build(ClaimedNotification n, string? unitName, string? consoleUrl, DateTimeOffset now)
    {
        using var document = JsonDocument.Parse(n.PayloadJson);
        var p = document.RootElement;
        var incident = n.Kind == NotificationKinds.TaskAssignment;
        var subjectId = Text(p, "id") ?? "";
        // The console opens cases; an alert links to the case it is about (a stage overdue), others to nothing yet.
        var caseId = incident ? subjectId
            : p.TryGetProperty("subject", out var about) && Text(about, "kind") == "incident" ? Text(about, "id") : null;
        var link = consoleUrl is { Length: > 0 } && caseId is not null ? consoleUrl.TrimEnd('/') + "/#/cases/" + Uri.EscapeDataString(caseId) : null;
        var (title, lines) = incident ? IncidentText(p) : AlertText(n.Kind, p);
        lines.Insert(0, $"单位 Unit：{(unitName is null ? n.UnitCode : $"{unitName}（{n.UnitCode}）")}");
        lines.Add($"时间 Time：{CityTime(n.OccurredAt)}");

        var body = n.Format switch
        {
            WebhookFormats.WeCom => JsonSerializer.Serialize(new { msgtype = "markdown", markdown = new { content = Markdown(title, lines, link) } }, Json),
            WebhookFormats.DingTalk => JsonSerializer.Serialize(new { msgtype = "markdown", markdown = new { title, text = Markdown(title, lines, link) } }, Json),
            _ => GenericJson(n, p, incident, subjectId, title, lines, unitName, link),
        };

        var headers = new List<KeyValuePair<string, string>>
        {
            new(DeliveryHeader, n.Id.ToString(CultureInfo.InvariantCulture)),
            new(KindHeader, n.Kind),
            new(AttemptHeader, n.Attempt.ToString(CultureInfo.InvariantCulture)),
        };
        var url = new Uri(n.Url);
        if (n.Secret is { } secret)
        {
            var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            headers.Add(new(TimestampHeader, timestamp));
            headers.Add(new(SignatureHeader, Signature(secret, timestamp, body)));
            if (n.Format == WebhookFormats.DingTalk)
            {
                url = DingTalkSigned(url, secret, now.ToUnixTimeMilliseconds());
            }
        }

        return new WebhookRequest(url, body, headers);
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256, keyed with the secret (UTF-8), of <c>timestamp + "." + body</c>.</summary>
    public static string Signature(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));

    /// <summary>钉钉's signed robot URL: <c>timestamp</c> (ms) and <c>sign</c> = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), URL-encoded.</summary>
    public static Uri DingTalkSigned(Uri url, string secret, long timestampMs)
    {
        var stamp = timestampMs.ToString(CultureInfo.InvariantCulture);
        var sign = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stamp + "\n" + secret)));
        var separator = string.IsNullOrEmpty(url.Query) ? "?" : "&";
        return new Uri(url.AbsoluteUri + separator + "timestamp=" + stamp + "&sign=" + Uri.EscapeDataString(sign));
    }

    private static (string Title, List<string> Lines) AlertText(string kind, JsonElement p)
    {
        var alertTitle = Text(p, "title") ?? Text(p, "ruleId") ?? "";
        var lines = new List<string> { $"级别 Severity：{Severity(Text(p, "severity"))}", $"责任单位 Responsible：{Text(p, "responsibleUnitCode")}" };
        if (kind == NotificationKinds.Escalation && p.TryGetProperty("supervision", out var s) && s.ValueKind == JsonValueKind.Object)
        {
            var reason = Text(s, "reason") == "not-resolved" ? "签收后逾期未处置 not resolved in time" : "逾期未签收 not acknowledged in time";
            lines.Add($"督办 第 {Number(s, "number")} 次 → {Text(s, "unitCode")}（第 {Number(s, "level")} 级）");
            lines.Add($"原因 Reason：{reason}");
            if (Text(s, "replyDueAt") is { } due && DateTimeOffset.TryParse(due, CultureInfo.InvariantCulture, out var dueAt))
            {
                lines.Add($"回复期限 Reply by：{CityTime(dueAt)}");
            }

            return ($"【督办 Escalation】{alertTitle}", lines);
        }

        return ($"【紧急告警 Critical alert】{alertTitle}", lines);
    }

    private static (string Title, List<string> Lines) IncidentText(JsonElement p)
    {
        var lines = new List<string>
        {
            $"案件 Case：{Text(p, "id")}（{Text(p, "category")}，{(Text(p, "urgency") == "urgent" ? "紧急 urgent" : "一般 normal")}）",
            $"派往 Dispatched to：{Text(p, "responsibleCode")}" + (Text(p, "assignedWorker") is { } worker ? $"，网格员 worker {worker}" : ""),
        };
        if (Text(p, "stageDeadline") is { } deadline && DateTimeOffset.TryParse(deadline, CultureInfo.InvariantCulture, out var at))
        {
            lines.Add($"处置期限 Due：{CityTime(at)}");
        }

        return ($"【派遣任务 Task assigned】{Text(p, "category")}", lines);
    }

    private static string GenericJson(
        ClaimedNotification n, JsonElement p, bool incident, string subjectId, string title, List<string> lines, string? unitName, string? link)
    {
        var body = new JsonObject
        {
            ["id"] = n.Id.ToString(CultureInfo.InvariantCulture),
            ["kind"] = n.Kind,
            ["subscriptionId"] = n.SubscriptionId,
            ["event"] = new JsonObject
            {
                ["type"] = n.EventType, ["districtCode"] = n.DistrictCode, ["seq"] = n.Seq, ["unitCode"] = n.UnitCode, ["unitName"] = unitName,
                ["at"] = n.OccurredAt.ToString("O", CultureInfo.InvariantCulture),
            },
            ["subject"] = new JsonObject { ["kind"] = incident ? "incident" : "alert", ["id"] = subjectId },
            ["title"] = title,
            ["text"] = string.Join("\n", lines),
            ["link"] = link,
        };
        if (incident)
        {
            body["incident"] = Pick(p, "id", "category", "urgency", "stage", "unitCode", "responsibleCode", "assignedWorker", "stageDeadline", "dueAt", "version");
        }
        else
        {
            var alert = Pick(p, "id", "ruleId", "title", "severity", "state", "unitCode", "responsibleUnitCode", "escalationLevel", "raisedAt", "subject");
            if (p.TryGetProperty("supervision", out var s) && s.ValueKind == JsonValueKind.Object)
            {
                alert["supervision"] = Pick(s, "id", "number", "unitCode", "level", "reason", "repeated", "at", "replyDueAt");
            }

            body["alert"] = alert;
        }

        return body.ToJsonString(Json);
    }

    private static string Markdown(string title, List<string> lines, string? link)
    {
        var text = new StringBuilder().Append("### ").Append(title).Append("\n\n");
        foreach (var line in lines)
        {
            text.Append("> ").Append(line).Append("\n\n");
        }

        if (link is not null)
        {
            text.Append("[在控制台中查看 Open in the console](").Append(link).Append(')');
        }

        return text.ToString().TrimEnd();
    }

    private static JsonObject Pick(JsonElement from, params string[] names)
    {
        var picked = new JsonObject();
        foreach (var name in names)
        {
            if (from.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                picked[name] = JsonNode.Parse(value.GetRawText());
            }
        }

        return picked;
    }

    private static string Severity(string? severity) => severity switch
    {
        "critical" => "严重 critical",
        "warning" => "警告 warning",
        "info" => "提示 info",
        _ => severity ?? "",
    };

    private static string CityTime(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, IncidentDeadlines.CityTime).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "（北京时间）";

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Null or JsonValueKind.Undefined => null, _ => v.GetRawText() } : null;

    private static string Number(JsonElement e, string name) => Text(e, name) ?? "?";
}
