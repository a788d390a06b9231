using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniExcelLibs;
using Npgsql;
using OpsCentre.Database.Audit;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.KeyPersons;
using OpsCentre.Grains.Registries;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Registries;

/// <summary>
/// <c>GET /api/v1/registry/{registry}/export</c> (导出): a registry's live records within a unit of the caller's scope, as
/// CSV or an Excel workbook in the columns its import takes (<see cref="RegistryFile"/>), personal fields masked by role as
/// the registry's reads mask them; streamed. An export of the population is a read of personal data: one audit row, naming
/// the unit and how many residents it holds, committed before the first row is sent.
/// </summary>
public static class RegistryExportApi
{
    /// <summary>The audit action of a population export; its subject is the unit exported.</summary>
    public const string PopulationExport = "registry.population.export";

    public static IHostApplicationBuilder AddOpsCentreRegistryExports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RegistryExportReader>();
        return builder;
    }

    public static RouteGroupBuilder MapRegistryExportApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/registry").WithTags("Registries");
        group.MapGet("/{registry}/export", async Task<Results<EmptyHttpResult, ProblemHttpResult, ValidationProblem>> (
            string registry, string? unit, string? format, string? purpose, HttpContext context, RegistryExportReader reader, NpgsqlDataSource db, CancellationToken ct) =>
        {
            registry = RegistryNames.Canonical(registry) ?? registry;
            var scope = unit ?? context.User.UnitCodeOf();
            var errors = new RequestErrors()
                .Check(RegistryNames.IsKnown(registry), "registry", $"one of {string.Join(", ", RegistryNames.All)}")
                .Check(UnitCode.IsValid(scope), "unit", "a unit code")
                .Check(format is null or "csv" or "xlsx", "format", "csv or xlsx");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (PersonalDataReads.CheckPurpose(purpose, required: false, out var named) is { } invalidPurpose)
            {
                return invalidPurpose;
            }

            if (ScopeGuard.Deny(context.User, scope, RegistryReads.Permission) is { } denied)
            {
                return denied;
            }

            var inClear = RegistryReads.MaySeeUnmasked(context.User, named);
            await using var export = await reader.OpenAsync(registry, scope, (field, value) => inClear ? value : RegistryReads.Mask(field, value), ct);
            if (registry == RegistryNames.Population)
            {
                await RecordAsync(db, context.User, scope, export.Count, inClear, named, ct);
            }

            var xlsx = format == "xlsx";
            var columns = RegistryFile.Columns(registry);
            var response = context.Response;
            response.ContentType = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8";
            response.Headers.ContentDisposition = $"attachment; filename=\"{registry}-{scope}.{(xlsx ? "xlsx" : "csv")}\"";
            if (xlsx)
            {
                await WriteWorkbookAsync(response, columns, export, ct);
            }
            else
            {
                await WriteCsvAsync(response, columns, export, ct);
            }

            return TypedResults.Empty;
        })
        .Produces(StatusCodes.Status200OK, contentType: "text/csv")
        .Produces(StatusCodes.Status200OK, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .WithName("ExportRegistry")
        .WithSummary("A registry's live records within the unit (default: yours), as CSV (format=csv, the default) or Excel (format=xlsx), in the "
            + "columns its import (POST /api/v1/imports/{registry}) takes: id, then every field; the header labels zh-CN with the English name in "
            + "brackets. Personal fields (name, ID number, phone) are masked as the registry's reads mask them, in clear only for a cleared role "
            + "naming a purpose. Streamed. An export of the population is audited: one row naming the unit and the count.");
        return group;
    }

    /// <summary>One audit row for a population export, in a transaction of its own that commits before anything is sent.</summary>
    private static async Task RecordAsync(NpgsqlDataSource db, ClaimsPrincipal user, string unit, long count, bool inClear, AccessPurpose? purpose, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await AuditLog.RecordAsync(connection, transaction,
            PersonalDataReads.OperatorEntry(user, PopulationExport, inClear, "id, name, idNumber, phone, …", purpose, $"residents={count}"), [(unit, unit)], ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>CSV as the API's other exports write it (RFC 4180, UTF-8 with a byte-order mark, CRLF), flushed as it goes.</summary>
    private static async Task WriteCsvAsync(HttpResponse response, IReadOnlyList<RegistryColumn> columns, RegistryExportReader.Export export, CancellationToken ct)
    {
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 64 * 1024);
        await writer.WriteAsync(string.Join(',', columns.Select(c => Cell(c.ExportHeader))) + "\r\n");
        var line = new StringBuilder();
        await foreach (var row in export.RowsAsync(ct))
        {
            line.Clear();
            for (var i = 0; i < row.Length; i++)
            {
                line.Append(i == 0 ? "" : ",").Append(Cell(RegistryFile.Protected(row[i])));
            }

            await writer.WriteAsync(line.Append("\r\n"), ct);
        }

        await writer.FlushAsync(ct);
    }

    /// <summary>
    /// An .xlsx workbook (MiniExcel) written to a temporary file as the rows are read — a zip archive is finished by its
    /// directory at the end — then sent; the file goes when it is closed.
    /// </summary>
    private static async Task WriteWorkbookAsync(HttpResponse response, IReadOnlyList<RegistryColumn> columns, RegistryExportReader.Export export, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), "opscentre-export-" + Guid.NewGuid().ToString("N") + ".xlsx");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var headers = columns.Select(c => c.ExportHeader).ToArray();
        var sheet = export.Rows().Select(row =>
        {
            var cells = new Dictionary<string, object?>(headers.Length, StringComparer.Ordinal);
            for (var i = 0; i < headers.Length; i++)
            {
                cells[headers[i]] = row[i];
            }

            return cells;
        });
        // The workbook writer enumerates synchronously; the rows come from the export's own connection, not the request.
        await Task.Run(() => file.SaveAs(sheet, printHeader: true, excelType: ExcelType.XLSX), ct);
        file.Position = 0;
        response.ContentLength = file.Length;
        await file.CopyToAsync(response.Body, ct);
    }

    private static string Cell(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
