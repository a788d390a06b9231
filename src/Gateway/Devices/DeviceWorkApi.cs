using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Database.Operators;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Paging;
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

    /// <summary>Something assigned to the device's person: a dispatched case, a visit due.</summary>
    public sealed record DeviceTask(string Kind, string Id, string Title, DateTimeOffset? Due);

    public sealed record DeviceAction(string? OpId, string? Action, string? Note);

    public sealed record DeviceVisitRequest(string? OpId, string? KeyPersonId, string? Outcome, string? Notes, DateTimeOffset? VisitedAt);

    /// <summary>A check-in the phone may have to send again (queued while it had no signal): its op id and when it was made.</summary>
    public sealed record CheckInRequest(string? OpId, DateTimeOffset? At);

    public sealed record CheckInResponse(DateTimeOffset At);

    /// <summary>How far ahead a visit that falls due shows on the worker's phone.</summary>
    private static readonly TimeSpan VisitsShownAhead = TimeSpan.FromDays(3);

    private const int MaxVisitTasks = 200;

    public static RouteGroupBuilder MapDeviceWorkApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapDeviceGroup();

        group.MapGet("/me", (AuthenticatedDevice device) => TypedResults.Ok(new DeviceIdentityResponse(device.DeviceId, device.Kind, device.BoundTo)))
            .WithSummary("The device the X-Device-Key belongs to: lets a device check its key.");

        group.MapGet("/tasks", async Task<Ok<Page<DeviceTask>>> (
            AuthenticatedDevice device, WorkerRoster roster, IncidentQueries incidents, PersonalDataReads reads, Npgsql.NpgsqlDataSource db, TimeProvider clock,
            CancellationToken ct) =>
        {
            if (device.Kind != DeviceKinds.WorkerPhone)
            {
                return TypedResults.Ok(new Page<DeviceTask>([], null));
            }

            var grid = await roster.AssignedGridAsync(device.BoundTo, ct);
            var cases = await incidents.AssignedToWorkerAsync(device.BoundTo, grid, ct);
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
            List<InspectionDue> inspections = [];
            if (grid is not null)
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                inspections = await RegistryDues.InspectionsAsync(connection, null, grid, today.AddDays(RegistryDues.InspectionShownDays), MaxVisitTasks, ct);
            }

            return TypedResults.Ok(new Page<DeviceTask>(
                [.. cases.Select(c => new DeviceTask("incident", c.Id, c.Title, c.DueAt)),
                 .. firstVisits.Select(v => new DeviceTask("first-visit", v.PersonId, "刑满释放首次走访 " + PersonalDataMasking.Name(v.Name), v.Due)),
                 .. visits.Select(v => new DeviceTask("visit", v.PersonId, "回访 " + PersonalDataMasking.Name(v.Name), v.Due)),
                 .. reRegister.Select(r => new DeviceTask("re-register", r.PersonId, "居住登记续办 " + PersonalDataMasking.Name(r.Name), RegistryDues.StartOf(r.Expiry.AddDays(1)))),
                 .. inspections.Select(p => new DeviceTask("inspection", p.PlaceId, "重点场所检查 " + p.Name, RegistryDues.OverdueFrom(p.Due)))], null));
        })
        .WithSummary("What is assigned to the device's worker: cases dispatched to them (or to their grid, unassigned) and not yet handled, then first visits (`first-visit`, 刑满释放人员衔接) to released persons of their grid whose receipt the community confirmed (names masked, audited; recorded with POST /api/v1/device/visits), then visits (回访) to the key persons of their grid due within 3 days or overdue (names masked), "
            + "then the floating residents (流动人口) of their grid whose residence registration (居住登记) expires within 30 days or has expired (`re-register`, names masked, audited), "
            + "then the key places (重点场所) of their grid whose inspection falls due within 7 days or is overdue (`inspection`). A task's `due` is the moment it is late.");

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

        group.MapPost("/incidents", (ReportRequest request, AuthenticatedDevice device, IncidentReporting reporting, CancellationToken ct) =>
            device.Kind != DeviceKinds.WorkerPhone
                ? Task.FromResult<Results<Created<ReportResponse>, ProblemHttpResult, ValidationProblem>>(Problems.Forbidden("Only a grid worker's phone reports cases"))
                // A worker reports what they find wherever they are in the city; the case goes to the grid of its position.
                : reporting.ReportAsync(request with { AlertId = null, Source = null }, device.BoundTo, "device", _ => null, _ => false, ct))
        .WithSummary("A grid worker reports a case from the phone (上报), at coordinates or in a grid; idempotent by opId like the operators' report.");

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
            string id, DeviceAction request, AuthenticatedDevice device, WorkerRoster roster, IncidentQueries incidents, IClusterClient cluster, CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.Action is "start" or "feedback", "action", "start or feedback")
                .Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            // A device acts only on its own worker's tasks; anything else does not exist for it.
            var grid = device.Kind == DeviceKinds.WorkerPhone ? await roster.AssignedGridAsync(device.BoundTo, ct) : null;
            if (device.Kind != DeviceKinds.WorkerPhone || (await incidents.AssignedToWorkerAsync(device.BoundTo, grid, ct)).All(c => c.Id != id))
            {
                return Problems.NotFound();
            }

            // The phone acts as its grid worker, in their grid, under the same duty table as the console.
            var hash = Database.Operations.OperationIds.Hash(request.Action, request.Note);
            return IncidentReporting.Answer(await cluster.GetGrain<IIncidentGrain>(id).Act(
                new IncidentCommand(request.Action!, device.BoundTo, request.OpId!, request.Note, null, null, null, hash, OperatorRoles.Worker, grid ?? "", null)));
        })
        .WithSummary("The worker starts a task or feeds back from the device (start | feedback); the case must be one of the device's tasks.");

        return group;
    }
}
