using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Collections;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Collections;

/// <summary>
/// Paper mode (人+纸): where a grid works on paper, its forms are printed from the system — a registration form listing the
/// grid's standard addresses with blank lines for residents, a summary form with the grid's figures — and what was written on
/// them is typed in afterwards by community staff as collection records with the paper's own date and "from paper"
/// provenance, reviewed like a phone's. See docs/supervision.md, "Paper mode".
/// </summary>
public static class PaperApi
{
    public static IReadOnlyList<string> Forms { get; } = ["registration", "summary"];

    /// <param name="CollectedAt">The date written on the paper (its original date): not in the future, at most a year back.</param>
    /// <param name="WorkerId">The grid worker who filled the form in (default: none named; the entering operator stands for them).</param>
    /// <param name="PaperForm">The printed form's number (表单编号), as on the sheet.</param>
    public sealed record PaperRecordRequest(string? OpId, string? GridCode, string? Registry, string? Action, string? Id, JsonObject? Data, DateTimeOffset? CollectedAt,
        string? WorkerId, string? PaperForm);

    public sealed record PaperAccepted(string Id, string State, DateTimeOffset CollectedAt, string Channel);

    private const int MaxDataLength = 16 * 1024;

    public static RouteGroupBuilder MapPaperApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Collections");

        group.MapGet("/paper-forms/{code}", async Task<Results<ContentHttpResult, ProblemHttpResult>> (
            string code, string? form, HttpContext context, MapStore map, PaperForms forms, TimeProvider clock, CancellationToken ct) =>
        {
            form ??= "registration";
            if (!Forms.Contains(form))
            {
                return Problems.InvalidQuery("form", "registration or summary");
            }

            if (!UnitCode.IsValid(code) || UnitCode.LevelOf(code) != UnitLevel.Grid || await map.FindAsync(code, ct) is not { } grid)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, code, Permission.ReadRegistries) is { } denied)
            {
                return denied;
            }

            var now = TimeZoneInfo.ConvertTime(clock.GetUtcNow(), IncidentDeadlines.CityTime);
            var number = $"{(form == "registration" ? "DJ" : "HZ")}-{code}-{now:yyyyMMdd}";
            var html = form == "registration"
                ? Registration(grid.Name, code, number, now, await forms.AddressesAsync(code, ct))
                : Summary(grid.Name, code, number, now, await forms.SummaryAsync(code, DateOnly.FromDateTime(now.DateTime), ct));
            return TypedResults.Text(html, "text/html; charset=utf-8");
        })
        .WithSummary("A printable form of a grid (人+纸), print-ready HTML (A4): form=registration (登记表: the grid's standard addresses with blank lines for "
            + "residents) or summary (汇总表: the grid's registry figures, floating residents due, open cases). Numbered DJ|HZ-<grid>-<date>; no personal data.");

        group.MapPost("/collections/paper", async Task<Results<Created<PaperAccepted>, ProblemHttpResult, ValidationProblem>> (
            PaperRecordRequest request, HttpContext context, CollectionRecords records, MapStore map, WorkerRoster roster, TimeProvider clock, CancellationToken ct) =>
        {
            request = request with { Registry = RegistryNames.Canonical(request.Registry) ?? request.Registry };
            var now = clock.GetUtcNow();
            var errors = new RequestErrors().OpId(request.OpId)
                .Check(UnitCode.IsValid(request.GridCode) && UnitCode.LevelOf(request.GridCode) == UnitLevel.Grid, "gridCode", "the grid the paper is from (15 digits)")
                .Check(RegistryNames.IsKnown(request.Registry), "registry", "one of " + string.Join(", ", RegistryNames.All))
                .Check(request.Action is not null && CollectionActions.All.Contains(request.Action), "action", "one of " + string.Join(", ", CollectionActions.All))
                .Check(request.Data is not null && request.Data.ToJsonString().Length <= MaxDataLength, "data", $"an object of at most {MaxDataLength} characters")
                .Check(request.Action is null or CollectionActions.Create ? request.Id is null : request.Id is { Length: > 0 and <= 200 }, "id",
                    "the registry row, for update and end (none for create)")
                .Check(request.CollectedAt is { } at && at <= now + TimeSpan.FromMinutes(5) && at >= now - TimeSpan.FromDays(366), "collectedAt",
                    "the date written on the paper: not in the future, at most a year back")
                .Check(request.PaperForm is { Length: >= 1 and <= 100 }, "paperForm", "the form's number as printed on it, at most 100 characters")
                .Check(request.WorkerId is not { Length: > 100 }, "workerId", "at most 100 characters");
            if (errors.Any)
            {
                return errors.Problem();
            }

            if (await map.FindAsync(request.GridCode!, ct) is null)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, request.GridCode!, Permission.ReviewCollections) is { } denied)
            {
                return denied;
            }

            if (request.WorkerId is { } worker && (await roster.AssignedGridAsync(worker, ct)) != request.GridCode)
            {
                return Problems.Unprocessable("workerId", "a grid worker assigned to the grid");
            }

            var data = request.Data!;
            if (data["unitCode"] is { } named && (named is not JsonValue v || !v.TryGetValue<string>(out var unit) || !UnitCode.IsValid(unit) || !UnitCode.IsWithin(unit, request.GridCode!)))
            {
                return Problems.Unprocessable("data.unitCode", "a unit within the grid");
            }

            if (request.Id is not null && (await records.RegistryRowAsync(request.Registry!, request.Id, ct) is not { } row || !UnitCode.IsWithin(row.UnitCode, request.GridCode!)))
            {
                return Problems.NotFound();
            }

            var enteredBy = context.User.Username();
            var submitted = await records.SubmitPaperAsync(new PaperSubmission(request.OpId!, request.Registry!, request.Action!, request.Id, data,
                request.WorkerId ?? enteredBy, request.GridCode!, request.CollectedAt!.Value, request.PaperForm!, enteredBy), ct);
            return submitted.Record is { } record
                ? TypedResults.Created($"/api/v1/collections/{record.Id}", new PaperAccepted(record.Id, record.State, record.CollectedAt, record.Channel))
                : Problems.OpIdReused();
        })
        .WithName("EnterPaperRecord")
        .WithSummary("Back-entry of a paper record (人+纸) by community staff and the centres above: a pending collection record of the grid with channel paper, "
            + "the form's number, the paper's own date as collectedAt and the worker who wrote it; reviewed like a phone's, and once approved its fields' "
            + "provenance keeps the paper's date and channel: paper. Idempotent by opId (another body 422).");

        return group;
    }

    private static string Enc(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Page(string title, string number, string body) =>
        $$"""
        <!doctype html>
        <html lang="zh-CN"><head><meta charset="utf-8"><title>{{Enc(title)}} {{Enc(number)}}</title>
        <style>
        @page { size: A4; margin: 14mm; }
        body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; font-size: 11pt; color: #000; }
        h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; }
        .meta { display: flex; justify-content: space-between; margin-bottom: 3mm; font-size: 10pt; }
        table { width: 100%; border-collapse: collapse; }
        th, td { border: 1px solid #000; padding: 1.5mm 2mm; vertical-align: top; }
        th { background: #eee; font-weight: 600; }
        td.blank { height: 8mm; }
        tr { page-break-inside: avoid; }
        .sign { margin-top: 8mm; display: flex; justify-content: space-between; }
        .en { color: #555; font-size: 8.5pt; }
        @media screen { body { max-width: 190mm; margin: 10mm auto; } }
        </style></head>
        <body data-form-number="{{Enc(number)}}">
        {{body}}
        </body></html>
        """;

    private static string Header(string title, string english, string gridName, string grid, string number, DateTimeOffset now) =>
        $"""
        <h1>{Enc(title)} <span class="en">{Enc(english)}</span></h1>
        <div class="meta"><span>网格 Grid：{Enc(gridName)}（{Enc(grid)}）</span><span>表单编号 Form No.：<b data-field="paperForm">{Enc(number)}</b></span><span>打印 Printed：{now:yyyy-MM-dd HH:mm}</span></div>
        """;

    private const string Signatures =
        """<div class="sign"><span>采集人（网格员）签字 Collected by：__________</span><span>采集日期 Date：____年__月__日</span><span>录入人 Entered by：__________</span></div>""";

    private static string Registration(string gridName, string grid, string number, DateTimeOffset now, IReadOnlyList<PaperAddress> addresses)
    {
        var rows = new StringBuilder();
        var n = 0;
        foreach (var a in addresses)
        {
            var place = string.Join(" ", new[] { a.Building, a.Unit, a.Room }.Where(x => !string.IsNullOrEmpty(x)));
            rows.Append($"""<tr data-id="{Enc(a.Id)}"><td>{++n}</td><td>{Enc(a.Road)}{Enc(a.Number)} {Enc(place)}<br><span class="en">{Enc(a.Id)}</span></td><td class="blank"></td><td></td><td></td><td></td><td></td><td></td></tr>""");
        }

        // Lines for residents at an address the list does not hold yet (a new address is collected too).
        for (var i = 0; i < 10; i++)
        {
            rows.Append($"""<tr><td>{++n}</td><td class="blank"></td><td></td><td></td><td></td><td></td><td></td><td></td></tr>""");
        }

        return Page("实有人口登记表", number, Header("实有人口登记表", "Resident registration form", gridName, grid, number, now) + $"""
            <table><thead><tr><th>序号<br><span class="en">No.</span></th><th>标准地址<br><span class="en">Standard address</span></th><th>姓名<br><span class="en">Name</span></th>
            <th>身份证号<br><span class="en">ID number</span></th><th>联系电话<br><span class="en">Phone</span></th><th>户籍/流动<br><span class="en">Registered / floating</span></th>
            <th>居住登记到期<br><span class="en">Registration expiry</span></th><th>变动（迁入/迁出/变更）<br><span class="en">Change</span></th></tr></thead>
            <tbody>{rows}</tbody></table>
            {Signatures}
            """);
    }

    private static string Summary(string gridName, string grid, string number, DateTimeOffset now, PaperSummary s)
    {
        (string Zh, string En, long Value)[] lines =
        [
            ("标准地址", "Standard addresses", s.Addresses), ("户籍人口", "Registered residents", s.Registered), ("流动人口", "Floating residents", s.Floating),
            ("流动人口登记待办（30天内到期）", "Floating residents due for registration (30 days)", s.FloatingDue), ("实有房屋", "Housing", s.Housing),
            ("实有单位", "Organisations", s.Organisations), ("重点场所", "Key places", s.Places), ("城市部件", "City components", s.Components),
            ("未结事件", "Open cases", s.OpenCases), ("待审核纸质录入", "Paper records pending review", s.PaperPending),
        ];
        var rows = string.Concat(lines.Select(l => $"""<tr><td>{Enc(l.Zh)} <span class="en">{Enc(l.En)}</span></td><td data-field="{Enc(l.En)}">{l.Value}</td><td class="blank"></td><td></td></tr>"""));
        return Page("网格基础信息汇总表", number, Header("网格基础信息汇总表", "Grid summary form", gridName, grid, number, now) + $"""
            <table><thead><tr><th>项目 <span class="en">Item</span></th><th>系统数 <span class="en">In the system</span></th><th>实地核对数 <span class="en">Counted on site</span></th><th>备注 <span class="en">Notes</span></th></tr></thead>
            <tbody>{rows}</tbody></table>
            {Signatures}
            """);
    }
}
