using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Collections;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Devices;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Units;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Collections;

/// <summary>
/// 一次采集: what grid workers collect in the field for the base-information registries. The phone submits a collection record
/// with its key (<c>POST /api/v1/device/collections</c>); community staff and the centres above them list, approve and reject
/// them (<c>/api/v1/collections</c>). See docs/registries.md, "Collected once".
/// </summary>
public static class CollectionsApi
{
    /// <param name="Id">The registry row an update or end is about (required for them; none for a create).</param>
    /// <param name="At">When the worker collected it, by the phone's clock (default: its arrival); up to the devices' window back.</param>
    public sealed record CollectionRequest(string? OpId, string? Registry, string? Action, string? Id, JsonObject? Data, DateTimeOffset? At);

    public sealed record CollectionAccepted(string Id, string State);

    /// <summary>The most a collection's data may hold, in characters of its JSON.</summary>
    private const int MaxDataLength = 16 * 1024;

    public static RouteGroupBuilder MapDeviceCollectionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapDeviceGroup();
        var deviceOptions = app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeviceOptions>>().Value;
        var window = (deviceOptions.AcceptedBack, deviceOptions.AcceptedAhead);

        group.MapPost("/collections", async Task<Results<Accepted<CollectionAccepted>, ProblemHttpResult, ValidationProblem>> (
            CollectionRequest request, AuthenticatedDevice device, WorkerRoster roster, CollectionRecords records,
            TimeProvider clock, CancellationToken ct) =>
        {
            if (device.Kind != DeviceKinds.WorkerPhone)
            {
                return Problems.Forbidden("Only a grid worker's phone collects");
            }

            request = request with { Registry = RegistryNames.Canonical(request.Registry) ?? request.Registry };
            var now = clock.GetUtcNow();
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(RegistryNames.IsKnown(request.Registry), "registry", "one of " + string.Join(", ", RegistryNames.All))
                .Check(request.Action is not null && CollectionActions.All.Contains(request.Action), "action", "one of " + string.Join(", ", CollectionActions.All))
                .Check(request.Data is not null && request.Data.ToJsonString().Length <= MaxDataLength, "data", $"an object of at most {MaxDataLength} characters")
                .Check(request.Action is null or CollectionActions.Create ? request.Id is null : request.Id is { Length: > 0 and <= 200 }, "id",
                    "the registry row, for update and end (none for create)");
            if (request.At is not null && DeviceStatusApi.ProblemWithAt(request.At, now, window) is { } atProblem)
            {
                errors.Check(false, "at", atProblem);
            }

            if (errors.Any)
            {
                return errors.Problem();
            }

            // The worker collects in their own grid: a unit the data names must lie in it, and so must the row an update is about.
            if (await roster.AssignedGridAsync(device.BoundTo, ct) is not { } grid)
            {
                return Problems.Forbidden("The device's worker has no grid");
            }

            var data = request.Data!;
            if (data["unitCode"] is { } named && (named is not JsonValue v || !v.TryGetValue<string>(out var unit) || !UnitCode.IsValid(unit) || !UnitCode.IsWithin(unit, grid)))
            {
                return Problems.Unprocessable("data.unitCode", "a unit within your grid");
            }

            if (request.Id is not null && (await records.RegistryRowAsync(request.Registry!, request.Id, ct) is not { } row || !UnitCode.IsWithin(row.UnitCode, grid)))
            {
                return Problems.NotFound();
            }

            var submitted = await records.SubmitAsync(new CollectionSubmission(
                request.OpId!, request.Registry!, request.Action!, request.Id, data, device.BoundTo, device.DeviceId, grid, request.At ?? now), ct);
            return submitted.Record is { } record
                ? TypedResults.Accepted($"/api/v1/collections/{record.Id}", new CollectionAccepted(record.Id, record.State))
                : Problems.OpIdReused();
        })
        .WithName("SubmitCollection")
        .WithSummary("A grid worker's phone submits what it collected (采集) for a registry of its worker's grid: create | update | end a row, with the data; "
            + "stored under the device's opId before the 202 (a queue sent again finds the same record; the same opId with another body is 422), then reviewed by community staff.");

        return group;
    }

    public static RouteGroupBuilder MapCollectionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/collections").WithTags("Collections");

        group.MapGet("/", async Task<Results<Ok<Page<CollectionView>>, ProblemHttpResult>> (
            string? unit, string? state, string? after, int? limit, HttpContext context, CollectionRecords records, PersonalDataReads reads, CancellationToken ct) =>
        {
            var scope = unit ?? context.User.UnitCodeOf();
            if (UnitListing.Check(scope, limit, context.User, out var take, Permission.ReviewCollections) is { } problem)
            {
                return problem;
            }

            if (state is not null && !CollectionStates.All.Contains(state))
            {
                return Problems.InvalidQuery("state", "one of " + string.Join(", ", CollectionStates.All));
            }

            // Masked for every role (a list names no purpose); each record with personal data listed is an audited read.
            var access = PersonalDataReads.OperatorEntry(context.User, "collection.list", false, "data(masked)", null);
            var rows = await reads.ReadListAsync(access, async (_, _) =>
            {
                var found = await records.ListAsync(scope, state, after, take + 1, ct);
                var listed = found.Take(take).Where(CollectionView.HoldsPersonalData).Select(r => ("collection:" + r.Id, r.UnitCode)).ToList();
                return (found, (IReadOnlyCollection<(string, string)>)listed);
            }, ct);
            return TypedResults.Ok(Page<CollectionView>.From([.. rows.Select(r => CollectionView.Of(r, inClear: false))], take, c => c.Id));
        })
        .WithName("ListCollections")
        .WithSummary("The collection records of the units within `unit` (default: the caller's), oldest first, by `state` (pending | approved | rejected); "
            + "personal fields of the data masked, each listed record that holds them audited. Admins, operators and community staff (others 403).");

        group.MapGet("/{id}", (string id, string? purpose, HttpContext context, PersonalDataReads reads, CollectionRecords records, CancellationToken ct) =>
            reads.ReadAsync(context.User, id, async (_, _, _, token) => (await records.FindAsync(id, token))?.UnitCode, Permission.ReviewCollections,
                "collection.read", purpose, purposeRequired: false, async read =>
                    await records.FindAsync(id, ct) is { } record
                        ? new Disclosure<CollectionView>(CollectionView.Of(record, read.InClear), read.InClear, read.InClear ? "data" : "data(masked)")
                        : null, ct))
        .WithName("GetCollection")
        .WithSummary("One collection record with its review; personal fields in clear only for a cleared role naming a purpose; every read audited.");

        group.MapPost("/{id}/approve", (string id, ReviewRequest request, HttpContext context, CollectionReview review, CancellationToken ct) =>
            review.ReviewAsync(context.User, id, request, approve: true, ct))
        .WithName("ApproveCollection")
        .WithSummary("Approve a pending collection (审核通过): applied to its registry with its provenance (grid-worker, the worker, the phone's time) in one transaction "
            + "with the approval; a damaged or missing component opens a case. A field owned by another source: 409, the record stays pending with the refusal. "
            + "Idempotent by opId; approving an approved record changes nothing (200), a rejected one 409.");

        group.MapPost("/{id}/reject", (string id, ReviewRequest request, HttpContext context, CollectionReview review, CancellationToken ct) =>
            review.ReviewAsync(context.User, id, request, approve: false, ct))
        .WithName("RejectCollection")
        .WithSummary("Reject a pending collection with its reason (`note`, required): the registry is not touched. Idempotent by opId; an approved record 409.");

        return group;
    }
}
