using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Units;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Incidents;

[Collection(nameof(ClusterCollection))]
public sealed class IncidentLoopTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private async Task<IIncidentGrain> ReportAsync(string grid, string category = "sanitation", string urgency = "normal")
    {
        var id = DistrictIds.New(grid);
        var incident = fixture.Client.GetGrain<IIncidentGrain>(id);
        var opened = await incident.Open(new IncidentOpening(category, urgency, "Overflowing bins by the gate", grid, null, null, "operator", "tests", fixture.GrainClock.GetUtcNow(), null));
        Assert.Equal(IncidentStages.Reported, opened.Stage);
        return incident;
    }

    /// <summary>Who acts: a name, a role and a unit (and a department for department staff), as a token would carry them.</summary>
    private sealed record Actor(string Name, string Role, string Unit, string? Department = null);

    /// <summary>The case's district supervision centre: an operator strictly above every unit of the district.</summary>
    private static Actor DistrictOperator(IIncidentGrain incident) => new("operator.a", "operator", incident.GetPrimaryKeyString()[..6]);

    private static IncidentCommand Command(Actor actor, string action, string? target = null, string? opId = null, int? minutes = null) =>
        new(action, actor.Name, opId ?? Guid.NewGuid().ToString("N"), $"note for {action}", target, null, minutes, $"hash:{action}:{target}:{minutes}",
            actor.Role, actor.Unit, actor.Department);

    private static IncidentCommand Command(IIncidentGrain incident, string action, string? target = null, string? opId = null) =>
        Command(DistrictOperator(incident), action, target, opId);

    private static async Task<IncidentView> DoAsync(IIncidentGrain incident, string action, string? target = null, int? minutes = null, Actor? by = null)
    {
        var result = await incident.Act(Command(by ?? DistrictOperator(incident), action, target, minutes: minutes));
        Assert.True(result.Outcome == IncidentActionOutcome.Done, $"{action}: {result.Outcome} {result.Reason}");
        return result.Incident!;
    }

    private static async Task<string[]> TimelineAsync(IIncidentGrain incident) =>
        [.. (await incident.Detail())!.Timeline.Select(t => t.Action ?? t.Type)];

    [Fact]
    public async Task ADeadlinePromisedAtIntakeCapsEveryStageDeadlineButNotAResidentsReopening()
    {
        // 环境卫生 (normal): reported PT2H, accepted PT4H, dispatched PT4H, resolve P2D, handled P1D; the hotline promised 3 hours.
        var grid = _kit.Fresh.Grid();
        var now = fixture.GrainClock.GetUtcNow();
        var promised = now.AddHours(3);
        var incident = fixture.Client.GetGrain<IIncidentGrain>(DistrictIds.New(grid));
        var opened = await incident.Open(new IncidentOpening("sanitation", "normal", "来电：垃圾堆放", grid, null, null, Residents.Source, "hotline.a", now, null, promised));
        Assert.Equal((now.AddHours(2), promised), (opened.StageDeadline, opened.FeedbackDue));   // before the promise: the category's
        Assert.Equal(promised, (await DoAsync(incident, "accept")).StageDeadline);               // PT4H would run past it
        var dispatched = await DoAsync(incident, "dispatch");
        Assert.Equal((promised, promised), (dispatched.StageDeadline, dispatched.DueAt));        // so would PT4H and P2D
        Assert.Equal(promised, (await DoAsync(incident, "start")).StageDeadline);
        Assert.Equal(promised, (await DoAsync(incident, "feedback")).StageDeadline);
        Assert.Null((await DoAsync(incident, "verify-pass")).StageDeadline);

        // A resident's reopening after closure is a new round: the handled stage's own deadline.
        var reopened = await incident.Act(new IncidentCommand(Residents.Reopen, "resident", "reopen:" + incident.GetPrimaryKeyString(), "不满意", null, null, null,
            "hash:reopen", Residents.Role, "", null));
        Assert.Equal(IncidentActionOutcome.Done, reopened.Outcome);
        Assert.True(reopened.Incident!.StageDeadline > promised, $"{reopened.Incident.StageDeadline} is capped by the promise {promised}");
    }

    [Fact]
    public async Task TheWholeLoopWithReworkEndsClosedAndEveryStepIsInTheTimeline()
    {
        var grid = _kit.Fresh.Grid();
        var incident = await ReportAsync(grid);
        await DoAsync(incident, "accept");
        var dispatched = await DoAsync(incident, "dispatch");
        Assert.Equal(grid[..12], dispatched.ResponsibleCode);
        Assert.NotNull(dispatched.DueAt);
        await DoAsync(incident, "start");
        await DoAsync(incident, "feedback");
        var rework = await DoAsync(incident, "verify-fail");
        Assert.Equal((IncidentStages.InProgress, 1), (rework.Stage, rework.ReworkCount));
        await DoAsync(incident, "feedback");
        var closed = await DoAsync(incident, "verify-pass");
        Assert.Equal(IncidentStages.Closed, closed.Stage);
        Assert.Equal(2, closed.VerifiedCount);
        Assert.Equal(["report", "accept", "dispatch", "start", "feedback", "verify-fail", "feedback", "verify-pass"], await TimelineAsync(incident));
    }

    [Fact]
    public async Task CancellingExtendingAndTransferringFollowTheirOwnPaths()
    {
        var cancelled = await ReportAsync(_kit.Fresh.Grid());
        await DoAsync(cancelled, "accept");
        Assert.Equal(IncidentStages.Cancelled, (await DoAsync(cancelled, "cancel")).Stage);

        // The community's staff handle the case and ask; the district's centre decides (the asker may not: TheExtensionsRequesterDoesNotDecideOnIt).
        var extendedGrid = _kit.Fresh.Grid();
        var extended = await ReportAsync(extendedGrid);
        var staff = new Actor("staff.a", "staff", extendedGrid[..12]);
        await DoAsync(extended, "accept");
        var due = (await DoAsync(extended, "dispatch")).DueAt!.Value;
        await DoAsync(extended, "request-extension", minutes: 120, by: staff);
        Assert.Equal(IncidentActionOutcome.NotAllowed, (await extended.Act(Command(staff, "start"))).Outcome); // an extension is pending
        var approved = await DoAsync(extended, "approve-extension");
        Assert.Equal((due.AddMinutes(120), 1), (approved.DueAt!.Value, approved.ExtensionCount));
        await DoAsync(extended, "request-extension", by: staff);
        Assert.Null((await DoAsync(extended, "reject-extension")).PendingExtensionMinutes);
    }

    [Fact]
    public async Task ATransferNeedsAcceptanceAndMovesTheCasesUnitAndCounters()
    {
        var grid = _kit.Fresh.Grid();
        var otherStreet = _kit.Fresh.City.Units.First(u => u.Code.Length == 9 && u.Code.StartsWith(grid[..6], StringComparison.Ordinal) && u.Code != grid[..9]).Code;
        var openBefore = (await _kit.CountersAsync(grid)).IncidentsOpen;
        var incident = await ReportAsync(grid);
        await DoAsync(incident, "accept");
        await DoAsync(incident, "dispatch");
        Assert.Equal(openBefore + 1, (await _kit.CountersAsync(grid)).IncidentsOpen);

        // The receiving street's own centre decides on the transfer (nobody else may: OnlyTheReceivingUnitDecidesOnATransfer).
        var receiving = new Actor("street.operator.b", "operator", otherStreet);
        var pending = await DoAsync(incident, "transfer", otherStreet);
        Assert.Equal((grid, otherStreet), (pending.UnitCode, pending.PendingTransferTo));
        var rejected = await DoAsync(incident, "reject-transfer", by: receiving);
        Assert.Equal(grid, rejected.UnitCode);
        Assert.Null(rejected.PendingTransferTo);

        await DoAsync(incident, "transfer", otherStreet);
        var moved = await DoAsync(incident, "accept-transfer", by: receiving);
        Assert.Equal((otherStreet, otherStreet), (moved.UnitCode, moved.ResponsibleCode));
        Assert.Equal(openBefore, (await _kit.CountersAsync(grid)).IncidentsOpen);
        var street = await fixture.Client.GetGrain<IUnitGrain>(otherStreet).Snapshot();
        Assert.True(street!.Counters.IncidentsOpen >= 1);
    }

    [Fact]
    public async Task AnActionTheStageDoesNotAllowIsRefusedAndChangesNothing()
    {
        var grid = _kit.Fresh.Grid();
        var incident = await ReportAsync(grid);
        foreach (var action in IncidentActions.All.Except(["accept", "cancel"]))
        {
            var result = await incident.Act(Command(incident, action, action is "dispatch" or "transfer" ? grid[..12] : null));
            Assert.True(result.Outcome == IncidentActionOutcome.NotAllowed, $"{action} on a reported case: {result.Outcome}");
        }

        Assert.Equal(["report"], await TimelineAsync(incident));
        await DoAsync(incident, "accept");
        Assert.Equal(IncidentActionOutcome.NotAllowed, (await incident.Act(Command(incident, "accept"))).Outcome);
        Assert.Equal(IncidentActionOutcome.NotAllowed, (await incident.Act(Command(incident, "verify-pass"))).Outcome);
        Assert.Equal(["report", "accept"], await TimelineAsync(incident));
    }

    [Fact]
    public async Task ARetriedActionIsAppliedOnceAndAReusedOpIdIsRefused()
    {
        var incident = await ReportAsync(_kit.Fresh.Grid());
        var accept = Command(incident, "accept", opId: "op-accept");
        var first = await incident.Act(accept);
        var again = await incident.Act(accept);
        Assert.Equal(IncidentActionOutcome.Done, first.Outcome);
        Assert.Equal(IncidentActionOutcome.Replayed, again.Outcome);
        Assert.Equal(first.Incident, again.Incident);
        Assert.Equal(IncidentActionOutcome.OpIdReused, (await incident.Act(Command(incident, "dispatch", opId: "op-accept"))).Outcome);
        Assert.Equal(["report", "accept"], await TimelineAsync(incident));
    }

    [Fact]
    public async Task AnOverdueStageRaisesAnAlertThatEscalatesUntilSomeoneActs()
    {
        var grid = _kit.Fresh.Grid();
        await _kit.SaveRuleAsync(new RuleDraft("t-incident-overdue", "Stage overdue", "stage-overdue", SubjectKinds.Incident, grid, AlertSeverity.Warning,
            "{}", 0, 0, new EscalationPolicy(60), true));
        var overdueBefore = (await _kit.CountersAsync(grid)).IncidentsOverdue;
        var incident = await ReportAsync(grid); // sanitation, normal: to be accepted within 2 hours
        var id = incident.GetPrimaryKeyString();

        fixture.GrainClock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        await Consistently.HoldsAsync(async () => !(await incident.Detail())!.Incident.Overdue, TimeSpan.FromMilliseconds(300), "not overdue a second before the deadline");
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        var alert = (await _kit.WaitForAlertsAsync("t-incident-overdue", id, a => a is [{ State: AlertStates.Firing }], "overdue alert")).Single();
        var detail = (await incident.Detail())!;
        Assert.True(detail.Incident.Overdue);
        Assert.Contains(detail.Timeline, t => t.Type == "incident.overdue");
        Assert.Equal(overdueBefore + 1, (await _kit.CountersAsync(grid)).IncidentsOverdue);

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-incident-overdue", id, a => a[0].ResponsibleUnitCode == grid[..12], "escalated to the community");
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-incident-overdue", id, a => a[0].ResponsibleUnitCode == grid[..9], "escalated to the street");

        // Someone acts: the stage moves on, its new deadline is ahead, the alert resolves and escalation stops.
        var accepted = await DoAsync(incident, "accept");
        Assert.False(accepted.Overdue);
        await _kit.WaitForAlertsAsync("t-incident-overdue", id, a => a is [{ State: AlertStates.Resolved }], "resolved once the case moved");
        Assert.Equal(overdueBefore, (await _kit.CountersAsync(grid)).IncidentsOverdue);
        Assert.Equal(alert.Id, (await _kit.AlertsAsync("t-incident-overdue", id)).Single().Id);
    }

    [Fact]
    public async Task ACasesHistorySurvivesARestartOfEverySilo()
    {
        var incident = await ReportAsync(_kit.Fresh.Grid(), "public-safety", "urgent");
        await DoAsync(incident, "accept");
        await DoAsync(incident, "dispatch");
        var before = (await incident.Detail())!;

        foreach (var silo in fixture.Cluster.Silos.ToList())
        {
            await fixture.Cluster.RestartSiloAsync(silo);
        }

        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
        var after = await GrainKit.EventuallyAsync(incident.Detail, d => d is not null, "the case answers after the restart", seconds: 30);
        Assert.Equal(before.Incident, after!.Incident);
        Assert.Equal(before.Timeline, after.Timeline);
        Assert.Equal(IncidentStages.InProgress, (await DoAsync(incident, "start")).Stage);
    }

    // Separation of duties: the duty table (IncidentDuties) as the grain applies it. Each refusal is Forbidden and leaves the timeline as it was.

    private static async Task RefusedAsync(IIncidentGrain incident, Actor by, string action, string? target = null)
    {
        var before = (await incident.Detail())!;
        var result = await incident.Act(Command(by, action, target));
        Assert.True(result.Outcome == IncidentActionOutcome.Forbidden, $"{action} by {by}: {result.Outcome} {result.Reason}");
        Assert.Equal(before.Incident, (await incident.Detail())!.Incident);
        Assert.Equal(before.Timeline, (await incident.Detail())!.Timeline);
    }

    [Fact]
    public void EveryActionOfTheLoopHasARowInTheDutyTable()
    {
        // The operators' actions, and the one a resident takes with their follow-up token.
        Assert.Equal(IncidentActions.All.Append(Residents.Reopen).Order(), IncidentDuties.Table.Keys.Order());
        Assert.All(IncidentDuties.Table.Values, duty => Assert.NotEmpty(duty.Roles));
    }

    [Fact]
    public async Task TheReporterOfACaseDoesNotVerifyIt()
    {
        var incident = await ReportAsync(_kit.Fresh.Grid());
        var reporter = DistrictOperator(incident) with { Name = "tests" };   // "tests" reported it
        foreach (var action in new[] { "accept", "dispatch", "start", "feedback" })
        {
            await DoAsync(incident, action, by: reporter);   // everything else in the loop the reporter may do
        }

        await RefusedAsync(incident, reporter, "verify-pass");
        await RefusedAsync(incident, reporter, "verify-fail");
        Assert.Equal(IncidentStages.Closed, (await DoAsync(incident, "verify-pass")).Stage);
    }

    [Fact]
    public async Task TheExtensionsRequesterDoesNotDecideOnIt()
    {
        var incident = await ReportAsync(_kit.Fresh.Grid());
        var requester = DistrictOperator(incident) with { Name = "operator.b" };
        await DoAsync(incident, "accept");
        await DoAsync(incident, "dispatch");
        await DoAsync(incident, "request-extension", minutes: 60, by: requester);
        await RefusedAsync(incident, requester, "approve-extension");
        await RefusedAsync(incident, requester, "reject-extension");
        Assert.Equal(1, (await DoAsync(incident, "approve-extension")).ExtensionCount);
    }

    [Fact]
    public async Task OnlyTheReceivingUnitDecidesOnATransfer()
    {
        var grid = _kit.Fresh.Grid();
        var otherStreet = _kit.Fresh.City.Units.First(u => u.Code.Length == 9 && u.Code.StartsWith(grid[..6], StringComparison.Ordinal) && u.Code != grid[..9]).Code;
        var incident = await ReportAsync(grid);
        await DoAsync(incident, "accept");
        await DoAsync(incident, "dispatch");
        await DoAsync(incident, "transfer", otherStreet);
        // The district above both, the city's admin, the sending street and a community of the receiving street: none is the receiving unit.
        foreach (var outsider in new[] { DistrictOperator(incident), new Actor("admin", "admin", "5101"), new Actor("street.a", "operator", grid[..9]),
                     new Actor("staff.b", "staff", otherStreet + "001"), new Actor("dept", "department", grid[..6], grid[..6] + "-CG") })
        {
            await RefusedAsync(incident, outsider, "accept-transfer");
            await RefusedAsync(incident, outsider, "reject-transfer");
        }

        await RefusedAsync(incident, new Actor("worker.b", "worker", otherStreet), "accept-transfer");   // a worker does not take a case over for a unit
        Assert.Equal(otherStreet, (await DoAsync(incident, "accept-transfer", by: new Actor("street.b", "operator", otherStreet))).UnitCode);

        var toDepartment = await ReportAsync(_kit.Fresh.Grid(within: grid[..6]));
        await DoAsync(toDepartment, "accept");
        await DoAsync(toDepartment, "dispatch");
        await DoAsync(toDepartment, "transfer", grid[..6] + "-CG");
        await RefusedAsync(toDepartment, new Actor("dept.ga", "department", grid[..6], grid[..6] + "-GA"), "accept-transfer");
        await RefusedAsync(toDepartment, DistrictOperator(toDepartment), "accept-transfer");
        Assert.Equal(grid[..6] + "-CG", (await DoAsync(toDepartment, "accept-transfer", by: new Actor("dept.cg", "department", grid[..6], grid[..6] + "-CG"))).ResponsibleCode);
    }

    [Fact]
    public async Task AHandlerDoesNotCancelOrVerify()
    {
        var grid = _kit.Fresh.Grid();
        var handlers = new[] { new Actor("worker.a", "worker", grid), new Actor("staff.a", "staff", grid[..12]), new Actor("dept", "department", grid[..6], grid[..6] + "-CG") };
        var incident = await ReportAsync(grid);
        foreach (var handler in handlers)
        {
            await RefusedAsync(incident, handler, "cancel");
            await RefusedAsync(incident, handler, "accept");
        }

        await DoAsync(incident, "accept");
        foreach (var handler in handlers)
        {
            await RefusedAsync(incident, handler, "cancel");
            await RefusedAsync(incident, handler, "dispatch");
        }

        await DoAsync(incident, "dispatch");
        await DoAsync(incident, "start", by: handlers[0]);
        await DoAsync(incident, "feedback", by: handlers[1]);
        foreach (var handler in handlers)
        {
            await RefusedAsync(incident, handler, "verify-pass");
            await RefusedAsync(incident, handler, "verify-fail");
        }

        Assert.Equal(IncidentStages.Closed, (await DoAsync(incident, "verify-pass")).Stage);
    }

    [Fact]
    public async Task SupervisionSitsStrictlyAboveTheUnitHandlingTheCase()
    {
        var grid = _kit.Fresh.Grid();
        var street = new Actor("street.a", "operator", grid[..9]);
        var incident = await ReportAsync(grid);
        await DoAsync(incident, "accept");
        await DoAsync(incident, "dispatch", grid[..9]);   // the street itself handles it
        await DoAsync(incident, "start", by: street);
        await DoAsync(incident, "feedback", by: street);
        await RefusedAsync(incident, street, "verify-pass");   // not above itself
        Assert.Equal(IncidentStages.Closed, (await DoAsync(incident, "verify-pass")).Stage);   // the district is

        var cancelled = await ReportAsync(_kit.Fresh.Grid(within: grid[..9]));
        Assert.Equal(IncidentStages.Cancelled, (await DoAsync(cancelled, "cancel", by: street)).Stage);   // the street is above the case's grid
    }

    [Fact]
    public async Task DeadlinesInWholeDaysEndAtMidnightInShanghai()
    {
        var reported = new DateTimeOffset(2026, 11, 29, 15, 30, 0, TimeSpan.Zero); // 23:30 on the 29th in Shanghai
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(8)), IncidentDeadlines.Add(reported, "P1D"));
        Assert.Equal(reported.AddHours(2), IncidentDeadlines.Add(reported, "PT2H"));
        Assert.False(IncidentDeadlines.IsValid("two days"));
    }
}
