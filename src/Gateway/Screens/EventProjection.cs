using System.Security.Claims;
using System.Text.Json.Nodes;
using OpsCentre.Gateway.Alerts;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Live;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// What one screen connection receives: the hub's one projection step, applied to every event before it reaches a
/// connection (replayed and live alike) and to every live item. It decides from the caller's claims and the object,
/// with the rules the HTTP endpoints use:
/// <list type="bullet">
/// <item>every event and live item: within the subscribed unit (itself within the caller's scope) — for a case, any unit
/// it involves (where it is, its lead, a unit asked to take it over, a co-handler: <see cref="CaseVisibility.Involves"/>),
/// so the receiving side's screens hear of what it receives;</item>
/// <item>cases (<c>incident.*</c>): <see cref="CaseVisibility.MaySee(ClaimsPrincipal, string, string, string, IEnumerable{string})"/> on the
/// codes in the payload, so department staff get only their department's cases;</item>
/// <item>key persons (<c>keyperson.*</c>, and alerts about a key person — the person or a device of theirs,
/// <see cref="AlertAccess.MaySee"/>, the rule of the alert endpoints too): only roles with <see cref="Permission.WatchKeyPersons"/>;</item>
/// <item>other alerts and other events (appended by an administrator): everyone who watches the unit.</item>
/// </list>
/// Free text never rides in a hub payload, whoever the caller: a screen fetches it over HTTP, where it is scoped
/// (and, for personal data, audited). An event that is not for the caller still moves the subscription's cursor,
/// and such subscriptions get watermarks (<see cref="MayHideEvents"/>).
/// </summary>
public static class EventProjection
{
    private const string CaseEvents = "incident.";
    private const string AlertEvents = "alert.";
    private const string KeyPersonEvents = "keyperson.";

    /// <summary>The envelope to send for <paramref name="e"/> on a subscription to <paramref name="subscribedUnit"/>, or null when it is not for this caller.</summary>
    public static EventEnvelope? Project(ClaimsPrincipal viewer, string subscribedUnit, LoggedEvent e)
    {
        var isCase = e.Type.StartsWith(CaseEvents, StringComparison.Ordinal);
        if (!isCase && !UnitCode.IsWithin(e.UnitCode, subscribedUnit))
        {
            return null;
        }

        var data = JsonNode.Parse(e.PayloadJson)!.AsObject();
        if (isCase && !UnitCode.IsWithin(e.UnitCode, subscribedUnit)
            && !CaseVisibility.Involves(subscribedUnit, (string?)data["unitCode"] ?? "", (string?)data["responsibleCode"], (string?)data["pendingTransferTo"], CoHandlers(data)))
        {
            return null;
        }

        var shown = isCase ? CaseEvent(viewer, data)
            : e.Type.StartsWith(AlertEvents, StringComparison.Ordinal) ? AlertEvent(viewer, data)
            : !e.Type.StartsWith(KeyPersonEvents, StringComparison.Ordinal) || ReceivesKeyPersonEvents(viewer);
        return shown ? new EventEnvelope(e.Seq, e.DistrictCode, e.UnitCode, e.Type, e.OccurredAt, data) : null;
    }

    /// <summary>Whether a live item goes to a subscription to <paramref name="subscribedUnit"/>.</summary>
    public static bool Shows(ClaimsPrincipal viewer, string subscribedUnit, LiveItem item)
    {
        if (item.Kind != "incident")
        {
            return UnitCode.IsWithin(item.UnitCode, subscribedUnit);
        }

        // A case's live state names the units it involves, as its events do: the receiving side's screens show it too.
        var data = JsonNode.Parse(item.Json)!.AsObject();
        var (responsible, pending, co) = ((string?)data["responsibleCode"], (string?)data["pendingTransferTo"], CoHandlers(data));
        return (UnitCode.IsWithin(item.UnitCode, subscribedUnit) || CaseVisibility.Involves(subscribedUnit, item.UnitCode, responsible, pending, co))
            && CaseVisibility.MaySee(viewer, item.UnitCode, responsible, pending, co);
    }

    private static List<string> CoHandlers(JsonObject data) =>
        data["coHandlers"] is JsonArray array ? [.. array.Select(x => (string?)x).OfType<string>()] : [];

    /// <summary>The roles that receive key persons' events; each of their subscriptions writes an audit row.</summary>
    public static bool ReceivesKeyPersonEvents(ClaimsPrincipal viewer) => Roles.Allows(viewer.RoleOf(), Permission.WatchKeyPersons);

    /// <summary>
    /// Whether events of a district this subscription spans may pass it by: a street, community or grid sees part of
    /// its district, and department staff and roles without key-person events part of any unit. Such subscriptions
    /// get <c>Watermark</c>s, so a screen that sees few events still resumes gap-free.
    /// </summary>
    public static bool MayHideEvents(ClaimsPrincipal viewer, string subscribedUnit) =>
        subscribedUnit.Length > 6 || viewer.DepartmentOf() is not null || !ReceivesKeyPersonEvents(viewer);

    /// <summary>
    /// A case event's payload is the case (<c>IncidentView</c>). Free text removed: <c>description</c> (the report's
    /// text) and <c>lastStep.note</c> (the note of the action that made the event); a screen reads both from
    /// <c>GET /api/v1/incidents/{id}</c>. Kept: ids, codes, stage, deadlines, counts, position, who acted.
    /// </summary>
    private static bool CaseEvent(ClaimsPrincipal viewer, JsonObject data)
    {
        if (!CaseVisibility.MaySee(viewer, (string?)data["unitCode"] ?? "", (string?)data["responsibleCode"], (string?)data["pendingTransferTo"], CoHandlers(data)))
        {
            return false;
        }

        data.Remove("description");
        (data["lastStep"] as JsonObject)?.Remove("note");
        return true;
    }

    /// <summary>
    /// An alert event's payload is the alert (<c>AlertView</c>), and for a 督办 the record (<c>supervision</c>). Free text
    /// removed: <c>note</c> (an acknowledgement's or resolution's note, a silence's reason, why the rule cleared) and a 督办's
    /// <c>reply</c>; a screen reads them from <c>GET /api/v1/alerts/{id}</c>. Kept: ids, rule, title (the rule's), severity,
    /// state, subject, units, escalation level and 督办 count, who acted and when.
    /// </summary>
    private static bool AlertEvent(ClaimsPrincipal viewer, JsonObject data)
    {
        var subject = data["subject"];
        if (!AlertAccess.MaySee(viewer, new AlertSubject((string?)subject?["kind"] ?? "", (string?)subject?["id"] ?? "", (string?)subject?["keyPersonId"])))
        {
            return false;
        }

        data.Remove("note");
        (data["supervision"] as JsonObject)?.Remove("reply");
        return true;
    }

    // Key-person events carry no free text: their grain writes ids, states and a visit's outcome (the visit's notes
    // stay in its row, read over HTTP by corrections staff only).
}
