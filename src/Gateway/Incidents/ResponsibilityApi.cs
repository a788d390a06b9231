using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Operations;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Incidents;

/// <summary>
/// The responsibility list (权责清单): per district, category × place → the default responsible department or unit, published
/// as versions. 受理 dispatches a case by it in one step (<c>POST /api/v1/incidents/{id}/dispatch-by-list</c>: accept and
/// dispatch as the caller, under the duty table), and an entry marked <c>auto</c> dispatches new cases by itself.
/// </summary>
public static class ResponsibilityApi
{
    public sealed record EntryRequest(string? Category, string? PlaceCode, string? ResponsibleCode, bool? Auto);

    public sealed record PublishRequest(string? OpId, string? Note, List<EntryRequest>? Entries);

    public sealed record DispatchByListRequest(string? OpId, string? Note);

    /// <summary>The most entries one version holds.</summary>
    public const int MaxEntries = 1000;

    public static RouteGroupBuilder MapResponsibilityApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/responsibility-list").WithTags("Incidents");

        group.MapGet("/{code}", async Task<Results<Ok<ResponsibilityListVersion>, ProblemHttpResult>> (
            string code, int? version, HttpContext context, ResponsibilityList list, CancellationToken ct) =>
        {
            // The district's code, or a unit's within it (a grid, for its worker): the list of the district that holds it.
            if (!UnitCode.IsValid(code) || code.Length < 6)
            {
                return Problems.NotFound();
            }

            // Read by whoever acts on the unit's cases: the levels below it as well as the levels above.
            var unit = context.User.UnitCodeOf();
            if (!UnitCode.IsWithin(code, unit) && !UnitCode.IsWithin(unit, code))
            {
                return Problems.NotFound();
            }

            if (!Roles.Allows(context.User, Permission.ReadCases))
            {
                return Problems.Forbidden();
            }

            return await list.FindAsync(code[..6], version, ct) is { } found ? TypedResults.Ok(found) : Problems.NotFound();
        })
        .WithSummary("A district's responsibility list (权责清单), by the district's code or a unit's within it (read by the levels above and below that unit): "
            + "the current version, or ?version=n; each entry category × place (a unit code within the district) → responsibleCode, auto.");

        group.MapPut("/{code}", async Task<Results<Ok<ResponsibilityListVersion>, ProblemHttpResult, ValidationProblem>> (
            string code, PublishRequest request, HttpContext context, ResponsibilityList list, IncidentCatalog catalog, MapStore map, TimeProvider clock, CancellationToken ct) =>
        {
            // A district-wide setting: a role that never publishes one is refused before the district is looked at (like departments).
            if (!Roles.Allows(context.User.RoleOf(), Permission.ManageResponsibilityList))
            {
                return Problems.Forbidden();
            }

            if (!UnitCode.IsValid(code) || code.Length != 6)
            {
                return Problems.NotFound();
            }

            // Another district's list is not found, whatever the body: its entries are checked against its categories, map and
            // departments only for a caller who may publish it.
            if (ScopeGuard.Deny(context.User, code, Permission.ManageResponsibilityList) is { } denied)
            {
                return denied;
            }

            var entries = request.Entries ?? [];
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters")
                .Check(entries.Count <= MaxEntries, "entries", $"at most {MaxEntries} entries")
                .Check(entries.All(e => e is not null), "entries", "each an entry {category, placeCode, responsibleCode, auto}")
                .Check(entries.Where(e => e is not null).Select(e => (e.Category, e.PlaceCode)).Distinct().Count() == entries.Count(e => e is not null), "entries",
                    "each category × place once");

            for (var i = 0; i < entries.Count && !errors.Any; i++)
            {
                var e = entries[i];
                errors.Check(e.Category is not null && await catalog.CategoryAsync(e.Category, ct) is not null, $"entries[{i}].category", "a category code")
                    .Check(e.PlaceCode is not null && UnitCode.IsValid(e.PlaceCode) && e.PlaceCode.StartsWith(code, StringComparison.Ordinal) && e.PlaceCode.Length <= 15
                        && await map.FindAsync(e.PlaceCode, ct) is not null, $"entries[{i}].placeCode", "the district or a unit within it")
                    .Check(e.ResponsibleCode is not null && e.ResponsibleCode.StartsWith(code, StringComparison.Ordinal) && (UnitCode.IsValid(e.ResponsibleCode)
                        ? await map.FindAsync(e.ResponsibleCode, ct) is not null
                        : await catalog.DepartmentAsync(e.ResponsibleCode, ct) is { Disabled: false }), $"entries[{i}].responsibleCode",
                        "an enabled department of the district, or a unit within it");
            }

            if (errors.Any)
            {
                return errors.Problem();
            }

            var operation = new Operation(context.User.Username(), request.OpId!, "responsibility-list.publish",
                OperationIds.Hash(code, request.Note ?? "", string.Join(";", entries.Select(e => $"{e.Category}|{e.PlaceCode}|{e.ResponsibleCode}|{e.Auto}"))));
            var (outcome, published) = await list.PublishAsync(operation, code, request.Note ?? "",
                [.. entries.Select(e => new ResponsibilityEntry(e.Category!, e.PlaceCode!, e.ResponsibleCode!, e.Auto ?? false))], clock.GetUtcNow(), ct);
            return outcome == ClaimOutcome.Reused ? Problems.OpIdReused() : TypedResults.Ok(published!);
        })
        .WithSummary("Publishes the district's responsibility list as its next version (the whole list; earlier versions stay readable). The district's "
            + "centre and administrators; idempotent by opId.");

        app.MapPost("/api/v1/incidents/{id}/dispatch-by-list", async Task<Results<Ok<IncidentView>, ProblemHttpResult, ValidationProblem>> (
            string id, DispatchByListRequest request, HttpContext context, IClusterClient cluster, ResponsibilityList list, CancellationToken ct) =>
        {
            var errors = new RequestErrors().OpId(request.OpId).Check(request.Note is not { Length: > 2000 }, "note", "at most 2000 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (!DistrictIds.IsValid(id) || await cluster.GetGrain<IIncidentGrain>(id).Detail() is not { Incident: var incident } || !CaseVisibility.MaySee(context.User, incident))
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, SideOf(incident, context.User), Permission.HandleIncidents) is { } denied)
            {
                return denied;
            }

            if (await list.MatchAsync(incident.Category, incident.UnitCode, ct) is not { } match)
            {
                return Problems.Unprocessable("category", "the district's responsibility list has no entry for this category here");
            }

            // 受理 and 派遣 as the caller, each held to the case's duty table and stage like POST /actions; a retry replays both.
            var note = request.Note ?? $"权责清单 v{match.Version}: {match.Entry.PlaceCode}";
            IncidentActionResult? result = null;
            foreach (var action in incident.Stage == IncidentStages.Reported ? new[] { "accept", "dispatch" } : ["dispatch"])
            {
                var target = action == "dispatch" ? match.Entry.ResponsibleCode : null;
                result = await cluster.GetGrain<IIncidentGrain>(id).Act(new IncidentCommand(action, context.User.Username(), $"{request.OpId}/{action}", note, target, null, null,
                    OperationIds.Hash(action, note, target, null, null), context.User.RoleOf() ?? "", context.User.UnitCodeOf(), context.User.DepartmentOf()));
                if (result.Outcome is not (IncidentActionOutcome.Done or IncidentActionOutcome.Replayed))
                {
                    break;
                }
            }

            return IncidentReporting.Answer(result!);
        })
        .WithTags("Incidents")
        .WithSummary("受理 in one step by the responsibility list: accepts the case (if reported) and dispatches it to the list's responsible department or unit "
            + "for its category and place, as the caller under the duty table (403 / 409 as POST /actions). 422 when the list has no entry for it.");

        return group;
    }

    /// <summary>The caller's side of the case: the first unit it involves within the caller's scope, else where it is.</summary>
    private static string SideOf(IncidentView incident, ClaimsPrincipal user) =>
        incident.Involved().Select(CaseVisibility.ScopeUnitOf).FirstOrDefault(code => UnitCode.IsWithin(code, user.UnitCodeOf())) ?? incident.UnitCode;
}
