using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Devices;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains;
using OpsCentre.Grains.Campaigns;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Registries;
using OpsCentre.Grains.Units;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Campaigns;

/// <summary>
/// Campaigns (专项整治): the floating-population campaign day (流动人口专项整治日). A supervision centre starts one within its
/// unit — one visit task per floating resident whose residence registration expires by a date, grouped by grid — the grid
/// workers see the visits among their phone's tasks (<c>campaign-visit</c>) and complete them; each grid's completion reaches
/// the wall screens (<c>campaign.progress</c>), and each grid still unfinished at the deadline raises an alert that escalates
/// grid → community → street → district (四级联控, rule <c>campaign-grid-overdue</c>). docs/supervision.md.
/// </summary>
public static class CampaignsApi
{
    /// <param name="UnitCode">Where the campaign runs: a district, street, community or grid within the caller's unit.</param>
    /// <param name="RegistrationDueBefore">Residents whose residence registration expires on or before this day (the city's calendar) are visited.</param>
    /// <param name="DueAt">When every visit is to be done (ISO 8601 with offset), after now and within 90 days.</param>
    public sealed record StartRequest(string? OpId, string? UnitCode, string? Kind, string? Title, DateOnly? RegistrationDueBefore, DateTimeOffset? DueAt);

    public sealed record CompleteRequest(string? OpId, string? Note);

    /// <summary>A completed visit: <c>applied</c> when this request did it (<c>duplicate</c> for a task done before), and the grid's progress now.</summary>
    public sealed record CompleteResponse(string Status, bool Applied, string TaskId, string CampaignId, string GridCode, int Done, int Total);

    /// <summary>The longest a campaign may run.</summary>
    private static readonly TimeSpan LongestCampaign = TimeSpan.FromDays(90);

    public static RouteGroupBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        MapDeviceCampaignsApi(app);
        var group = app.MapGroup("/api/v1/campaigns").WithTags("Supervision");

        group.MapPost("/", async Task<Results<Created<Campaign>, ProblemHttpResult, ValidationProblem>> (
            StartRequest request, HttpContext context, CampaignStore campaigns, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
        {
            var now = clock.GetUtcNow();
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(UnitCode.IsValid(request.UnitCode) && request.UnitCode!.Length >= 6, "unitCode", "a district, street, community or grid code")
                .Check(request.Kind is null || CampaignKinds.All.Contains(request.Kind), "kind", "floating-registration")
                .Check(request.Title is { Length: >= 1 and <= 200 }, "title", "required, at most 200 characters")
                .Check(request.RegistrationDueBefore is not null, "registrationDueBefore", "required, a date (YYYY-MM-DD)")
                .Check(request.DueAt is { } due && due > now && due <= now + LongestCampaign, "dueAt", "required, ISO 8601 with offset, after now and within 90 days");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (ScopeGuard.Deny(context.User, request.UnitCode!, Permission.RunCampaigns) is { } denied)
            {
                return denied;
            }

            var kindName = request.Kind ?? CampaignKinds.FloatingRegistration;
            var operation = new Operation(context.User.Username(), request.OpId!, "campaign.start",
                OperationIds.Hash(request.UnitCode, kindName, request.Title, request.RegistrationDueBefore, request.DueAt));
            var result = await campaigns.StartAsync(operation,
                new CampaignOpening(request.UnitCode!, kindName, request.Title!, request.RegistrationDueBefore!.Value, request.DueAt!.Value), now, ct);
            switch (result.Outcome)
            {
                case CampaignOutcome.OpIdReused:
                    return Problems.OpIdReused();
                case CampaignOutcome.Invalid:
                    return Problems.Unprocessable("registrationDueBefore", result.Selected == 0
                        ? "no floating resident of the unit has a residence registration expiring by then"
                        : $"{result.Selected} residents selected, more than {CampaignStore.MaxTasks}: start the campaign for a smaller unit");
            }

            // A retried start announces again and is stored once (the progress events' operation ids name their counts).
            await cluster.GetGrain<ICampaignGrain>(result.Campaign!.Id).Start();
            return TypedResults.Created($"/api/v1/campaigns/{result.Campaign.Id}", result.Campaign);
        })
        .WithSummary("Starts a campaign (专项整治, kind floating-registration: 流动人口专项整治日) within unitCode: one visit task per floating resident (流动人口) of the unit "
            + "whose residence registration expires on or before registrationDueBefore, grouped by grid, all due at dueAt. 422 when none is selected. "
            + "The supervision centres (admin, operator) in scope; idempotent by opId. Each grid still unfinished at dueAt raises campaign-grid-overdue (四级联控).");

        group.MapGet("/", async Task<Results<Ok<Page<Campaign>>, ProblemHttpResult>> (
            string? unit, string? state, string? after, int? limit, HttpContext context, CampaignStore campaigns, CancellationToken ct) =>
        {
            var scope = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(scope, limit, context.User, out var take) is { } problem)
            {
                return problem;
            }

            if (state is not null and not ("open" or "closed"))
            {
                return Problems.InvalidQuery("state", "open or closed");
            }

            var rows = await campaigns.ListAsync(scope, state, after, take + 1, ct);
            return TypedResults.Ok(Page<Campaign>.From(rows, take, c => c.Id));
        })
        .WithSummary("The campaigns within unit (default the caller's), newest first, by state (open | closed), each with its grids' progress (total, done). "
            + "A campaign of a wider unit is not listed to a narrower one.");

        group.MapGet("/{id}", async Task<Results<Ok<Campaign>, ProblemHttpResult>> (string id, HttpContext context, CampaignStore campaigns, CancellationToken ct) =>
            !DistrictIds.IsValid(id) || await campaigns.FindAsync(id, ct) is not { } found ? Problems.NotFound()
            : ScopeGuard.Deny(context.User, found.UnitCode, Permission.ViewUnits) is { } denied ? denied
            : TypedResults.Ok(found))
        .WithSummary("One campaign with each grid's progress: its visit tasks (total) and those done.");

        return group;
    }

    /// <summary>The device side: a grid worker's phone completes a campaign visit of its own grid (the visits are in GET /api/v1/device/tasks).</summary>
    private static void MapDeviceCampaignsApi(IEndpointRouteBuilder app)
    {
        var device = app.MapDeviceGroup();
        device.MapPost("/campaign-tasks/{taskId}/complete", async Task<Results<Ok<CompleteResponse>, ProblemHttpResult, ValidationProblem>> (
            string taskId, CompleteRequest? request, AuthenticatedDevice device, WorkerRoster roster, CampaignStore campaigns, IClusterClient cluster,
            TimeProvider clock, CancellationToken ct) =>
        {
            if (device.Kind != DeviceKinds.WorkerPhone)
            {
                return Problems.Forbidden("Only a grid worker's phone completes campaign visits");
            }

            var errors = new RequestErrors().OpId(request?.OpId)
                .Check(request?.Note is not { Length: > 2000 }, "note", "at most 2000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            // A task of another grid, or of a closed campaign, does not exist for this phone.
            if (!IsTaskId(taskId) || await roster.AssignedGridAsync(device.BoundTo, ct) is not { } grid)
            {
                return Problems.NotFound();
            }

            var operation = new Operation(device.BoundTo, request!.OpId!, "campaign.task.complete", OperationIds.Hash(taskId, request.Note ?? ""));
            var result = await campaigns.CompleteAsync(operation, taskId, grid, request.Note, clock.GetUtcNow(), ct);
            if (result.Outcome == CampaignOutcome.OpIdReused)
            {
                return Problems.OpIdReused();
            }

            if (result.Outcome == CampaignOutcome.NotFound)
            {
                return Problems.NotFound();
            }

            // Announced after the commit, on a resend too: a crash between the two is made good by the phone's retry.
            var campaign = result.Campaign!;
            await cluster.GetGrain<ICampaignGrain>(campaign.Id).TaskDone(grid);
            var progress = campaign.Grids.Single(g => g.GridCode == grid);
            var applied = result.Outcome == CampaignOutcome.Done;
            return TypedResults.Ok(new CompleteResponse(applied ? "applied" : "duplicate", applied, taskId, campaign.Id, grid, progress.Done, progress.Total));
        })
        .WithSummary("A grid worker's phone completes a campaign visit (`campaign-visit` in GET /api/v1/device/tasks) of its worker's grid, with an optional note; "
            + "applied once per opId (the same again answers the same; another opId for a task done before answers status duplicate). A task of another grid or a closed campaign: 404.");
    }

    /// <summary>A campaign task's id: the campaign's (a district-scoped id), a dash and its number.</summary>
    public static bool IsTaskId(string? id) =>
        id is { Length: > 40 and <= 50 } && DistrictIds.IsValid(id[..39]) && id[39] == '-' && id[40..].All(char.IsAsciiDigit);

    /// <summary>A campaign visit as the worker's phone lists it: the resident's name masked (the caller audits the read).</summary>
    public static DeviceWorkApi.DeviceTask Task(CampaignVisit visit) =>
        new("campaign-visit", visit.TaskId, "流动人口专项整治走访 " + PersonalDataMasking.Name(visit.Name), visit.DueAt);
}
