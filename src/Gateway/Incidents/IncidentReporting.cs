using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Photos;
using OpsCentre.Grains;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Drills;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Incidents;

/// <param name="Source">Where the report came from: <c>operator</c> (default) or <c>citizen</c> (a hotline or app report entered by an operator).</param>
/// <param name="AlertId">Opens the case from an alert, in one action: the alert is acknowledged with a note naming the case.</param>
/// <param name="DrillId">Opens the case under a running drill (演练) whose unit holds its grid: marked as a drill's, left out of the KPIs.</param>
public sealed record ReportRequest(string? OpId, string? Category, string? Urgency, string? Description, double? Lat, double? Lon, string? GridCode, string? AlertId, string? Source = null,
    string? DrillId = null);

public sealed record ReportResponse(string Id, string UnitCode, string Stage, DateTimeOffset? Deadline);

/// <summary>
/// Reporting a case (上报) for an operator or a grid worker's phone alike: validates, finds the grid,
/// asks the caller's authorisation about it, claims the caller's opId in the ledger (so a retry finds
/// the case), opens the case and — when it comes from an alert — acknowledges the alert naming the case.
/// </summary>
public sealed class IncidentReporting(
    IClusterClient cluster, IncidentCatalog catalog, GridLocator grids, MapStore map, DrillRuns drills, ResponsibilityList responsibilities, NpgsqlDataSource db, TimeProvider clock)
{
    /// <param name="authorize">The problem to answer for a case in the given grid, or null when the caller may report there.</param>
    /// <param name="maySeeAlert">Whether the caller may open a case from the given alert.</param>
    /// <param name="feedbackDue">The deadline promised at intake (the 12345 hotline's 反馈时限), capping every stage's; none for other reports.</param>
    /// <param name="photos">Photos of the problem, already re-encoded (a grid worker's phone): stored with the case once per opId, however often it is sent.</param>
    public async Task<Results<Created<ReportResponse>, ProblemHttpResult, ValidationProblem>> ReportAsync(
        ReportRequest request, string caller, string source, Func<string, ProblemHttpResult?> authorize, Func<AlertView, bool> maySeeAlert, CancellationToken ct,
        DateTimeOffset? feedbackDue = null, IReadOnlyList<EncodedPhoto>? photos = null)
    {
        var byPosition = request.Lat is not null || request.Lon is not null;
        var errors = new RequestErrors().OpId(request.OpId)
            .Check(request.Category is not null && await catalog.CategoryAsync(request.Category, ct) is not null, "category", "one of the codes of GET /api/v1/incident-categories")
            .Check(request.Urgency is "normal" or "urgent", "urgency", "normal or urgent")
            .Check(!string.IsNullOrWhiteSpace(request.Description) && request.Description.Length <= 2000, "description", "required, at most 2000 characters")
            .Check(byPosition != (request.GridCode is not null), "location", "either lat and lon, or gridCode")
            .Check(!byPosition || request.GridCode is not null || (request.Lat is >= -90 and <= 90 && request.Lon is >= -180 and <= 180), "lat", "WGS-84 latitude and longitude")
            .Check(request.AlertId is null || DistrictIds.IsValid(request.AlertId), "alertId", "an alert id")
            .Check(request.DrillId is null || DistrictIds.IsValid(request.DrillId), "drillId", "a drill id");
        if (errors.Any)
        {
            return errors.Problem();
        }

        var grid = byPosition
            ? (await grids.IndexAsync(ct)).Locate(request.Lat!.Value, request.Lon!.Value)
            : UnitCode.IsValid(request.GridCode) && UnitCode.LevelOf(request.GridCode) == UnitLevel.Grid && await map.FindAsync(request.GridCode, ct) is not null ? request.GridCode : null;
        if (grid is null)
        {
            return Problems.Invalid("location", "lies in no grid of the map");
        }

        if (authorize(grid) is { } denied)
        {
            return denied;
        }

        if (request.DrillId is { } drillId && (await drills.FindAsync(drillId, ct) is not { State: DrillRuns.Running } drill || !UnitCode.IsWithin(grid, drill.UnitCode)))
        {
            return Problems.Invalid("drillId", "a running drill whose unit holds the case's grid");
        }

        var alert = request.AlertId is null ? null : await cluster.GetGrain<IAlertGrain>(request.AlertId).Detail();
        if (request.AlertId is not null && (alert is null || !maySeeAlert(alert.Alert)))
        {
            return Problems.Invalid("alertId", "no such alert in your area");
        }

        // The claim comes first: a retry finds the case even if this request died before it opened.
        var operation = new Operation(caller, request.OpId!, "incident.report",
            request.DrillId is null
                ? OperationIds.Hash(request.Category, request.Urgency, request.Description, request.Lat, request.Lon, request.GridCode, request.AlertId)
                : OperationIds.Hash(request.Category, request.Urgency, request.Description, request.Lat, request.Lon, request.GridCode, request.AlertId, request.DrillId));
        await using var connection = await db.OpenConnectionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, null, operation, DistrictIds.New(grid), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return Problems.OpIdReused();
        }

        var id = claim.ResultId;
        // Before the case opens, so a report is never acknowledged without its photos; a retry finds them stored and adds none.
        await CasePhotoStore.AddOnceAsync(connection, id, photos ?? [], caller, clock.GetUtcNow(), ct);
        var opened = await cluster.GetGrain<IIncidentGrain>(id).Open(new IncidentOpening(
            request.Category!, request.Urgency!, request.Description!, grid, request.Lat, request.Lon, request.AlertId is null ? source : "alert",
            caller, clock.GetUtcNow(), request.AlertId, feedbackDue, request.DrillId));
        if (request.AlertId is not null)
        {
            // Whoever opens a case from an alert has taken it on; an alert already acknowledged or resolved stays as it is.
            await cluster.GetGrain<IAlertGrain>(request.AlertId).Acknowledge(caller, "case:" + id, "case " + id + " opened");
        }

        // 权责清单: an entry configured to dispatch by itself files and dispatches the new case at once, by the list's engine.
        if (opened.Stage == IncidentStages.Reported && await responsibilities.MatchAsync(opened.Category, opened.UnitCode, ct) is { Entry.Auto: true } match)
        {
            opened = await cluster.GetGrain<IIncidentGrain>(id).DispatchByList(match.Entry.ResponsibleCode, $"权责清单 v{match.Version}: {match.Entry.PlaceCode}") ?? opened;
        }

        return TypedResults.Created($"/api/v1/incidents/{id}", new ReportResponse(opened.Id, opened.UnitCode, opened.Stage, opened.StageDeadline));
    }

    /// <summary>The HTTP answer to an action's outcome, the same for operators and devices.</summary>
    public static Results<Ok<IncidentView>, ProblemHttpResult, ValidationProblem> Answer(IncidentActionResult result) => result.Outcome switch
    {
        IncidentActionOutcome.Done or IncidentActionOutcome.Replayed => TypedResults.Ok(result.Incident!),
        IncidentActionOutcome.NotAllowed => Problems.Conflict("Not allowed in this stage", result.Reason),
        IncidentActionOutcome.Forbidden => Problems.Forbidden("Not your duty", result.Reason),
        IncidentActionOutcome.OpIdReused => Problems.OpIdReused(),
        _ => Problems.NotFound(),
    };
}
