using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.KeyPersons;

/// <summary>The caseload norm of corrections officers (section <c>Corrections</c>).</summary>
public sealed class CorrectionsOptions
{
    public const string Section = "Corrections";

    /// <summary>Persons one officer is expected to be responsible for at most; above it the officer is shown as over the norm. Default 20.</summary>
    [Range(1, 1000)]
    public int CaseloadNorm { get; set; } = 20;
}

/// <summary>
/// Corrections officers (社区矫正): each supervised person's named responsible officer, to whom the person's alerts go first,
/// and the officers' caseloads against the norm for the supervisors.
/// </summary>
public static class CorrectionsOfficersApi
{
    public sealed record OfficerRequest(string? Officer);

    /// <summary>The person's responsible officer: null fields while none is named.</summary>
    public sealed record OfficerView(string PersonId, string? Officer, string? AssignedBy, DateTimeOffset? AssignedAt);

    /// <summary>An officer's caseload against the norm.</summary>
    public sealed record OfficerItem(string Username, string DisplayName, string UnitCode, int Caseload, int Norm, bool OverNorm);

    /// <summary>The officers of a unit, and the persons of the unit without one.</summary>
    public sealed record CaseloadPage(IReadOnlyList<OfficerItem> Items, string? Next, int Norm, int Unassigned);

    public static IHostApplicationBuilder AddOpsCentreCorrections(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CorrectionsOptions>().BindConfiguration(CorrectionsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    public static RouteGroupBuilder MapCorrectionsOfficersApi(this IEndpointRouteBuilder app)
    {
        var person = app.MapGroup("/api/v1/key-persons/{id}/officer").WithTags("Key persons");

        person.MapGet("/", async Task<Results<Ok<OfficerView>, ProblemHttpResult>> (string id, HttpContext context, KeyPersonRecords records, CorrectionsOfficers officers, CancellationToken ct) =>
        {
            if (await records.GridOfAsync(id, ct) is not { } grid)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, grid, Permission.ReadKeyPersons) is { } denied)
            {
                return denied;
            }

            var assignment = await officers.OfPersonAsync(id, ct);
            return TypedResults.Ok(new OfficerView(id, assignment?.Officer, assignment?.AssignedBy, assignment?.AssignedAt));
        })
        .WithSummary("The person's responsible corrections officer (社区矫正); officer null while none is named.");

        person.MapPut("/", async Task<Results<Ok<OfficerAssignment>, ProblemHttpResult, ValidationProblem>> (
            string id, OfficerRequest request, HttpContext context, KeyPersonRecords records, CorrectionsOfficers officers, IClusterClient cluster, TimeProvider clock, CancellationToken ct) =>
        {
            if (request.Officer is not { Length: >= 1 and <= 100 })
            {
                return Problems.Invalid("officer", "required, the officer's username");
            }

            if (await records.GridOfAsync(id, ct) is not { } grid)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, grid, Permission.AssignOfficers) is { } denied)
            {
                return denied;
            }

            var (outcome, assignment) = await officers.AssignAsync(id, request.Officer, context.User.Username(), clock.GetUtcNow(), ct);
            if (outcome == OfficerOutcome.Invalid)
            {
                return Problems.Unprocessable("officer", "an enabled corrections account whose unit holds the person's grid");
            }

            if (outcome == OfficerOutcome.NotFound)
            {
                return Problems.NotFound();
            }

            // The person's alerts opened from now on go first to this officer (assignee).
            await cluster.GetGrain<IKeyPersonGrain>(id).Reload();
            return TypedResults.Ok(assignment!);
        })
        .WithSummary("Names (or changes) the person's responsible corrections officer: the person's alerts opened from then on carry the officer as assignee "
            + "(GET /api/v1/alerts?assignee=me lists an officer's). Administrators and the supervision centres; 422 for an officer whose unit does not hold the person.");

        var group = app.MapGroup("/api/v1/corrections").WithTags("Key persons");

        group.MapGet("/officers", async Task<Results<Ok<CaseloadPage>, ProblemHttpResult>> (
            string? unit, HttpContext context, CorrectionsOfficers officers, IOptions<CorrectionsOptions> options, CancellationToken ct) =>
        {
            if (!UnitCode.IsValid(unit))
            {
                return Problems.BadRequest("unit must be a unit code");
            }

            if (ScopeGuard.Deny(context.User, unit, Permission.ViewCaseloads) is { } denied)
            {
                return denied;
            }

            var norm = options.Value.CaseloadNorm;
            var (loads, unassigned) = await officers.CaseloadsAsync(unit, ct);
            return TypedResults.Ok(new CaseloadPage([.. loads.Select(o => new OfficerItem(o.Username, o.DisplayName, o.UnitCode, o.Caseload, norm, o.Caseload > norm))], null, norm, unassigned));
        })
        .WithSummary("The corrections officers whose unit lies within the unit, each with the number of persons they are responsible for against Corrections:CaseloadNorm "
            + "(default 20; overNorm above it), most loaded first; and the persons of the unit with no officer (unassigned).");

        return group;
    }
}
