using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Citizens;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Incidents;
using OpsCentre.Gateway.Limits;
using OpsCentre.Grains;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Gateway.Photos;

/// <summary>
/// The photos of cases (照片): operators list and read those of a case they may see; the public reads those of a resident's
/// case by its number (as it reads the case itself). Residents' reports and grid workers' reports from the phone carry
/// photos. What is served is always the stored re-encoded JPEG, never an upload.
/// </summary>
public static class CasePhotosApi
{
    /// <summary>A photo of a case as a list shows it: where to fetch it and its size.</summary>
    public sealed record PhotoItem(Guid Id, int Position, int Width, int Height, int Bytes, DateTimeOffset AddedAt, string Url);

    public static RouteGroupBuilder MapCasePhotosApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/incidents").WithTags("Incidents");
        group.MapGet("/{id}/photos", async Task<Results<Ok<List<PhotoItem>>, ProblemHttpResult>> (
            string id, HttpContext context, IClusterClient cluster, CasePhotoStore photos, CitizenReportStore reports, CancellationToken ct) =>
        {
            if (await VisibleAsync(id, context, cluster) is { } refused)
            {
                return refused;
            }

            // A resident's case is public by its number, photos included (Open311 media_url); any other case's photos are served scoped.
            var resident = await reports.FindAsync(id, ct) is not null;
            return TypedResults.Ok((await photos.ListAsync(id, ct)).Select(p => new PhotoItem(p.Id, p.Position, p.Width, p.Height, p.Bytes, p.AddedAt,
                resident ? PublicUrl(context.Request, id, p.Id) : ScopedUrl(id, p.Id))).ToList());
        })
            .WithSummary("The photos of a case the caller may see, in order (re-encoded JPEGs, without their uploads' metadata), each with the address it is served at: a resident's case's at its public address (Open311 media_url), any other's (a grid worker's report from the phone) at GET /api/v1/incidents/{id}/photos/{photoId}.");

        group.MapGet("/{id}/photos/{photoId}", async Task<Results<FileContentHttpResult, ProblemHttpResult>> (
            string id, string photoId, HttpContext context, IClusterClient cluster, CasePhotoStore photos, CancellationToken ct) =>
            await VisibleAsync(id, context, cluster) is { } refused ? refused
            : Guid.TryParse(photoId, out var photo) && await photos.ContentAsync(id, photo, ct) is { } jpeg ? TypedResults.File(jpeg, "image/jpeg")
            : Problems.NotFound())
            .WithSummary("A photo of a case the caller may see, as image/jpeg (the stored re-encoded JPEG, never the upload); 404 outside the caller's scope.");

        var open = PublicEndpoint.Mark(app.MapGroup("/api/v1/public/cases").WithTags("Residents"));
        // No route constraint on the photo id: a malformed one is an unknown photo (404), as the public side answers it, not a missed route.
        open.MapGet("/{id}/photos/{photoId}", async Task<Results<FileContentHttpResult, ProblemHttpResult>> (
            string id, string photoId, CitizenReportStore reports, CasePhotoStore photos, CancellationToken ct) =>
            DistrictIds.IsValid(id) && Guid.TryParse(photoId, out var photo) && await reports.FindAsync(id, ct) is not null
            && await photos.ContentAsync(id, photo, ct) is { } jpeg
                ? TypedResults.File(jpeg, "image/jpeg")
                : Problems.NotFound())
            .WithSummary("A photo of a resident's case, as image/jpeg, by the case number (Open311 media_url; public). 404 for any other case.");
        return group;
    }

    /// <summary>The public address of a resident's case's photo: what Open311's <c>media_url</c> names, absolute as the spec asks.</summary>
    public static string PublicUrl(HttpRequest request, string caseId, Guid photoId) =>
        $"{request.Scheme}://{request.Host}/api/v1/public/cases/{Uri.EscapeDataString(caseId)}/photos/{photoId}";

    /// <summary>The scoped address of a case's photo, for those who may see the case.</summary>
    public static string ScopedUrl(string caseId, Guid photoId) => $"/api/v1/incidents/{Uri.EscapeDataString(caseId)}/photos/{photoId}";

    private static async Task<ProblemHttpResult?> VisibleAsync(string id, HttpContext context, IClusterClient cluster) =>
        !DistrictIds.IsValid(id) || await cluster.GetGrain<IIncidentGrain>(id).Detail() is not { Incident: var incident } || !CaseVisibility.MaySee(context.User, incident)
            ? Problems.NotFound()
            : !Roles.Allows(context.User.RoleOf(), Permission.ViewUnits) ? Problems.Forbidden() : null;
}

/// <summary>Registration of the photo store, its encoder and its limits.</summary>
public static class PhotosSetup
{
    public static IHostApplicationBuilder AddOpsCentrePhotos(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PhotoOptions>().BindConfiguration(PhotoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PhotoEncoder>();
        builder.Services.AddSingleton<PhotoUploads>();
        builder.Services.AddSingleton<CasePhotoStore>();
        return builder;
    }
}
