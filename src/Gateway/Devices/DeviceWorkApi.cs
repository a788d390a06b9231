using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Database.Operators;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Paging;
using OpsCentre.Gateway.Photos;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Registries;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Devices;

/// <summary>
/// A device's own work besides its statuses, with its key: who it is, a grid worker's tasks, visits and
/// cases reported or handled from the phone, a key person's check-ins (<c>/api/v1/device/...</c>).
/// </summary>
public static class DeviceWorkApi
{
    public sealed record DeviceIdentityResponse(string DeviceId, string Kind, string BoundTo);

    /// <summary>
    /// Something assigned to the device's person: a dispatched case, a visit due. A case says where to go — its unit's name
    /// (<c>place</c>) and its position (WGS-84) — and what to do (its description: the worker handles the case); other tasks
    /// leave these null.
    /// </summary>
    public sealed record DeviceTask(string Kind, string Id, string Title, DateTimeOffset? Due, string? Description = null, string? Place = null,
        double? Lat = null, double? Lon = null);

    /// <summary>An urgent alert of the worker's grid, as the phone shows it: title, severity, place (the unit's name) and when it was raised.</summary>
    public sealed record DeviceAlert(string Id, string RuleId, string Title, string Severity, string State, string UnitCode, string? Place,
        Grains.Alerts.AlertSubject Subject, DateTimeOffset RaisedAt);

    public sealed record DeviceAction(string? OpId, string? Action, string? Note);

    public sealed record DeviceVisitRequest(string? OpId, string? KeyPersonId, string? Outcome, string? Notes, DateTimeOffset? VisitedAt);

    /// <summary>A check-in the phone may have to send again (queued while it had no signal): its op id and when it was made.</summary>
    public sealed record CheckInRequest(string? OpId, DateTimeOffset? At);

    public sealed record CheckInResponse(DateTimeOffset At);

    /// <summary>How far ahead a visit that falls due shows on the worker's phone.</summary>
    private static readonly TimeSpan VisitsShownAhead = TimeSpan.FromDays(3);

    private const int MaxVisitTasks = 200;

    /// <summary>How many urgent alerts the phone shows at most.</summary>
    private const int MaxDeviceAlerts = 20;

    public static RouteGroupBuilder MapDeviceWorkApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapDeviceGroup();

        group.MapGet("/me", (AuthenticatedDevice device) => TypedResults.Ok(new DeviceIdentityResponse(device.DeviceId, device.Kind, device.BoundTo)))
            .WithSummary("The device the X-Device-Key belongs to: lets a device check its key.");

        group.MapGet("/tasks", async Task<Results<Ok<Page<DeviceTask>>, StatusCodeHttpResult>> (
            HttpContext context, AuthenticatedDevice device, WorkerRoster roster, IncidentQueries incidents, PersonalDataReads reads, Npgsql.NpgsqlDataSource db,
            IClusterClient cluster, Grains.Map.MapStore map, TimeProvider clock, CancellationToken ct) =>
        {
            if (device.Kind != DeviceKinds.WorkerPhone)
            {
                return Validated(context, new Page<DeviceTask>([], null));
            }

            var grid = await roster.AssignedGridAsync(device.BoundTo, ct);
            var cases = await incidents.AssignedToWorkerAsync(device.BoundTo, grid, ct);
            // Each case as its grain holds it (in memory): where it is and what was reported.
            var caseTasks = await Task.WhenAll(cases.Select(async c =>
            {
                var incident = (await cluster.GetGrain<IIncidentGrain>(c.Id).Detail())?.Incident;
                var place = incident is null ? null : (await map.FindAsync(incident.UnitCode, ct))?.Name;
                return new DeviceTask("incident", c.Id, c.Title, c.DueAt, incident?.Description, place, incident?.Lat, incident?.Lon);
            }));
            // Names masked (a grid worker is not cleared); each person listed is audited as a read.
            var access = new AuditedAccess(device.BoundTo, "worker", "key-person.visit-tasks", false, AccessPurposes.Visit, $"device={device.DeviceId}; fields=name(masked),visitDue");
            var visits = grid is null ? [] : await reads.ReadListAsync(access, async (connection, transaction) =>
            {
                var due = await KeyPersonRecords.VisitsDueAsync(connection, transaction, grid, clock.GetUtcNow() + VisitsShownAhead, MaxVisitTasks, ct);
                return (due, (IReadOnlyCollection<(string, string)>)[.. due.Select(v => (v.PersonId, grid!))]);
            }, ct);
            // From the grid's registries: floating residents to re-register (names masked, each audited) and key places to inspect.
            var today = RegistryDues.Today(clock.GetUtcNow());
            var residentsAccess = new AuditedAccess(device.BoundTo, "worker", "resident.re-register-tasks", false, AccessPurposes.Visit,
                $"device={device.DeviceId}; fields=name(masked),registrationExpiry");
            var reRegister = grid is null ? [] : await reads.ReadListAsync(residentsAccess, async (connection, transaction) =>
            {
                var due = await RegistryDues.ReRegistrationsAsync(connection, transaction, grid, today.AddDays(RegistryDues.ReRegisterWithinDays), MaxVisitTasks, ct);
                return (due, (IReadOnlyCollection<(string, string)>)[.. due.Select(r => (r.PersonId, grid!))]);
            }, ct);
            // Released persons (刑满释放人员衔接) whose receipt the community confirmed and whom no visit has found since: the first visit.
            var firstVisitsAccess = new AuditedAccess(device.BoundTo, "worker", "key-person.first-visit-tasks", false, AccessPurposes.Visit,
                $"device={device.DeviceId}; fields=name(masked),firstVisitBy");
            var firstVisits = grid is null ? [] : await reads.ReadListAsync(firstVisitsAccess, async (connection, transaction) =>
            {
                var due = await ReleaseNotices.FirstVisitsDueAsync(connection, transaction, grid, MaxVisitTasks, ct);
                return (due, (IReadOnlyCollection<(string, string)>)[.. due.Select(v => (v.PersonId, grid!))]);
            }, ct);
            // The campaign visits (流动人口专项整治) of their grid: names masked, each resident audited as a read.
            var campaignAccess = new AuditedAccess(device.BoundTo, "worker", "resident.campaign-tasks", false, AccessPurposes.Visit,
                $"device={device.DeviceId}; fields=name(masked)");
            var campaignVisits = grid is null ? [] : await reads.ReadListAsync(campaignAccess, async (connection, transaction) =>
            {
                var open = await Grains.Campaigns.CampaignStore.OpenVisitsAsync(connection, transaction, grid, MaxVisitTasks, ct);
                return (open, (IReadOnlyCollection<(string, string)>)[.. open.Select(v => (v.PersonId, grid!))]);
            }, ct);
            List<InspectionDue> inspections = [];
            if (grid is not null)
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                inspections = await RegistryDues.InspectionsAsync(connection, null, grid, today.AddDays(RegistryDues.InspectionShownDays), MaxVisitTasks, ct);
            }

            return Validated(context, new Page<DeviceTask>(
                [.. caseTasks,
                 .. firstVisits.Select(v => new DeviceTask("first-visit", v.PersonId, "刑满释放首次走访 " + PersonalDataMasking.Name(v.Name), v.Due)),
                 .. visits.Select(v => new DeviceTask("visit", v.PersonId, "回访 " + PersonalDataMasking.Name(v.Name), v.Due)),
                 .. reRegister.Select(r => new DeviceTask("re-register", r.PersonId, "居住登记续办 " + PersonalDataMasking.Name(r.Name), RegistryDues.StartOf(r.Expiry.AddDays(1)))),
                 .. campaignVisits.Select(Campaigns.CampaignsApi.Task),
                 .. inspections.Select(p => new DeviceTask("inspection", p.PlaceId, "重点场所检查 " + p.Name, RegistryDues.OverdueFrom(p.Due)))], null));
        })
        .WithSummary("What is assigned to the device's worker: cases dispatched to them (or to their grid, unassigned) and not yet handled (each with its `description`, "
            + "its unit's name as `place` and its position `lat`/`lon` in WGS-84 when it has one), then first visits (`first-visit`, 刑满释放人员衔接) to released persons of their grid whose receipt the community confirmed (names masked, audited; recorded with POST /api/v1/device/visits), then visits (回访) to the key persons of their grid due within 3 days or overdue (names masked), "
            + "then the floating residents (流动人口) of their grid whose residence registration (居住登记) expires within 30 days or has expired (`re-register`, names masked, audited), "
            + "then the open visits of campaigns (`campaign-visit`, 流动人口专项整治: completed with POST /api/v1/device/campaign-tasks/{taskId}/complete; names masked, audited), "
            + "then the key places (重点场所) of their grid whose inspection falls due within 7 days or is overdue (`inspection`). A task's `due` is the moment it is late. "
            + "The answer carries an ETag; a poll with If-None-Match naming it is answered 304 without a body while the tasks are unchanged.");

        group.MapGet("/alerts", async Task<Results<Ok<Page<DeviceAlert>>, StatusCodeHttpResult, ProblemHttpResult>> (
            HttpContext context, AuthenticatedDevice device, WorkerRoster roster, Grains.Alerts.AlertQueries alerts, Grains.Map.MapStore map, CancellationToken ct) =>
        {
            if (device.Kind != DeviceKinds.WorkerPhone)
            {
                return Problems.Forbidden("Only a grid worker's phone reads its grid's urgent alerts");
            }

            var grid = await roster.AssignedGridAsync(device.BoundTo, ct);
            if (grid is null)
            {
                return Widen(Validated(context, new Page<DeviceAlert>([], null)));
            }

            // The alert list as a role that does not watch key persons sees it (their alerts left out), firing and acknowledged ones.
            var open = new List<Grains.Alerts.AlertItem>();
            foreach (var state in (string[])[Grains.Alerts.AlertStates.Firing, Grains.Alerts.AlertStates.Acknowledged])
            {
                open.AddRange(await alerts.ListAsync(new Grains.Alerts.AlertFilter(grid, state, Grains.Alerts.AlertSeverity.Critical, null, MaxDeviceAlerts, false), ct));
            }

            var newest = open.OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id, StringComparer.Ordinal).Take(MaxDeviceAlerts).ToList();
            var places = new Dictionary<string, string?>();
            foreach (var code in newest.Select(a => a.UnitCode).Distinct())
            {
                places[code] = (await map.FindAsync(code, ct))?.Name;
            }

            return Widen(Validated(context, new Page<DeviceAlert>(
                [.. newest.Select(a => new DeviceAlert(a.Id, a.RuleId, a.Title, a.Severity, a.State, a.UnitCode, places[a.UnitCode], a.Subject, a.RaisedAt))], null)));
        })
        .WithSummary("The urgent alerts a grid worker's phone shows while open: critical alerts of the worker's own grid that are firing or acknowledged (not resolved), "
            + "newest first, at most 20, each with its title, severity, state, unit and the unit's name as `place`, its subject (as GET /api/v1/alerts lists it; alerts about key persons left out) and when it was raised. "
            + "Worker phones only (another device kind: 403). The answer carries an ETag; a poll with If-None-Match naming it is answered 304 without a body while the list is unchanged.");

        group.MapGet("/incident-categories", async Task<Ok<Page<IncidentsApi.CategoryItem>>> (IncidentCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok(new Page<IncidentsApi.CategoryItem>([.. (await catalog.CategoriesAsync(ct)).Select(c => new IncidentsApi.CategoryItem(c.Code, c.Name, c.Deadlines))], null)))
            .WithSummary("The case categories a phone reports under, as GET /api/v1/incident-categories answers them to operators (the worker's app keeps them for offline reports).");

        group.MapPost("/visits", async Task<Results<Created<VisitRecorded>, ProblemHttpResult, ValidationProblem>> (
            DeviceVisitRequest request, AuthenticatedDevice device, WorkerRoster roster, VisitRecording visits, CancellationToken ct) =>
        {
            if (device.Kind != DeviceKinds.WorkerPhone)
            {
                return Problems.Forbidden("Only a grid worker's phone records visits");
            }

            if (string.IsNullOrWhiteSpace(request.KeyPersonId))
            {
                return Problems.Invalid("keyPersonId", "required");
            }

            var assigned = await roster.AssignedGridAsync(device.BoundTo, ct);
            return await visits.RecordAsync(request.KeyPersonId, new VisitRequest(request.OpId, request.Outcome, request.Notes, request.VisitedAt), device.BoundTo,
                grid => grid == assigned, ct);
        })
        .WithSummary("A grid worker records a visit (回访) to a key person of their assigned grid: outcome met | concern | absent, notes; idempotent by opId.");

        group.MapPost("/incidents", async Task<Results<Created<ReportResponse>, ProblemHttpResult, ValidationProblem>> (
            HttpRequest http, AuthenticatedDevice device, IncidentReporting reporting, PhotoUploads uploads, CancellationToken ct) =>
        {
            if (device.Kind != DeviceKinds.WorkerPhone)
            {
                return Problems.Forbidden("Only a grid worker's phone reports cases");
            }

            var (request, photos, refused) = await ReadReportAsync(http, uploads, ct);
            // A worker reports what they find wherever they are in the city; the case goes to the grid of its position.
            return refused ?? await reporting.ReportAsync(request! with { AlertId = null, Source = null }, device.BoundTo, "device", _ => null, _ => false, ct, photos: photos);
        })
        // One Accepts for both: routing matches a request's content type against the last one declared (415 otherwise).
        .Accepts<ReportRequest>("application/json", "multipart/form-data")
        .WithSummary("A grid worker reports a case from the phone (上报), at coordinates or in a grid; idempotent by opId like the operators' report. "
            + "As JSON, or as multipart/form-data with the same fields and up to 3 photos in `media` (JPEG, PNG or WebP, at most 5 MB each): each photo is re-encoded before anything is written "
            + "(metadata such as GPS EXIF gone; 413 too large, 415 another type, 422 undecodable) and stored with the case once, however often the same opId is sent.");

        // Read once, as for statuses: a check-in's time is bounded like a status's.
        var deviceOptions = app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeviceOptions>>().Value;
        var window = (deviceOptions.AcceptedBack, deviceOptions.AcceptedAhead);
        group.MapPost("/check-ins", async Task<Results<Ok<CheckInResponse>, ProblemHttpResult, ValidationProblem>> (
            CheckInRequest? request, AuthenticatedDevice device, IClusterClient cluster, TimeProvider clock) =>
        {
            if (device.Kind != DeviceKinds.PersonPhone)
            {
                return Problems.Forbidden("Only a key person's own phone checks in");
            }

            var now = clock.GetUtcNow();
            if (request is not null)
            {
                var errors = new RequestErrors().OpId(request.OpId);
                if (DeviceStatusApi.ProblemWithAt(request.At, now, window) is { } problem)
                {
                    errors.Check(false, "at", problem);
                }

                if (errors.Any)
                {
                    return errors.Problem();
                }
            }

            // Without a body (phones from before check-ins were queued) it counts at its arrival, once per request.
            var checkIn = request is null ? new KeyPersonCheckIn(now) : new KeyPersonCheckIn(request.At!.Value, device.DeviceId, request.OpId);
            var result = await cluster.GetGrain<IKeyPersonGrain>(device.BoundTo).CheckIn(checkIn);
            return result.Outcome switch
            {
                CheckInOutcome.Counted => TypedResults.Ok(new CheckInResponse(result.At!.Value)),
                CheckInOutcome.OpIdReused => Problems.OpIdReused(),
                _ => Problems.NotFound(),
            };
        })
        .WithSummary("A key person's scheduled self-report (报到) through their phone. With {opId, at} (a check-in queued while the phone had no signal) it counts at its own time, once per opId: the same again answers the same, another time under the same opId is 422; at up to 30 days back. Without a body it counts now.");

        group.MapPost("/incidents/{id}/actions", async Task<Results<Ok<IncidentView>, ProblemHttpResult, ValidationProblem>> (
            string id, HttpRequest http, AuthenticatedDevice device, WorkerRoster roster, IncidentQueries incidents, IClusterClient cluster, PhotoUploads uploads,
            Npgsql.NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
        {
            // The same reading as the operators' actions (JSON, or a form whose photos are re-encoded before anything is written).
            var (read, photos, unreadable) = await IncidentsApi.ReadActionAsync(http, uploads, ct);
            if (unreadable is not null)
            {
                return unreadable;
            }

            var request = read!;
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(photos.Count == 0 || request.Action == "feedback", PhotoUploads.Field, "photos go with feedback (反馈) only")
                .Check(request.Action is "start" or "feedback", "action", "start or feedback")
                .Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            // A device acts only on its own worker's tasks; anything else does not exist for it. An action it took already (its
            // answer lost, the case handled by it since) is sent again to be answered as the first time.
            var grid = device.Kind == DeviceKinds.WorkerPhone ? await roster.AssignedGridAsync(device.BoundTo, ct) : null;
            if (device.Kind != DeviceKinds.WorkerPhone
                || ((await incidents.AssignedToWorkerAsync(device.BoundTo, grid, ct)).All(c => c.Id != id) && !await incidents.ActedUnderAsync(id, device.BoundTo, request.OpId!, ct)))
            {
                return Problems.NotFound();
            }

            // The phone acts as its grid worker, in their grid, under the same duty table as the console; its photos are
            // stored once per opId before the action and removed if it is refused, as for the console's 反馈.
            var hash = Database.Operations.OperationIds.Hash(request.Action, request.Note);
            return IncidentReporting.Answer(await IncidentsApi.ActWithPhotosAsync(db, clock, id, request.OpId!, device.BoundTo, photos, () => cluster.GetGrain<IIncidentGrain>(id).Act(
                new IncidentCommand(request.Action!, device.BoundTo, request.OpId!, request.Note, null, null, null, hash, OperatorRoles.Worker, grid ?? "", null)), ct));
        })
        // One Accepts for both: routing matches a request's content type against the last one declared (415 otherwise).
        .Accepts<DeviceAction>("application/json", "multipart/form-data")
        .WithSummary("The worker starts a task or feeds back from the device (start | feedback); the case must be one of the device's tasks, "
            + "or one its worker already acted on under this opId (a retry after a lost answer is answered as the first time). "
            + "As JSON, or as multipart/form-data with the same fields; `feedback` (反馈) may carry up to 3 photos in `media` (JPEG, PNG or WebP, at most 5 MB each, re-encoded without metadata; "
            + "413 too large, 415 another type, 422 undecodable), stored with the case once per opId before the action is taken and removed again if it is refused.");

        return group;
    }

    /// <summary>
    /// The tasks with a strong ETag (SHA-256 of their JSON), or 304 when the phone's <c>If-None-Match</c> names it: a phone
    /// polling every few seconds gets a body only when its tasks changed (the reads and their audit happen either way).
    /// </summary>
    private static Results<Ok<Page<T>>, StatusCodeHttpResult> Validated<T>(HttpContext context, Page<T> tasks)
    {
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(tasks, System.Text.Json.JsonSerializerOptions.Web);
        var tag = "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(json))[..32] + "\"";
        context.Response.Headers.ETag = tag;
        context.Response.Headers.CacheControl = "private, no-cache";
        return context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == tag || t.Trim() == "W/" + tag))
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(tasks);
    }

    private static Results<Ok<Page<T>>, StatusCodeHttpResult, ProblemHttpResult> Widen<T>(Results<Ok<Page<T>>, StatusCodeHttpResult> answer) => answer.Result switch
    {
        Ok<Page<T>> ok => ok,
        _ => (StatusCodeHttpResult)answer.Result,
    };

    /// <summary>A report as JSON or as a form with photos (re-encoded here, before anything is written); or the problem to answer.</summary>
    private static async Task<(ReportRequest? Request, IReadOnlyList<EncodedPhoto> Photos, ProblemHttpResult? Refused)> ReadReportAsync(
        HttpRequest http, PhotoUploads uploads, CancellationToken ct)
    {
        var (json, form, photos, refused) = await uploads.ReadJsonOrFormAsync<ReportRequest>(http, "report", ct);
        if (form is null)
        {
            return (json, [], refused);
        }

        string? Field(string name) => form[name] is [{ Length: > 0 } value] ? value.Trim() : null;
        double? Number(string name) => double.TryParse(Field(name), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
        if ((Field("lat") is not null && Number("lat") is null) || (Field("lon") is not null && Number("lon") is null))
        {
            return (null, [], Problems.InvalidQuery("lat", "WGS-84 latitude and longitude in decimal degrees"));
        }

        return (new ReportRequest(Field("opId"), Field("category"), Field("urgency"), Field("description"), Number("lat"), Number("lon"), Field("gridCode"), null), photos, null);
    }
}
