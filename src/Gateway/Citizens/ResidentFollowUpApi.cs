using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Gateway.Limits;
using OpsCentre.Grains;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Gateway.Citizens;

/// <summary>
/// After a resident's report: the resident rates the closed case (满意度: 满意 / 基本满意 / 不满意) and, not satisfied, may ask
/// to reopen it within <see cref="CitizenOptions.ReopenWithinDays"/> — both with the case's private follow-up token in
/// <c>X-Follow-Up-Token</c>, public and limited per address and per token; operators read the resident's contact of a
/// case they may see, masked and audited.
/// </summary>
public static class ResidentFollowUpApi
{
    public static IReadOnlyList<string> Ratings { get; } = ["satisfied", "basically-satisfied", "unsatisfied"];

    public sealed record RatingRequest(string? Rating, string? Comment);

    public sealed record ReopenRequest(string? Reason);

    /// <summary>A case's follow-up as the resident sees it after an action.</summary>
    public sealed record FollowUpAnswer(string Id, string Stage, string StatusNotes, string? Rating, DateTimeOffset? ReopenedAt);

    /// <summary>The resident's contact of a case, masked (null when they left none).</summary>
    public sealed record ResidentContact(string CaseId, string? Name, string? Phone, string? Email);

    public static RouteGroupBuilder MapResidentFollowUpApi(this IEndpointRouteBuilder app)
    {
        var group = PublicEndpoint.Mark(app.MapGroup("/api/v1/public/cases").WithTags("Residents"));
        group.MapPost("/{id}/rating", RateAsync)
            .WithSummary("The resident rates their closed case (satisfied, basically-satisfied, unsatisfied; a comment), once per closure, with its follow-up token in X-Follow-Up-Token (public). 404 for an unknown case or a wrong token, 409 when the case is not closed or was rated.");
        group.MapPost("/{id}/reopen", ReopenAsync)
            .WithSummary("A resident who rated their case unsatisfied asks, within the configured days after closure, to reopen it: the case goes back to verification (handled). Once per case; with the follow-up token (public).");

        app.MapGet("/api/v1/incidents/{id}/resident-contact", ContactAsync).WithTags("Incidents")
            .WithSummary("The contact a resident left with a case they reported, or the caller's of a 12345 call: masked (138****5678) for every role but hotline, which calls residents back and reads it in clear; each read is written to the audit log. Null fields when none was left.");
        return group;
    }

    private static async Task<Results<Ok<FollowUpAnswer>, ProblemHttpResult, ValidationProblem>> RateAsync(
        string id, RatingRequest request, [FromHeader(Name = PublicEndpoint.FollowUpTokenHeader)] string? token, CitizenReportStore store, IClusterClient cluster,
        TimeProvider clock, CancellationToken ct)
    {
        var errors = new RequestErrors()
            .Check(request.Rating is not null && Ratings.Contains(request.Rating), "rating", string.Join(", ", Ratings))
            .Check(request.Comment is not { Length: > 1000 }, "comment", "at most 1000 characters");
        if (errors.Any)
        {
            return errors.Problem();
        }

        if (await OwnCaseAsync(id, token, store, ct) is not { } found)
        {
            return Problems.NotFound();
        }

        if (found.Stage != IncidentStages.Closed)
        {
            return Problems.Conflict("Only a closed case is rated", Open311Api.StageNote(found));
        }

        if (!await store.RateAsync(id, request.Rating!, request.Comment, clock.GetUtcNow(), ct))
        {
            return Problems.Conflict("This closure was rated already");
        }

        // A rating changes the satisfaction rate (满意率) of the case's units: their screens' KPI tiles are recomputed.
        await cluster.GetGrain<IKpiFeedGrain>(Grains.Units.UnitCode.DistrictOf(found.UnitCode) ?? DistrictIds.DistrictOf(id)).Touch(found.UnitCode);
        return TypedResults.Ok(Answer((await store.FindAsync(id, ct))!));
    }

    private static async Task<Results<Ok<FollowUpAnswer>, ProblemHttpResult, ValidationProblem>> ReopenAsync(
        string id, ReopenRequest request, [FromHeader(Name = PublicEndpoint.FollowUpTokenHeader)] string? token, CitizenReportStore store,
        IClusterClient cluster, IOptions<CitizenOptions> options, TimeProvider clock, CancellationToken ct)
    {
        if (request.Reason is { Length: > 1000 })
        {
            return Problems.Invalid("reason", "at most 1000 characters");
        }

        if (await OwnCaseAsync(id, token, store, ct) is not { } found)
        {
            return Problems.NotFound();
        }

        if (found.ReopenedAt is not null)
        {
            return Problems.Conflict("A case is reopened once");
        }

        if (found.Stage != IncidentStages.Closed || found.Rating != "unsatisfied")
        {
            return Problems.Conflict("Only a closed case rated unsatisfied is reopened", Open311Api.StageNote(found));
        }

        var now = clock.GetUtcNow();
        if (found.ClosedAt is { } closed && now - closed > TimeSpan.FromDays(options.Value.ReopenWithinDays))
        {
            return Problems.Conflict($"A case is reopened within {options.Value.ReopenWithinDays} days of its closure");
        }

        // The operation id names the case: every resident acts as the one actor "resident", and the district's log keeps one
        // event per (caller, operation id), so an id shared by two cases would answer the second with the first's event.
        var result = await cluster.GetGrain<IIncidentGrain>(id).Act(new IncidentCommand(
            Residents.Reopen, CitizenReporting.Actor, $"{Residents.Reopen}:{id}", request.Reason ?? "居民不满意，申请重新核查", null, null, null,
            Database.Operations.OperationIds.Hash(Residents.Reopen, id), Residents.Role, "", null));
        if (result.Outcome is not (IncidentActionOutcome.Done or IncidentActionOutcome.Replayed))
        {
            return Problems.Conflict("The case could not be reopened", result.Reason);
        }

        await store.MarkReopenedAsync(id, now, ct);
        // The stage as the case's grain answered it: the one writer of the case, so the answer never shows the stage before.
        return TypedResults.Ok(Answer(found with { Stage = result.Incident!.Stage, Rating = null, ReopenedAt = now }));
    }

    private static async Task<Results<Ok<ResidentContact>, ProblemHttpResult>> ContactAsync(
        string id, HttpContext context, IClusterClient cluster, CitizenReportStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        if (!DistrictIds.IsValid(id) || await cluster.GetGrain<IIncidentGrain>(id).Detail() is not { Incident: var incident } || !CaseVisibility.MaySee(context.User, incident))
        {
            return Problems.NotFound();
        }

        if (!Roles.Allows(context.User.RoleOf(), Permission.ViewUnits))
        {
            return Problems.Forbidden();
        }

        // The hotline calls residents back: its operators read the number in clear; every other role masked.
        var clear = Roles.Allows(context.User.RoleOf(), Permission.TakeHotlineCalls);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var contact = await store.ContactAsync(connection, id, ct);
        await AuditLog.RecordAsync(connection, transaction, new AuditedAccess(context.User.Username(), context.User.RoleOf() ?? "", "citizen.contact", clear, null,
            $"unit={context.User.UnitCodeOf()}; fields=name,phone,email; present={contact is not null}"), [(id, incident.UnitCode)], ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(clear
            ? new ResidentContact(id, contact?.Name, contact?.Phone, contact?.Email)
            : new ResidentContact(id, contact?.Name is { } n ? PersonalDataMasking.Name(n) : null,
                contact?.Phone is { } p ? PersonalDataMasking.Phone(p) : null, contact?.Email is { } e ? PersonalDataMasking.Email(e) : null));
    }

    /// <summary>The resident's case when the token is its follow-up token; null otherwise (answered 404 alike, so neither leaks).</summary>
    private static async Task<PublicCase?> OwnCaseAsync(string id, string? token, CitizenReportStore store, CancellationToken ct) =>
        DistrictIds.IsValid(id) && token is { Length: > 0 and <= 200 } && await store.TokenMatchesAsync(id, CitizenReporting.HashToken(token), ct)
            ? await store.FindAsync(id, ct)
            : null;

    private static FollowUpAnswer Answer(PublicCase c) => new(c.Id, c.Stage, Open311Api.StageNote(c), c.Rating, c.ReopenedAt);
}

/// <summary>Registration of the social service platform (社会化服务平台): its options, stores and reporting, and the 12345 hotline's.</summary>
public static class CitizensSetup
{
    public static IHostApplicationBuilder AddOpsCentreCitizens(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CitizenOptions>().BindConfiguration(CitizenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CitizenReportStore>();
        builder.Services.AddSingleton<CitizenReporting>();
        builder.Services.AddOptions<HotlineOptions>().BindConfiguration(HotlineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<HotlineStore>();
        return builder;
    }
}
