using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Gateway.Limits;
using OpsCentre.Gateway.Photos;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Gateway.Citizens;

/// <summary>
/// Open311 GeoReport v2 (JSON) for residents' clients and aggregators, without an account: the case categories as
/// services, residents' reports as service requests. Errors in the spec's shape (an array of <c>{code, description}</c>).
/// Answers carry no personal data and no internal notes: only what the resident reported and the loop's stage, dates
/// and responsible unit. docs/citizens.md maps every field.
/// </summary>
public static class Open311Api
{
    /// <summary>The most requests one list answers (the spec lets a server cap it).</summary>
    public const int MaxRequests = 1000;

    /// <summary>How far back a list reaches without <c>start_date</c> (the spec's default: 90 days).</summary>
    public const int DefaultDays = 90;

    public sealed record Service(
        [property: JsonPropertyName("service_code")] string ServiceCode,
        [property: JsonPropertyName("service_name")] string ServiceName,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("metadata")] bool Metadata,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("keywords")] string Keywords,
        [property: JsonPropertyName("group")] string Group);

    public sealed record ServiceDefinition(
        [property: JsonPropertyName("service_code")] string ServiceCode,
        [property: JsonPropertyName("attributes")] IReadOnlyList<object> Attributes);

    /// <summary>The answer to a POST; <c>follow_up_token</c> (an extension) is the resident's private token, shown once.</summary>
    public sealed record Created(
        [property: JsonPropertyName("service_request_id")] string ServiceRequestId,
        [property: JsonPropertyName("service_notice")] string ServiceNotice,
        [property: JsonPropertyName("account_id")] string? AccountId,
        [property: JsonPropertyName("follow_up_token")] string? FollowUpToken);

    public sealed record ServiceRequest(
        [property: JsonPropertyName("service_request_id")] string ServiceRequestId,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("status_notes")] string StatusNotes,
        [property: JsonPropertyName("service_name")] string ServiceName,
        [property: JsonPropertyName("service_code")] string ServiceCode,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("agency_responsible")] string AgencyResponsible,
        [property: JsonPropertyName("service_notice")] string? ServiceNotice,
        [property: JsonPropertyName("requested_datetime")] DateTimeOffset RequestedDatetime,
        [property: JsonPropertyName("updated_datetime")] DateTimeOffset UpdatedDatetime,
        [property: JsonPropertyName("expected_datetime")] DateTimeOffset? ExpectedDatetime,
        [property: JsonPropertyName("address")] string? Address,
        [property: JsonPropertyName("lat")] double Lat,
        [property: JsonPropertyName("long")] double Long,
        [property: JsonPropertyName("media_url")] string? MediaUrl,
        [property: JsonPropertyName("supporters")] int Supporters,
        [property: JsonPropertyName("media_urls")] IReadOnlyList<string> MediaUrls);

    public sealed record Error([property: JsonPropertyName("code")] int Code, [property: JsonPropertyName("description")] string Description);

    /// <summary>The form of <c>POST /open311/v2/requests.json</c> as the spec names its fields (for the API document).</summary>
    public sealed record RequestForm(
        [property: JsonPropertyName("api_key")] string? ApiKey,
        [property: JsonPropertyName("service_code")] string ServiceCode,
        [property: JsonPropertyName("lat")] double? Lat,
        [property: JsonPropertyName("long")] double? Long,
        [property: JsonPropertyName("address_string")] string? AddressString,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("email")] string? Email,
        [property: JsonPropertyName("phone")] string? Phone,
        [property: JsonPropertyName("first_name")] string? FirstName,
        [property: JsonPropertyName("last_name")] string? LastName,
        [property: JsonPropertyName("op_id")] string? OpId,
        [property: JsonPropertyName("media")] IFormFile? Media);

    public static RouteGroupBuilder MapOpen311Api(this IEndpointRouteBuilder app)
    {
        var group = PublicEndpoint.Mark(app.MapGroup("/open311/v2").WithTags("Open311"));

        group.MapGet("/services.json", async Task<Ok<List<Service>>> (IncidentCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok((await catalog.CategoriesAsync(ct)).Select(ServiceOf).ToList()))
            .WithSummary("Open311: the services residents may report, one per case category (public).");

        group.MapGet("/services/{code}.json", async Task<Results<Ok<ServiceDefinition>, JsonHttpResult<Error[]>>> (string code, IncidentCatalog catalog, CancellationToken ct) =>
            await catalog.CategoryAsync(code, ct) is { } category
                ? TypedResults.Ok(new ServiceDefinition(category.Code, []))
                : Errors(StatusCodes.Status404NotFound, "no such service_code"))
            .WithSummary("Open311: a service's definition; no service has extra attributes (public).");

        group.MapPost("/requests.json", PostAsync)
            .Accepts<RequestForm>("application/x-www-form-urlencoded", "multipart/form-data")
            .WithSummary("Open311: a resident reports a problem (form-encoded, or multipart with up to 3 photos in media: JPEG, PNG or WebP, at most 5 MB each, re-encoded; 413 too large, 415 another type, 422 undecodable); it becomes a case in stage reported, source citizen. A report of the same category within the duplicate radius of an open resident's case is that case (a supporter). Answers the case number and, once, a private follow_up_token (public).");

        group.MapGet("/requests.json", ListAsync)
            .WithSummary("Open311: residents' cases, newest first, by service_code, status (open, closed), start_date and end_date (ISO 8601; default the last 90 days), or service_request_id (comma-separated); at most 1000 (public).");

        group.MapGet("/requests/{id}.json", async Task<Results<Ok<ServiceRequest[]>, JsonHttpResult<Error[]>>> (
            string id, HttpRequest request, CitizenReportStore store, CasePhotoStore photos, CancellationToken ct) =>
            Grains.DistrictIds.IsValid(id) && await store.FindAsync(id, ct) is { } found
                ? TypedResults.Ok(new[] { RequestOf(found, MediaUrls(request, id, await photos.ListAsync(id, ct))) })
                : Errors(StatusCodes.Status404NotFound, "no such service_request_id"))
            .WithSummary("Open311: one resident's case by its number: status, the loop's stage in status_notes, the responsible unit, the stage's deadline (public).");
        return group;
    }

    private static async Task<Results<Ok<Created[]>, JsonHttpResult<Error[]>>> PostAsync(
        HttpRequest request, CitizenReporting reporting, PhotoUploads uploads, IOptions<CitizenOptions> options, CancellationToken ct)
    {
        var (form, unreadable) = await uploads.ReadFormAsync(request, ct);
        if (form is null)
        {
            return Errors(unreadable!.Status, unreadable.Reason);
        }

        if (form.Any(f => f.Value.Any(v => v?.Contains('\0') == true)))
        {
            return Errors(StatusCodes.Status400BadRequest, "a field holds characters that cannot be stored (such as NUL)");
        }

        string? Field(string name) => form[name] is [{ Length: > 0 } value] ? value.Trim() : null;
        var keys = options.Value.ApiKeys;
        if (keys.Count > 0 && (Field("api_key") is not { } key || !keys.Contains(key, StringComparer.Ordinal)))
        {
            return Errors(StatusCodes.Status403Forbidden, "api_key missing or not valid");
        }

        // Every photo is re-encoded before anything is written: a refused one leaves no case, no ledger entry, no row.
        var (photos, refused) = await uploads.EncodeAsync(form, ct);
        if (refused is not null)
        {
            return Errors(refused.Status, "media: " + refused.Reason);
        }

        var (lat, latValid) = Number(Field("lat"));
        var (lon, lonValid) = Number(Field("long"));
        if (!latValid || !lonValid)
        {
            return Errors(StatusCodes.Status400BadRequest, "lat and long must be decimal degrees (WGS-84)");
        }

        // 姓 then 名, as a Chinese name is written (王小明); a name in Latin letters keeps a space (Wang Xiaoming).
        var parts = new[] { Field("last_name"), Field("first_name") }.Where(n => n is not null).ToArray();
        var name = string.Join(parts.Any(p => p!.Any(char.IsAsciiLetter)) ? " " : "", parts);
        var outcome = await reporting.ReportAsync(new ResidentReport(
            Field("op_id"), Field("service_code"), Field("description"), lat, lon, Field("address_string"),
            new CitizenContact(name.Length > 0 ? name : null, Field("phone"), Field("email")), photos), ct);
        if (!outcome.Succeeded)
        {
            return TypedResults.Json(outcome.Errors!.Select(e => new Error(outcome.Status, e.Key.Length > 0 ? $"{e.Key}: {string.Join("; ", e.Value)}" : string.Join("; ", e.Value)))
                .ToArray(), statusCode: outcome.Status);
        }

        var notice = outcome.Duplicate
            ? $"same as case {outcome.CaseId}: already reported nearby and open; counted as a supporter (与案件 {outcome.CaseId} 相同，已记为附议)"
            : "reported; waiting to be accepted (已上报，待受理)";
        return TypedResults.Ok(new[] { new Created(outcome.CaseId!, notice, null, outcome.FollowUpToken) });
    }

    private static async Task<Results<Ok<ServiceRequest[]>, JsonHttpResult<Error[]>>> ListAsync(
        string? service_request_id, string? service_code, string? status, string? start_date, string? end_date, HttpRequest request, CitizenReportStore store,
        CasePhotoStore photos, TimeProvider clock, CancellationToken ct)
    {
        if (status is not (null or "" or "open" or "closed"))
        {
            return Errors(StatusCodes.Status400BadRequest, "status must be open or closed");
        }

        bool? open = status is "open" ? true : status is "closed" ? false : null;

        var (from, fromValid) = Time(start_date);
        var (to, toValid) = Time(end_date);
        if (!fromValid || !toValid)
        {
            return Errors(StatusCodes.Status400BadRequest, "start_date and end_date must be ISO 8601 times with an offset");
        }

        var ids = service_request_id?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids is { Length: > 100 })
        {
            return Errors(StatusCodes.Status400BadRequest, "at most 100 service_request_ids");
        }

        var end = Clamp(to ?? clock.GetUtcNow().AddMinutes(1));
        var start = Clamp(from ?? (ids is null ? end.AddDays(-DefaultDays) : CitizenReporting.Epoch));
        var found = await store.ListAsync(new PublicCaseFilter(service_code, open, start, end, ids, MaxRequests), ct);
        var media = await photos.ListAsync(found.Select(c => c.Id).ToList(), ct);
        return TypedResults.Ok(found.Select(c => RequestOf(c, MediaUrls(request, c.Id, media[c.Id]))).ToArray());
    }

    private static Service ServiceOf(IncidentCategory category) =>
        new(category.Code, category.Name, category.Name, false, "realtime", "", "");

    /// <summary>The public addresses of a case's photos, in order.</summary>
    private static List<string> MediaUrls(HttpRequest request, string caseId, IEnumerable<CasePhoto> photos) =>
        photos.Select(p => CasePhotosApi.PublicUrl(request, caseId, p.Id)).ToList();

    /// <summary>A case as Open311 shows it: never the resident's contact, never an operator's note; <c>media_url</c> its first photo.</summary>
    public static ServiceRequest RequestOf(PublicCase c, IReadOnlyList<string> mediaUrls) => new(
        c.Id, IncidentStages.IsOpen(c.Stage) ? "open" : "closed", StageNote(c), c.ServiceName, c.ServiceCode, c.Description, c.AgencyResponsible,
        c.Supporters > 0 ? $"{c.Supporters} 位居民附议 (supporters)" : null, c.RequestedAt, c.UpdatedAt, IncidentStages.IsOpen(c.Stage) ? c.StageDeadline : null,
        c.Address, c.Lat, c.Lon, mediaUrls.Count > 0 ? mediaUrls[0] : null, c.Supporters, mediaUrls);

    /// <summary>The loop's stage, in zh-CN with its code: what <c>status_notes</c> says.</summary>
    public static string StageNote(PublicCase c) => c.Stage switch
    {
        IncidentStages.Reported => "已上报，待受理 (reported)",
        IncidentStages.Accepted => "已受理立案 (accepted)",
        IncidentStages.Dispatched => "已派遣 (dispatched)",
        IncidentStages.InProgress => "处置中 (in-progress)",
        IncidentStages.Handled => c.ReopenedAt is null ? "已处置，待核查 (handled)" : "居民申请重新核查，待核查 (handled, reopened)",
        IncidentStages.Closed => "已结案 (closed)",
        IncidentStages.Cancelled => "已撤销 (cancelled)",
        var other => other,
    };

    /// <summary>A time within the span residents' cases can have (so year 1 or 9999 asks nothing odd of the database).</summary>
    private static DateTimeOffset Clamp(DateTimeOffset time) =>
        time < CitizenReporting.Epoch ? CitizenReporting.Epoch : time > CitizenReporting.Epoch.AddYears(200) ? CitizenReporting.Epoch.AddYears(200) : time;

    private static JsonHttpResult<Error[]> Errors(int status, string description) => TypedResults.Json(new[] { new Error(status, description) }, statusCode: status);

    private static (double? Value, bool Valid) Number(string? text) => text is null ? (null, true)
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? (value, true) : (null, false);

    private static (DateTimeOffset? Value, bool Valid) Time(string? text) => string.IsNullOrEmpty(text) ? (null, true)
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) ? (value, true) : (null, false);
}
