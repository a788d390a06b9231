using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Operations;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Paging;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Registries;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Imports;

/// <summary>
/// <c>/api/v1/imports</c>: a centre brings its own city — the division list, the map, the rosters of grid workers and key
/// persons — as files. Each upload becomes a job (202), run in the background by a gateway; the job shows its progress,
/// every refused line with its reason, and what it added, updated and ended. Administrators only, within their scope.
/// </summary>
public static class ImportsApi
{
    /// <summary>The upload's form (<c>multipart/form-data</c>): the file, and the caller's operation id (or the <c>Idempotency-Key</c> header).</summary>
    /// <param name="File">The file: CSV (UTF-8) or .xlsx for divisions and rosters, GeoJSON for the map.</param>
    /// <param name="OpId">The caller's operation id; the same id with the same file answers the job it made.</param>
    /// <param name="Source">A registry file's source (来源): <c>import</c> when left out; a field owner's name only for an administrator of the whole city.</param>
    public sealed record ImportUpload(IFormFile File, string OpId, string? Source);

    public static IHostApplicationBuilder AddOpsCentreImports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImportOptions>().BindConfiguration(ImportOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.AbandonedAfterSeconds > 2 * o.RenewSeconds, "Imports:AbandonedAfterSeconds must be more than twice Imports:RenewSeconds")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new ImportRunner(
            sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<ImportJobStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ImportRunner>>())
        {
            RenewEvery = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ImportOptions>>().Value.RenewSeconds),
            Registries = (sp.GetRequiredService<RegistryWriter>(), sp.GetRequiredService<PersonalDataCipher>()),
            // A registry import's grids count their dues again at once (one-way calls: the runner does not wait for the counts).
            Committed = async grids =>
            {
                var cluster = sp.GetRequiredService<IClusterClient>();
                foreach (var grid in grids)
                {
                    await cluster.GetGrain<IRegistryDuesGrain>(grid).Refresh();
                }
            },
        });
        builder.Services.AddSingleton<ImportWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ImportWorker>());
        return builder;
    }

    public static RouteGroupBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/imports").WithTags("Imports");

        group.MapPost("/{kind}", async Task<Results<Accepted<ImportJob>, ProblemHttpResult, ValidationProblem>> (
            string kind, string? unit, HttpContext context, ImportJobStore jobs, ImportWorker worker, IOptions<ImportOptions> options, TimeProvider clock, CancellationToken ct) =>
        {
            kind = RegistryNames.Canonical(kind) ?? kind;
            // A roster is the whole roster of its unit (everyone missing from it is ended), so its unit is named, never
            // defaulted: a district's file sent without ?unit= by a city administrator would end the rest of the city.
            // A registry's file is named its unit too: the unit is what its lines are checked against.
            var roster = ImportKinds.IsRoster(kind) || ImportKinds.IsRegistry(kind);
            var scope = unit ?? (roster ? "" : context.User.UnitCodeOf());
            if (!ImportKinds.IsKnown(kind) || !UnitCode.IsValid(scope))
            {
                return new RequestErrors()
                    .Check(ImportKinds.IsKnown(kind), "kind", $"one of {string.Join(", ", ImportKinds.All)}")
                    .Check(UnitCode.IsValid(scope), "unit", roster && unit is null
                        ? ImportKinds.IsRegistry(kind) ? "the unit this registry file is of (?unit=): every line must lie within it"
                            : "the unit this file is the roster of (?unit=): everyone of it missing from the file is ended"
                        : "a unit code")
                    .Problem();
            }

            if (ScopeGuard.Deny(context.User, scope, Permission.ImportFiles) is { } denied)
            {
                return denied;
            }

            var (upload, problem, invalid) = await ReadUploadAsync(context, options.Value.MaxFileBytes, ct);
            if (problem is not null)
            {
                return problem;
            }

            if (invalid is not null)
            {
                return invalid;
            }

            if (RegistrySourceProblem(kind, upload!.Source, context.User) is { } sourceProblem)
            {
                return sourceProblem;
            }

            var source = ImportKinds.IsRegistry(kind) ? upload.Source ?? RegistryImporter.DefaultSource : null;
            var (outcome, job) = await jobs.SubmitAsync(
                new ImportSubmission(kind, scope, context.User.UnitCodeOf(), upload.FileName, upload.Content, context.User.Username(), upload.OpId, source), clock.GetUtcNow(), ct);
            if (outcome == ClaimOutcome.Reused)
            {
                return Problems.OpIdReused();
            }

            worker.Wake();
            return TypedResults.Accepted($"/api/v1/imports/{job!.Id}", job);
        })
        .Accepts<ImportUpload>("multipart/form-data")
        .DisableAntiforgery()
        .WithName("SubmitImport")
        .WithSummary("Upload a file to import (multipart field file, and opId or Idempotency-Key): kind divisions (CSV code,name), map (GeoJSON), workers or key-persons (CSV or .xlsx), or a registry — address, population, housing, organisation, place, component (CSV or .xlsx, optional field source, default import); ?unit= scopes it (default: your unit; required for rosters and registries). 202 with the job; all or nothing.");

        group.MapGet("/{id}", async Task<Results<Ok<ImportJob>, ProblemHttpResult>> (string id, HttpContext context, ImportJobStore jobs, CancellationToken ct) =>
        {
            if (!Guid.TryParse(id, out var jobId) || await jobs.FindAsync(jobId, ct) is not { } job)
            {
                return Problems.NotFound();
            }

            return ScopeGuard.Deny(context.User, job.Unit, Permission.ImportFiles) is { } denied ? denied : TypedResults.Ok(job);
        })
        .WithName("GetImport")
        .WithSummary("An import job: its state (queued, running, succeeded, failed), lines read, accepted and refused (the first refused lines with line, field and reason), and what it added, updated, ended or left unchanged.");

        group.MapGet("/", async Task<Results<Ok<Page<ImportJob>>, ProblemHttpResult>> (
            string? unit, int? limit, string? after, HttpContext context, ImportJobStore jobs, CancellationToken ct) =>
        {
            if (UnitListing.Check(unit ?? context.User.UnitCodeOf(), limit, context.User, out var take, Permission.ImportFiles) is { } problem)
            {
                return problem;
            }

            Guid? cursor = null;
            if (after is not null)
            {
                if (!Guid.TryParse(after, out var parsed))
                {
                    return Problems.InvalidQuery("after", "the next of a previous page");
                }

                cursor = parsed;
            }

            var rows = await jobs.PageAsync(unit ?? context.User.UnitCodeOf(), cursor, take + 1, ct);
            return TypedResults.Ok(Page<ImportJob>.From(rows, take, j => j.Id.ToString()));
        })
        .WithName("ListImports")
        .WithSummary("Import jobs for units within the unit (default: yours), newest first, paged.");

        return group;
    }

    /// <summary>
    /// A registry file's source: <c>import</c> by default; another (a field's owner such as <c>public-security</c>, whose
    /// values the file then carries, 一数一源) only from an administrator of the whole city, 1–60 lower-case letters, digits
    /// and dashes. Whether it is a source the registries know is the job's first check (line 1, field <c>source</c>).
    /// </summary>
    private static ValidationProblem? RegistrySourceProblem(string kind, string? source, System.Security.Claims.ClaimsPrincipal user)
    {
        if (source is null)
        {
            return null;
        }

        var errors = new RequestErrors()
            .Check(ImportKinds.IsRegistry(kind), "source", "only a registry's file names a source")
            .Check(source.Length is >= 1 and <= 60 && source.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'), "source",
                "1 to 60 lower-case letters, digits and dashes")
            .Check(source == RegistryImporter.DefaultSource || UnitCode.LevelOf(user.UnitCodeOf()) == UnitLevel.City, "source",
                $"only an administrator of the whole city imports under a source other than {RegistryImporter.DefaultSource}");
        return errors.Any ? errors.Problem() : null;
    }

    private sealed record Upload(string FileName, byte[] Content, string OpId, string? Source);

    /// <summary>The form's file and operation id, read here (not bound) so that the file may exceed the gateway's usual body limit up to <paramref name="maxFile"/>.</summary>
    private static async Task<(Upload?, ProblemHttpResult?, ValidationProblem?)> ReadUploadAsync(HttpContext context, long maxFile, CancellationToken ct)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxFile + 64 * 1024;
        }

        if (!context.Request.HasFormContentType)
        {
            return (null, null, Problems.Invalid("file", "send the file as multipart/form-data, field file"));
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = maxFile + 64 * 1024, ValueCountLimit = 16 }, ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge($"a file of at most {maxFile} bytes"), null);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return (null, null, Problems.Invalid("file", "the form could not be read: " + ex.Message));
        }

        var file = form.Files.GetFile("file");
        var opId = form.TryGetValue("opId", out var field) ? field.ToString() : context.Request.Headers["Idempotency-Key"].ToString();
        var errors = new RequestErrors()
            .Check(file is { Length: > 0 }, "file", "a file, not empty")
            .Check(file is null || file.Length <= maxFile, "file", $"at most {maxFile} bytes")
            .Check(file is null || file.FileName.Length <= 255, "file", "a file name of at most 255 characters")
            .OpId(opId);
        if (errors.Any)
        {
            return (null, null, errors.Problem());
        }

        using var content = new MemoryStream((int)file!.Length);
        await file.CopyToAsync(content, ct);
        var source = form.TryGetValue("source", out var named) && named.ToString().Length > 0 ? named.ToString() : null;
        return (new Upload(Path.GetFileName(file.FileName).Replace("\0", "", StringComparison.Ordinal), content.ToArray(), opId, source), null, null);
    }
}
