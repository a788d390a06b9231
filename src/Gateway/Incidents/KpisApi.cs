using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Database.Audit;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Gateway.Incidents;

/// <summary>
/// The assessment KPIs (考核) from the event log: <c>GET /api/v1/kpis</c> of a unit, a department or a worker; a
/// ranking of a unit's children by any figure; a CSV export of a unit's and its children's figures (audited).
/// </summary>
public static class KpisApi
{
    /// <summary>One child unit's place in a ranking; units whose figure is null (no denominator) come last, unranked.</summary>
    public sealed record RankedUnit(int? Rank, string Code, string Name, double? Value, IncidentKpis.Figures Figures);

    /// <summary>A ranking; <c>By</c> says what its items are: <c>units</c> (children), <c>departments</c> (codes) or <c>workers</c> (ids).</summary>
    public sealed record Ranking(string Unit, string Figure, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<RankedUnit> Items)
    {
        public string By { get; init; } = "units";
    }

    /// <summary>A row of the KPI export: the unit itself or one of its children.</summary>
    private sealed record KpiRow(string Code, string Name, IncidentKpis.Figures Figures);

    public static RouteGroupBuilder MapKpisApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/kpis").WithTags("Incidents");
        group.MapGet("/", async Task<Results<Ok<IncidentKpis.Figures>, ProblemHttpResult>> (
            string? unit, string? department, string? worker, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, IncidentKpis kpis,
            IncidentCatalog catalog, WorkerRoster roster, TimeProvider clock, CancellationToken ct) =>
        {
            if (new[] { unit, department, worker }.Count(x => x is not null) != 1)
            {
                return Problems.BadRequest("exactly one of unit, department or worker");
            }

            if (Period(from, to, clock) is not { } period)
            {
                return Problems.BadRequest("to must follow from, within 400 days");
            }

            // The scope of a department or a worker is the unit they belong to.
            var scopeUnit = unit is not null ? (UnitCode.IsValid(unit) ? unit : null)
                : department is not null ? (await catalog.DepartmentAsync(department, ct))?.DistrictCode
                : await roster.AssignedGridAsync(worker!, ct);
            if (scopeUnit is null)
            {
                return Problems.NotFound();
            }

            if (ScopeGuard.Deny(context.User, scopeUnit, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            var (scope, code) = unit is not null ? (IncidentKpis.Scope.Unit, unit) : department is not null ? (IncidentKpis.Scope.Department, department) : (IncidentKpis.Scope.Worker, worker!);
            return TypedResults.Ok(await kpis.ComputeAsync(scope, code, period.From, period.To, ct));
        })
        .WithSummary("Assessment KPIs of [from, to) (default: this month, Asia/Shanghai) for a unit, a department or a worker: closure figures by the period the cases closed in, intake figures by report date (docs/incidents.md).");

        group.MapGet("/ranking", async Task<Results<Ok<Ranking>, ProblemHttpResult>> (
            string? unit, string? figure, string? by, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, IncidentKpis kpis, MapStore map,
            IncidentCatalog catalog, WorkerRoster roster, TimeProvider clock, CancellationToken ct) =>
        {
            figure ??= "onTimeClosureRate";
            if (!UnitCode.IsValid(unit) || !IncidentKpis.RankableFigures.Contains(figure) || Breakdown(by) is not { } breakdown)
            {
                return Problems.BadRequest($"unit must be a unit code; figure one of {string.Join(", ", IncidentKpis.RankableFigures)}; by one of units, departments, workers");
            }

            if (Period(from, to, clock) is not { } period)
            {
                return Problems.BadRequest("to must follow from, within 400 days");
            }

            if (ScopeGuard.Deny(context.User, unit, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            var rows = await BreakdownAsync(breakdown, unit, period, kpis, map, catalog, roster, ct);
            return TypedResults.Ok(new Ranking(unit, figure, period.From, period.To, Rank(rows, figure)) { By = by ?? "units" });
        })
        .WithSummary("A unit's children (by=units, default), the departments responsible for its cases (by=departments) or the workers assigned within it (by=workers) "
            + "ranked by one KPI figure over [from, to); rates whose denominator is 0 come last, unranked. Rework, extension and reopen rates and cases left open rank lowest first.");

        group.MapGet("/export", async Task<Results<FileContentHttpResult, ProblemHttpResult>> (
            string? unit, string? by, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, IncidentKpis kpis, MapStore map, IncidentCatalog catalog,
            WorkerRoster roster, AuditLog audit, TimeProvider clock, CancellationToken ct) =>
        {
            if (!UnitCode.IsValid(unit) || Breakdown(by) is not { } breakdown)
            {
                return Problems.BadRequest("unit must be a unit code; by one of units, departments, workers");
            }

            if (Period(from, to, clock) is not { } period)
            {
                return Problems.BadRequest("to must follow from, within 400 days");
            }

            if (ScopeGuard.Deny(context.User, unit, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            var own = new KpiRow(unit, (await map.FindAsync(unit, ct))?.Name ?? unit, await kpis.ComputeAsync(IncidentKpis.Scope.Unit, unit, period.From, period.To, ct));
            var rows = (List<KpiRow>)[own, .. await BreakdownAsync(breakdown, unit, period, kpis, map, catalog, roster, ct)];
            var suffix = breakdown == IncidentKpis.Scope.Unit ? "" : "-" + by;
            var detail = $"unit={unit}; {(suffix.Length > 0 ? $"by={by}; " : "")}from={period.From:O}; to={period.To:O}; rows={rows.Count}";
            await RecordExportAsync(audit, context.User, "kpis.export", unit, detail, ct);
            return CsvExport.File($"kpis-{unit}{suffix}.csv", breakdown == IncidentKpis.Scope.Unit ? KpiColumns : [BreakdownCodeColumn, BreakdownNameColumn, .. KpiColumns.Skip(2)], rows);
        })
        .WithSummary("CSV of the KPIs of a unit and then each of its children (by=units, default), of the departments responsible for its cases (by=departments) "
            + "or of the workers assigned within it (by=workers) over [from, to): zh-CN headers with the English codes; each export is written to the audit log.");
        return group;
    }

    /// <summary>An export is on record before it is answered: who, which unit, what (audit action <c>kpis.export</c> or <c>incidents.export</c>).</summary>
    public static Task RecordExportAsync(AuditLog audit, ClaimsPrincipal user, string action, string unit, string detail, CancellationToken ct) =>
        audit.RecordAsync(new AuditedAccess(user.Username(), user.RoleOf() ?? "", action, false, null, detail), unit, ct);

    /// <summary>The period [from, to) of a KPI request: this month (Asia/Shanghai) by default; null when to does not follow from within 400 days.</summary>
    internal static (DateTimeOffset From, DateTimeOffset To)? Period(DateTimeOffset? from, DateTimeOffset? to, TimeProvider clock)
    {
        var month = IncidentKpis.CurrentMonth(clock.GetUtcNow());
        var (start, end) = (from ?? month.From, to ?? month.To);
        return end <= start || end - start > TimeSpan.FromDays(400) ? null : (start, end);
    }

    /// <summary>What a ranking or an export breaks a unit down by: <c>units</c> (its children, the default), <c>departments</c>, <c>workers</c>; null for anything else.</summary>
    private static IncidentKpis.Scope? Breakdown(string? by) => by switch
    {
        null or "units" => IncidentKpis.Scope.Unit,
        "departments" => IncidentKpis.Scope.Department,
        "workers" => IncidentKpis.Scope.Worker,
        _ => null,
    };

    /// <summary>
    /// The rows of a breakdown: the unit's children; or the departments of its district(s), each with the cases within the unit it is
    /// responsible for; or the workers assigned within it, each with the cases within the unit assigned to them. Rows without cases
    /// have empty figures (their rates null: unranked).
    /// </summary>
    private static async Task<List<KpiRow>> BreakdownAsync(IncidentKpis.Scope by, string unit, (DateTimeOffset From, DateTimeOffset To) period, IncidentKpis kpis,
        MapStore map, IncidentCatalog catalog, WorkerRoster roster, CancellationToken ct)
    {
        if (by == IncidentKpis.Scope.Unit)
        {
            return await ChildrenAsync(unit, period, kpis, map, ct);
        }

        var keys = by == IncidentKpis.Scope.Department
            ? [.. (await catalog.DepartmentsAsync(unit, ct)).Select(d => (d.Code, d.Name))]
            : await roster.AssignedWithinAsync(unit, ct);
        var figures = await kpis.ComputeWithinAsync(unit, by, [.. keys.Select(k => k.Item1)], period.From, period.To, ct);
        return [.. keys.Select(k => new KpiRow(k.Item1, k.Item2, figures.GetValueOrDefault(k.Item1) ?? IncidentKpis.Empty))];
    }

    private static async Task<List<KpiRow>> ChildrenAsync(string unit, (DateTimeOffset From, DateTimeOffset To) period, IncidentKpis kpis, MapStore map, CancellationToken ct)
    {
        var children = await map.ChildrenAsync(unit, ct);
        if (children.Count == 0)
        {
            return [];
        }

        var figures = await kpis.ComputeChildrenAsync(unit, children[0].Code.Length, period.From, period.To, ct);
        return [.. children.Select(c => new KpiRow(c.Code, c.Name, figures.GetValueOrDefault(c.Code) ?? IncidentKpis.Empty))];
    }

    private static List<RankedUnit> Rank(List<KpiRow> rows, string figure)
    {
        var valued = rows.Select(r => (Row: r, Value: IncidentKpis.ValueOf(r.Figures, figure))).ToList();
        var ordered = (IncidentKpis.LowerIsBetter(figure)
            ? valued.Where(v => v.Value is not null).OrderBy(v => v.Value)
            : valued.Where(v => v.Value is not null).OrderByDescending(v => v.Value)).ThenBy(v => v.Row.Code).ToList();
        var ranked = new List<RankedUnit>();
        for (var i = 0; i < ordered.Count; i++)
        {
            // Equal values share a rank (1, 2, 2, 4).
            var rank = i > 0 && ordered[i].Value == ordered[i - 1].Value ? ranked[i - 1].Rank : i + 1;
            ranked.Add(new RankedUnit(rank, ordered[i].Row.Code, ordered[i].Row.Name, ordered[i].Value, ordered[i].Row.Figures));
        }

        ranked.AddRange(valued.Where(v => v.Value is null).OrderBy(v => v.Row.Code).Select(v => new RankedUnit(null, v.Row.Code, v.Row.Name, null, v.Row.Figures)));
        return ranked;
    }

    private static readonly CsvExport.Column<KpiRow> BreakdownCodeColumn = new("编码", "code", r => r.Code);

    private static readonly CsvExport.Column<KpiRow> BreakdownNameColumn = new("名称", "name", r => r.Name);

    private static readonly IReadOnlyList<CsvExport.Column<KpiRow>> KpiColumns =
    [
        new("单位编码", "code", r => r.Code),
        new("单位名称", "name", r => r.Name),
        new("按期结案率", "onTimeClosureRate", r => r.Figures.OnTimeClosureRate),
        new("结案率", "closureRate", r => r.Figures.ClosureRate),
        new("返工率", "reworkRate", r => r.Figures.ReworkRate),
        new("延期率", "extensionRate", r => r.Figures.ExtensionRate),
        new("满意率", "satisfactionRate", r => r.Figures.SatisfactionRate),
        new("重办率", "reopenRate", r => r.Figures.ReopenRate),
        new("上报数", "count", r => r.Figures.Count),
        new("结案数", "closed", r => r.Figures.Closed),
        new("期末未结数", "openAtEnd", r => r.Figures.OpenAtEnd),
        new("居民事件结案数", "residentClosed", r => r.Figures.ResidentClosed),
        new("评价数", "rated", r => r.Figures.Rated),
        new("满意及基本满意数", "satisfied", r => r.Figures.Satisfied),
        new("重办数", "reopened", r => r.Figures.Reopened),
        .. IncidentStages.All.Where(s => s is not (IncidentStages.Closed or IncidentStages.Cancelled)).Select(stage =>
            new CsvExport.Column<KpiRow>("平均处理时长(分钟) " + stage, "meanMinutesByStage." + stage, r => r.Figures.MeanMinutesByStage.TryGetValue(stage, out var m) ? m : null)),
    ];
}
