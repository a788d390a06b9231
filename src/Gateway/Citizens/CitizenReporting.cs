using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Operations;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.Photos;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Gateway.Citizens;

/// <summary>A resident's report (居民上报) as the public page or an Open311 client sends it, with its photos already re-encoded.</summary>
public sealed record ResidentReport(string? OpId, string? ServiceCode, string? Description, double? Lat, double? Lon, string? Address, CitizenContact Contact,
    IReadOnlyList<EncodedPhoto>? Photos = null);

/// <summary>
/// What came of a resident's report: the case (new, or the open case it duplicates, counted as a supporter), the private
/// follow-up token (only for a new case, shown once), or the field errors and the status to answer them with.
/// </summary>
public sealed record ResidentReportOutcome(string? CaseId, string? FollowUpToken, bool Duplicate, int Status, IReadOnlyDictionary<string, string[]>? Errors)
{
    public bool Succeeded => CaseId is not null;
}

/// <summary>
/// Residents' reports into the closed loop, without an account: a duplicate of an open resident's case nearby is that
/// case (FixMyStreet's nearby reports); anything else goes through <see cref="IncidentReporting"/> — the same validation,
/// grid lookup (<c>GridLocator</c>), opId ledger and case grain as an operator's report — as source <c>citizen</c>, stage
/// <c>reported</c>, waiting for 受理. What the resident brought, their photos (<see cref="CasePhotoStore"/>) and their contact apart go to
/// <see cref="CitizenReportStore"/> in one transaction before the report is answered.
/// </summary>
public sealed class CitizenReporting(IncidentReporting reporting, CitizenReportStore store, RegistryReader addresses, IOptions<CitizenOptions> options, TimeProvider clock)
{
    /// <summary>The actor (and ledger caller) of residents' reports: they have no account, so no name.</summary>
    public const string Actor = "resident";

    /// <summary>The earliest time a public list reaches back to.</summary>
    public static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<ResidentReportOutcome> ReportAsync(ResidentReport report, CancellationToken ct)
    {
        var contact = report.Contact;
        var errors = new Dictionary<string, string[]>();
        // An address alone is placed through the standard addresses (标准地址) the registries hold.
        if ((report.Lat is null || report.Lon is null) && report.Address is { Length: > 0 and <= 500 } said && await addresses.PlaceAsync(said, ct) is { } placed)
        {
            report = report with { Lat = placed.Lat, Lon = placed.Lon };
        }

        Check(report.Lat is not null && report.Lon is not null, "lat",
            report.Address is { Length: > 0 } ? "lat and long, or an address_string the standard addresses hold (road, number, building, unit, room)" : "lat and long are required, or an address_string");
        Check(report.Address is not { Length: > 500 }, "address_string", "at most 500 characters");
        Check(contact.Phone is null || (contact.Phone.Length is >= 3 and <= 20 && contact.Phone.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or ' ')), "phone", "digits, at most 20");
        Check(contact.Email is null || (contact.Email.Length <= 200 && contact.Email.Contains('@')), "email", "an e-mail address");
        Check(contact.Name is not { Length: > 100 }, "name", "at most 100 characters");
        Check(report.OpId is null || OperationIds.IsValid(report.OpId), "op_id", OperationIds.Requirement);
        if (errors.Count > 0)
        {
            return new(null, null, false, StatusCodes.Status400BadRequest, errors);
        }

        var settings = options.Value;
        if (report.ServiceCode is { } code && await store.NearbyOpenAsync(code, report.Lat!.Value, report.Lon!.Value,
                clock.GetUtcNow().AddHours(-settings.DuplicateWithinHours), settings.DuplicateRadiusMetres, ct) is { } same)
        {
            // The duplicate's photos show the same problem: they join the case's.
            await store.AddSupporterAsync(same, report.Photos ?? [], clock.GetUtcNow(), ct);
            return new(same, null, true, StatusCodes.Status200OK, null);
        }

        var request = new ReportRequest(report.OpId ?? Guid.NewGuid().ToString("N"), report.ServiceCode, "normal", report.Description, report.Lat, report.Lon,
            null, null, Residents.Source);
        var answer = await reporting.ReportAsync(request, Actor, Residents.Source, _ => null, _ => false, ct);
        switch (answer.Result)
        {
            case Created<ReportResponse> { Value: { } created }:
                var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                var saved = await store.SaveAsync(new CitizenReport(created.Id, report.ServiceCode!, report.Description!, report.Lat!.Value, report.Lon!.Value,
                    report.Address, HashToken(token), clock.GetUtcNow()), contact, report.Photos ?? [], ct);
                // A retry of a report already stored (the same op_id): the case again, but its token was given the first time only.
                return new(created.Id, saved ? token : null, false, StatusCodes.Status201Created, null);
            case ValidationProblem invalid:
                return new(null, null, false, StatusCodes.Status400BadRequest, Rename(invalid.ProblemDetails.Errors));
            case ProblemHttpResult problem:
                return new(null, null, false, problem.StatusCode, new Dictionary<string, string[]> { [""] = [problem.ProblemDetails.Title ?? "refused"] });
            default:
                throw new InvalidOperationException("an unexpected answer from IncidentReporting");
        }

        void Check(bool valid, string field, string message)
        {
            if (!valid)
            {
                errors[field] = [message];
            }
        }
    }

    /// <summary>The SHA-256 of a follow-up token: all that is stored of it.</summary>
    public static byte[] HashToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The operator API's field names as the resident's side names them (Open311's).</summary>
    private static Dictionary<string, string[]> Rename(IDictionary<string, string[]> errors) => errors.ToDictionary(e => e.Key switch
    {
        "category" => "service_code",
        "opId" => "op_id",
        "lon" or "location" => "lat",
        var other => other,
    }, e => e.Value.Select(m => m.Replace("GET /api/v1/incident-categories", "GET /open311/v2/services.json", StringComparison.Ordinal)).ToArray());
}
