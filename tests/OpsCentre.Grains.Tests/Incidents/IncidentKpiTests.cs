using System.Text.Json;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Grains.Tests.Incidents;

/// <summary>KPIs over a hand-built event log: four cases whose every step is written by hand, figures computed by hand.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class IncidentKpiTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 5, 2, 0, 0, TimeSpan.Zero);

    private sealed class HandBuiltCase(string grid, string name)
    {
        public string Id { get; } = DistrictIds.New(grid);

        public IncidentView State { get; set; } = null!;

        public List<(string Type, DateTimeOffset At, IncidentView State)> Events { get; } = [];

        public HandBuiltCase Step(string type, double minutes, Func<IncidentView, IncidentView> change)
        {
            var at = T0.AddMinutes(minutes);
            State = State is null
                ? new IncidentView(Id, "sanitation", "normal", name, grid, null, null, IncidentStages.Reported, at, null, null, false, at, "tests", "operator", null, null, 0, 0, 0, null, null, null, null, null, null)
                : change(State);
            if (State.Stage != Events.LastOrDefault().State?.Stage)
            {
                State = State with { StageEnteredAt = at };
            }

            Events.Add((type, at, State));
            return this;
        }
    }

    private static Func<IncidentView, IncidentView> To(string stage) => c => c with { Stage = stage };

    [Fact]
    public async Task KpisOnAHandBuiltLogEqualTheHandComputedFigures()
    {
        // A district no generated unit uses, so no other test's cases fall into its street.
        var district = new GrainKit(fixture).Fresh.UnmappedDistrict();
        var street = district + "999";
        var grid = street + "001001";
        var a = new HandBuiltCase(grid, "A: on time").Step("incident.reported", 0, c => c)
            .Step("incident.stage-changed", 10, To(IncidentStages.Accepted))
            .Step("incident.stage-changed", 30, c => c with { Stage = IncidentStages.Dispatched, DispatchedAt = T0.AddMinutes(30), DueAt = T0.AddDays(2) })
            .Step("incident.stage-changed", 60, To(IncidentStages.InProgress))
            .Step("incident.stage-changed", 120, To(IncidentStages.Handled))
            .Step("incident.stage-changed", 180, c => c with { Stage = IncidentStages.Closed, ClosedAt = T0.AddMinutes(180), VerifiedCount = 1 });
        var b = new HandBuiltCase(grid, "B: reworked, late").Step("incident.reported", 0, c => c)
            .Step("incident.stage-changed", 20, To(IncidentStages.Accepted))
            .Step("incident.stage-changed", 40, c => c with { Stage = IncidentStages.Dispatched, DispatchedAt = T0.AddMinutes(40), DueAt = T0.AddMinutes(100) })
            .Step("incident.stage-changed", 50, To(IncidentStages.InProgress))
            .Step("incident.stage-changed", 70, To(IncidentStages.Handled))
            .Step("incident.stage-changed", 80, c => c with { Stage = IncidentStages.InProgress, ReworkCount = 1, VerifiedCount = 1 })
            .Step("incident.stage-changed", 200, To(IncidentStages.Handled))
            .Step("incident.stage-changed", 230, c => c with { Stage = IncidentStages.Closed, ClosedAt = T0.AddMinutes(230), VerifiedCount = 2 });
        var c = new HandBuiltCase(grid, "C: cancelled").Step("incident.reported", 0, c => c)
            .Step("incident.stage-changed", 15, To(IncidentStages.Cancelled));
        var d = new HandBuiltCase(grid, "D: extended, open").Step("incident.reported", 0, c => c)
            .Step("incident.stage-changed", 5, To(IncidentStages.Accepted))
            .Step("incident.stage-changed", 10, c => c with { Stage = IncidentStages.Dispatched, DispatchedAt = T0.AddMinutes(10), DueAt = T0.AddDays(1) })
            .Step("incident.stage-changed", 20, To(IncidentStages.InProgress))
            .Step("incident.extended", 30, c => c with { DueAt = T0.AddDays(2), ExtensionCount = 1 });

        // Appended in time order through the district's writer, as the grains would have.
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(district);
        foreach (var (type, at, state, id) in new[] { a, b, c, d }.SelectMany(x => x.Events.Select(e => (e.Type, e.At, e.State, x.Id))).OrderBy(e => e.At))
        {
            await log.Append("tests", $"{id}/{type}/{at:O}", [new EventDraft(grid, type, "tests", at, JsonSerializer.Serialize(state, JsonSerializerOptions.Web))]);
        }

        var kpis = new IncidentKpis(fixture.Db);
        var figures = await kpis.ComputeAsync(IncidentKpis.Scope.Unit, street, T0.AddDays(-1), T0.AddDays(1));

        Assert.Equal(4, figures.Count);
        Assert.Equal(0.5, figures.OnTimeClosureRate);          // A of A, B closed
        Assert.Equal(0.6667, figures.ClosureRate);             // A, B of A, B, D not cancelled
        Assert.Equal(0.5, figures.ReworkRate);                 // B of A, B verified
        Assert.Equal(0.3333, figures.ExtensionRate);           // D of A, B, D dispatched
        Assert.Equal(new Dictionary<string, double>
        {
            ["accepted"] = 15,        // A 20, B 20, D 5
            ["dispatched"] = 16.67,   // A 30, B 10, D 10
            ["handled"] = 50,         // A 60, B 10 + 30
            ["in-progress"] = 100,    // A 60, B 20 + 120 (D has not left it)
            ["reported"] = 12.5,      // A 10, B 20, C 15, D 5
        }, figures.MeanMinutesByStage);

        Assert.Equal((2L, 1L), (figures.Closed, figures.OpenAtEnd));  // A, B closed; D open

        // Nothing in the period (before any case): every rate is null, not 0.
        var empty = await kpis.ComputeAsync(IncidentKpis.Scope.Unit, street, T0.AddDays(-11), T0.AddDays(-10));
        Assert.Equal((0L, (double?)null, (double?)null, (double?)null, (double?)null), (empty.Count, empty.OnTimeClosureRate, empty.ClosureRate, empty.ReworkRate, empty.ExtensionRate));
        Assert.Empty(empty.MeanMinutesByStage);
    }

    [Fact]
    public async Task ClosuresCountInThePeriodTheCasesClosedInAndIntakeInThePeriodTheyWereReported()
    {
        var district = new GrainKit(fixture).Fresh.UnmappedDistrict();
        var (north, south) = (district + "998", district + "997");
        var (gridN, gridS) = (north + "001001", south + "001001");
        // E: reported on day 0, closed on time on day 40 (the next period). F: reported on day 0, closed late on day 41.
        // G (south): reported on day 35, open at the end of the second period. H (south): reported and cancelled on day 36.
        var e = new HandBuiltCase(gridN, "E").Step("incident.reported", 0, c => c)
            .Step("incident.stage-changed", 60, c => c with { Stage = IncidentStages.Dispatched, DispatchedAt = T0.AddMinutes(60), DueAt = T0.AddDays(45) })
            .Step("incident.stage-changed", 40 * 1440, c => c with { Stage = IncidentStages.Closed, ClosedAt = T0.AddDays(40), VerifiedCount = 1 });
        var f = new HandBuiltCase(gridN, "F").Step("incident.reported", 0, c => c)
            .Step("incident.stage-changed", 60, c => c with { Stage = IncidentStages.Dispatched, DispatchedAt = T0.AddMinutes(60), DueAt = T0.AddDays(2) })
            .Step("incident.stage-changed", 41 * 1440, c => c with { Stage = IncidentStages.Closed, ClosedAt = T0.AddDays(41), VerifiedCount = 2, ReworkCount = 1 });
        var g = new HandBuiltCase(gridS, "G").Step("incident.reported", 35 * 1440, c => c);
        var h = new HandBuiltCase(gridS, "H").Step("incident.reported", 36 * 1440, c => c).Step("incident.stage-changed", 36 * 1440 + 5, To(IncidentStages.Cancelled));
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(district);
        foreach (var (type, at, state, id) in new[] { e, f, g, h }.SelectMany(x => x.Events.Select(ev => (ev.Type, ev.At, ev.State, x.Id))).OrderBy(ev => ev.At))
        {
            await log.Append("tests", $"{id}/{type}/{at:O}", [new EventDraft(state.UnitCode, type, "tests", at, JsonSerializer.Serialize(state, JsonSerializerOptions.Web))]);
        }

        var kpis = new IncidentKpis(fixture.Db);
        var first = await kpis.ComputeAsync(IncidentKpis.Scope.Unit, district, T0.AddDays(-1), T0.AddDays(30));
        Assert.Equal((2L, 0L, 2L), (first.Count, first.Closed, first.OpenAtEnd)); // intake E, F; nothing closed; both open at the end
        Assert.Equal((null, 0.0, null), (first.OnTimeClosureRate, first.ClosureRate, first.ReworkRate));
        Assert.Equal(0.0, first.ExtensionRate);                                     // E, F dispatched, neither extended

        var second = await kpis.ComputeAsync(IncidentKpis.Scope.Unit, district, T0.AddDays(30), T0.AddDays(60));
        Assert.Equal((2L, 2L, 1L), (second.Count, second.Closed, second.OpenAtEnd)); // intake G, H; E, F closed; G open
        Assert.Equal(0.5, second.OnTimeClosureRate);                                  // E of E, F
        Assert.Equal(0.6667, second.ClosureRate);                                     // E, F of E, F, G
        Assert.Equal(0.5, second.ReworkRate);                                         // F of E, F
        Assert.Null(second.ExtensionRate);                                            // neither G nor H dispatched

        // The children of the district, each with its own figures: the ranking's input.
        var children = await kpis.ComputeChildrenAsync(district, 9, T0.AddDays(30), T0.AddDays(60));
        Assert.Equal([south, north], children.Keys.Order().ToList());
        Assert.Equal((0.5, 1.0, 2L), (children[north].OnTimeClosureRate, children[north].ClosureRate, children[north].Closed));
        Assert.Equal((0.0, 2L, 1L), (children[south].ClosureRate, children[south].Count, children[south].OpenAtEnd));
    }

    [Fact]
    public async Task AUnitsFiguresByDepartmentAndByWorkerCountOnlyItsOwnCasesOfEach()
    {
        var district = new GrainKit(fixture).Fresh.UnmappedDistrict();
        var (north, south) = (district + "998", district + "997");
        var (gridN, gridS) = (north + "001001", south + "001001");
        var (roads, water, idle) = (district + "-RD", district + "-WT", district + "-ID");
        var (w1, w2) = ($"w-{district}-1", $"w-{district}-2");
        HandBuiltCase Dispatched(string grid, string name, string department, string worker) =>
            new HandBuiltCase(grid, name).Step("incident.reported", 0, c => c)
                .Step("incident.stage-changed", 30, c => c with { Stage = IncidentStages.Dispatched, ResponsibleCode = department, AssignedWorker = worker, DispatchedAt = T0.AddMinutes(30), DueAt = T0.AddDays(2) });
        // P (north): roads, w1, closed on time. Q (south): roads, w2, open. R (north): water, w1, open.
        var p = Dispatched(gridN, "P", roads, w1)
            .Step("incident.stage-changed", 120, c => c with { Stage = IncidentStages.Closed, ClosedAt = T0.AddMinutes(120), VerifiedCount = 1 });
        var q = Dispatched(gridS, "Q", roads, w2);
        var r = Dispatched(gridN, "R", water, w1);
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(district);
        foreach (var (type, at, state, id) in new[] { p, q, r }.SelectMany(x => x.Events.Select(ev => (ev.Type, ev.At, ev.State, x.Id))).OrderBy(ev => ev.At))
        {
            await log.Append("tests", $"{id}/{type}/{at:O}", [new EventDraft(state.UnitCode, type, "tests", at, JsonSerializer.Serialize(state, JsonSerializerOptions.Web))]);
        }

        var kpis = new IncidentKpis(fixture.Db);
        var (from, to) = (T0.AddDays(-1), T0.AddDays(1));
        var northByDepartment = await kpis.ComputeWithinAsync(north, IncidentKpis.Scope.Department, [roads, water, idle], from, to);
        Assert.Equal([roads, water], northByDepartment.Keys.Order().ToList());                  // idle has no case: left to the caller as empty
        Assert.Equal((1L, 1L, 1.0), (northByDepartment[roads].Count, northByDepartment[roads].Closed, northByDepartment[roads].OnTimeClosureRate!.Value)); // P only, not Q
        Assert.Equal((1L, 0L, 1L), (northByDepartment[water].Count, northByDepartment[water].Closed, northByDepartment[water].OpenAtEnd));

        // Over the whole district a department's figures are its own KPIs.
        var districtRoads = (await kpis.ComputeWithinAsync(district, IncidentKpis.Scope.Department, [roads], from, to))[roads];
        var ownRoads = await kpis.ComputeAsync(IncidentKpis.Scope.Department, roads, from, to);
        Assert.Equal((2L, 1L, 1L, 0.5), (districtRoads.Count, districtRoads.Closed, districtRoads.OpenAtEnd, districtRoads.ClosureRate!.Value));
        Assert.Equal((ownRoads.Count, ownRoads.Closed, ownRoads.OpenAtEnd, ownRoads.ClosureRate), (districtRoads.Count, districtRoads.Closed, districtRoads.OpenAtEnd, districtRoads.ClosureRate));

        var northByWorker = await kpis.ComputeWithinAsync(north, IncidentKpis.Scope.Worker, [w1, w2], from, to);
        Assert.Equal([w1], northByWorker.Keys.ToList());                                            // w2's case lies in the south
        Assert.Equal((2L, 1L, 0.5), (northByWorker[w1].Count, northByWorker[w1].Closed, northByWorker[w1].ClosureRate!.Value));
        await Assert.ThrowsAsync<ArgumentException>(() => kpis.ComputeWithinAsync(north, IncidentKpis.Scope.Unit, [north], from, to));
    }
}
