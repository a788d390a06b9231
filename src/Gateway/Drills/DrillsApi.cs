using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains;
using OpsCentre.Database.Devices;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Drills;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Drills;

/// <summary>
/// Drills (演练): a supervision centre runs a scenario within its unit — scripted cases opened at the start, more reported under
/// the drill while it runs (<c>POST /api/v1/incidents</c> with <c>drillId</c>). Their cases carry <c>drill: true</c> in every answer
/// and hub payload, are marked on the screens and left out of the assessment KPIs; clearing the drill cancels those still open.
/// </summary>
public static class DrillsApi
{
    /// <summary>A scripted case of the scenario, opened when the drill starts.</summary>
    public sealed record ScriptedCase(string? Category, string? Urgency, string? Description, string? GridCode, double? Lat, double? Lon);

    /// <summary>A scripted position of the scenario: where a key person's device (wristband, person's phone) "is" in the drill.</summary>
    public sealed record ScriptedPosition(string? DeviceId, double? Lat, double? Lon);

    public sealed record StartRequest(string? OpId, string? UnitCode, string? Name, List<ScriptedCase>? Cases, List<ScriptedPosition>? Positions = null);

    public sealed record ClearRequest(string? OpId);

    public sealed record DrillDetail(Drill Drill, IReadOnlyList<DrillCase> Cases);

    /// <summary>The most scripted cases a scenario opens.</summary>
    public const int MaxScriptedCases = 50;

    /// <summary>The most scripted positions a scenario sends.</summary>
    public const int MaxScriptedPositions = 50;

    public static RouteGroupBuilder MapDrillsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/drills").WithTags("Supervision");

        group.MapPost("/", async Task<Results<Created<DrillDetail>, ProblemHttpResult, ValidationProblem>> (
            StartRequest request, HttpContext context, DrillRuns drills, IncidentReporting reporting, DeviceCredentialStore devices, KeyPersonRecords records,
            IClusterClient cluster,             TimeProvider clock, CancellationToken ct) =>
        {
            var cases = request.Cases ?? [];
            var positions = request.Positions ?? [];
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(UnitCode.IsValid(request.UnitCode) && request.UnitCode!.Length >= 6, "unitCode", "a district, street, community or grid code")
                .Check(request.Name is { Length: >= 1 and <= 200 }, "name", "required, at most 200 characters")
                .Check(cases.Count <= MaxScriptedCases, "cases", $"at most {MaxScriptedCases} scripted cases")
                .Check(cases.All(c => c is not null), "cases", "each a case as POST /api/v1/incidents takes it")
                .Check(positions.Count <= MaxScriptedPositions, "positions", $"at most {MaxScriptedPositions} scripted positions");
            for (var i = 0; i < positions.Count && i < MaxScriptedPositions; i++)
            {
                var p = positions[i];
                if (p is null)
                {
                    errors.Check(false, $"positions[{i}]", "each a position {deviceId, lat, lon}");
                    continue;
                }
                errors.Check(p.DeviceId is { Length: >= 1 and <= 100 }, $"positions[{i}].deviceId", "required: a key person's device")
                    .Check(p.Lat is >= -90 and <= 90, $"positions[{i}].lat", "required, WGS-84 degrees between -90 and 90")
                    .Check(p.Lon is >= -180 and <= 180, $"positions[{i}].lon", "required, WGS-84 degrees between -180 and 180");
            }

            if (errors.Any)
            {
                return errors.Problem();
            }

            if (ScopeGuard.Deny(context.User, request.UnitCode!, Permission.RunDrills) is { } denied)
            {
                return denied;
            }

            // Each device must be a key person's (not revoked) whose grid lies within the drill's unit; an unknown device, a worker's
            // phone and one outside the unit are refused alike, so nothing is learnt of devices outside it.
            var scripted = new List<(string DeviceId, string PersonId, double Lat, double Lon)>();
            for (var i = 0; i < positions.Count; i++)
            {
                var p = positions[i];
                var found = await devices.FindAsync(p.DeviceId!, ct);
                var grid = found is { Revoked: false } f && f.Device.Kind != DeviceKinds.WorkerPhone ? await records.GridOfAsync(f.Device.BoundTo, ct) : null;
                if (grid is null || !UnitCode.IsWithin(grid, request.UnitCode!))
                {
                    return Problems.Invalid($"positions[{i}].deviceId", "a key person's device (wristband or person's phone) within the drill's unit");
                }

                scripted.Add((p.DeviceId!, found!.Value.Device.BoundTo, p.Lat!.Value, p.Lon!.Value));
            }

            var caller = context.User.Username();
            var operation = new Operation(caller, request.OpId!, "drill.start", OperationIds.Hash(request.UnitCode, request.Name,
                string.Join(";", cases.Select(c => $"{c.Category}|{c.Urgency}|{c.Description}|{c.GridCode}|{c.Lat}|{c.Lon}")),
                string.Join(";", positions.Select(p => $"{p.DeviceId}|{p.Lat}|{p.Lon}"))));
            var (outcome, drill) = await drills.StartAsync(operation, request.UnitCode!, request.Name!, clock.GetUtcNow(), ct);
            if (outcome == ClaimOutcome.Reused)
            {
                return Problems.OpIdReused();
            }

            // Each scripted case under an opId of its own derived from the drill's: a retried start opens none twice.
            for (var i = 0; i < cases.Count; i++)
            {
                var c = cases[i];
                var opened = await reporting.ReportAsync(
                    new ReportRequest($"{request.OpId}/case-{i + 1}", c.Category, c.Urgency, c.Description, c.Lat, c.Lon, c.GridCode, null, DrillId: drill!.Id),
                    caller, "drill", grid => UnitCode.IsWithin(grid, request.UnitCode!) ? null : Problems.Unprocessable($"cases[{i}]", "a grid within the drill's unit"),
                    _ => false, ct);
                // The drill stands (it may be cleared); the first case the scenario could not open is named.
                switch (opened.Result)
                {
                    case ValidationProblem invalid:
                        return TypedResults.ValidationProblem(invalid.ProblemDetails.Errors.ToDictionary(e => $"cases[{i}].{e.Key}", e => e.Value),
                            title: "A scripted case of the drill could not be opened; the drill " + drill.Id + " is running with the cases before it");
                    case ProblemHttpResult problem:
                        return problem;
                }
            }

            // Each scripted position stored first (so clearing finds its person), then through the device's grain as the drill's:
            // its person's zone rules judge it, its alerts carry the drill; the device's and person's real positions stay as they are.
            for (var i = 0; i < scripted.Count; i++)
            {
                var (deviceId, personId, lat, lon) = scripted[i];
                await drills.AddPositionAsync(drill!.Id, i + 1, deviceId, personId, lat, lon, clock.GetUtcNow(), ct);
                await cluster.GetGrain<IDeviceGrain>(deviceId).ReportDrill(drill.Id, lat, lon);
            }

            return TypedResults.Created($"/api/v1/drills/{drill!.Id}", new DrillDetail(drill, await drills.CasesAsync(drill.Id, ct)));
        })
        .WithSummary("Starts a drill (演练) within unitCode with its scenario's scripted cases (at most 50, each as POST /api/v1/incidents takes it), opened at once "
            + "under the drill: drill: true, left out of the KPIs; and its scripted positions (at most 50, {deviceId, lat, lon} of key persons' devices within the unit; "
            + "400 on positions[i].deviceId otherwise), judged by the persons' zone rules as the drill's: their alerts carry drillId and drill: true, count in no counter, "
            + "send no webhook and end when the drill is cleared; the devices' real positions are untouched. The centres (admin, operator) in scope; idempotent by opId.");

        group.MapGet("/", async Task<Results<Ok<Page<Drill>>, ProblemHttpResult>> (
            string? unit, string? after, int? limit, HttpContext context, DrillRuns drills, CancellationToken ct) =>
        {
            var scope = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(scope, limit, context.User, out var take, Permission.ReadCases) is { } problem)
            {
                return problem;
            }

            return TypedResults.Ok(Page<Drill>.From(await drills.ListAsync(scope, after, take + 1, ct), take, d => d.Id));
        })
        .WithSummary("The drills within unit (default the caller's), newest first: every role that reads cases sees which of them are exercises.");

        group.MapGet("/{id}", async Task<Results<Ok<DrillDetail>, ProblemHttpResult>> (string id, HttpContext context, DrillRuns drills, CancellationToken ct) =>
            !DistrictIds.IsValid(id) || await drills.FindAsync(id, ct) is not { } drill ? Problems.NotFound()
            : ScopeGuard.Deny(context.User, drill.UnitCode, Permission.ReadCases) is { } denied ? denied
            : TypedResults.Ok(new DrillDetail(drill, await drills.CasesAsync(id, ct))))
        .WithSummary("One drill with its cases (id, category, stage, unit).");

        group.MapPost("/{id}/clear", async Task<Results<Ok<DrillDetail>, ProblemHttpResult, ValidationProblem>> (
            string id, ClearRequest request, HttpContext context, DrillRuns drills, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
        {
            if (new RequestErrors().OpId(request.OpId) is { Any: true } errors)
            {
                return errors.Problem();
            }

            if (!DistrictIds.IsValid(id) || await drills.FindAsync(id, ct) is not { } drill)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, drill.UnitCode, Permission.RunDrills) is { } denied)
            {
                return denied;
            }

            // The scripted positions' alerts end with the persons' drill watch (a repeat changes nothing).
            foreach (var person in await drills.PersonsAsync(id, ct))
            {
                await cluster.GetGrain<IKeyPersonGrain>(person).ClearDrill(id);
            }

            // The cases first, each its own grain's cancellation (a repeat changes nothing); then the drill is marked cleared,
            // so a clear cut short is finished by the next one and no case is reported under a cleared drill.
            var by = context.User.Username();
            foreach (var c in await drills.CasesAsync(id, ct))
            {
                if (IncidentStages.IsOpen(c.Stage))
                {
                    await cluster.GetGrain<IIncidentGrain>(c.Id).ClearDrill(by);
                }
            }

            var cleared = await drills.ClearAsync(id, by, clock.GetUtcNow(), ct);
            return TypedResults.Ok(new DrillDetail(cleared!, await drills.CasesAsync(id, ct)));
        })
        .WithSummary("Clears a drill afterwards (演练清理): the alerts of its scripted positions resolved, its open cases cancelled (event incident.drill-cleared), "
            + "the drill marked cleared. Repeating it changes nothing.");

        return group;
    }
}
