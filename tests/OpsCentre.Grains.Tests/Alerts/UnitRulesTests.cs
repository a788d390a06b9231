using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Incidents;

namespace OpsCentre.Grains.Tests.Alerts;

/// <summary>
/// Grids and communities as subjects of their own rules (<c>IUnitWatchGrain</c>): rate rules over the cases and alerts of a grid,
/// and member-share rules whose unit alert inhibits the member alerts below it. Time is the grid's own (the grain clock).
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class UnitRulesTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private static RuleDraft Rate(string id, string grid, string occurrence, int moreThan, int windowSeconds) =>
        new(id, "Spike " + id, "rate", SubjectKinds.Grid, grid, AlertSeverity.Warning,
            $$"""{"occurrence":"{{occurrence}}","moreThan":{{moreThan}},"windowSeconds":{{windowSeconds}}}""", 0, 0, null, true);

    private static RuleDraft PhoneSilent(string id, string scope) =>
        new(id, "Phone silent " + id, "absence", SubjectKinds.Device, scope, AlertSeverity.Warning,
            """{"signal":"status","afterSeconds":600,"deviceKinds":["worker-phone"]}""", 0, 0, null, true);

    private static RuleDraft MostSilent(string id, string unitKind, string unit, string memberRule, double share) =>
        new(id, "Most phones silent " + id, "member-share", unitKind, unit, AlertSeverity.Warning,
            $$"""{"memberRule":"{{memberRule}}","share":{{share}},"minMembers":2}""", 0, 0, null, true);

    private async Task ReportCaseAsync(string grid, string category)
    {
        var incident = fixture.Client.GetGrain<IIncidentGrain>(DistrictIds.New(grid));
        await incident.Open(new IncidentOpening(category, "normal", "bins overflowing", grid, null, null, "operator", "tests", fixture.GrainClock.GetUtcNow(), null));
    }

    [Fact]
    public async Task ARateRuleFiresOnceForTheNPlusFirstCaseInTheWindowAndResolvesWhenTheWindowEmpties()
    {
        var grid = _kit.Fresh.Grid();
        await _kit.SaveRuleAsync(Rate("t-rate-cases", grid, "incident:sanitation", moreThan: 3, windowSeconds: 3600));
        var start = fixture.GrainClock.GetUtcNow();

        // Two, then a case of another category (not counted), then the third: not more than three of the category yet.
        await ReportCaseAsync(grid, "sanitation");
        fixture.GrainClock.Advance(TimeSpan.FromMinutes(1));
        await ReportCaseAsync(grid, "sanitation");
        await ReportCaseAsync(grid, "facilities");
        fixture.GrainClock.Advance(TimeSpan.FromMinutes(1));
        await ReportCaseAsync(grid, "sanitation");
        await _kit.AlertsStayAsync("t-rate-cases", grid, a => a.Count == 0, "no alert for three cases", TimeSpan.FromSeconds(1));

        // The fourth within the hour (N + 1 = 4): one alert about the grid, firing; a fifth is the same episode.
        fixture.GrainClock.Advance(TimeSpan.FromMinutes(1));
        await ReportCaseAsync(grid, "sanitation");
        var alert = Assert.Single(await _kit.WaitForAlertsAsync("t-rate-cases", grid, a => a is [{ State: AlertStates.Firing }], "the grid's rate alert fires"));
        fixture.GrainClock.Advance(TimeSpan.FromMinutes(1));
        await ReportCaseAsync(grid, "sanitation");
        await _kit.AlertsStayAsync("t-rate-cases", grid, a => a is [{ State: AlertStates.Firing }], "still the one alert", TimeSpan.FromSeconds(1));
        var detail = await fixture.Client.GetGrain<IAlertGrain>(alert.Id).Detail();
        Assert.Equal((SubjectKinds.Grid, grid, grid), (detail!.Alert.Subject.Kind, detail.Alert.Subject.Id, detail.Alert.UnitCode));

        // Cases at +0, +1, +2, +3, +4 min: more than three remain in the window until the second leaves it, an hour after +1 min.
        fixture.GrainClock.Advance(start + TimeSpan.FromMinutes(61) - TimeSpan.FromSeconds(5) - fixture.GrainClock.GetUtcNow());
        await _kit.AlertsStayAsync("t-rate-cases", grid, a => a is [{ State: AlertStates.Firing }], "firing while four are in the window", TimeSpan.FromSeconds(3));
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(10));
        await _kit.WaitForAlertsAsync("t-rate-cases", grid, a => a is [{ State: AlertStates.Resolved }], "resolved by the grid's own wake-up once the window holds three");
        Assert.Equal(["alert.raised", "alert.resolved"], await _kit.HistoryAsync(alert.Id));
    }

    [Fact]
    public async Task ARateRuleOverAlertsFiresWhenMoreThanNAlertsOfARuleAreRaisedInTheGrid()
    {
        var (first, worker) = await _kit.WorkerDeviceAsync();
        var second = await _kit.DeviceForAsync(worker.Id);
        await _kit.SaveRuleAsync(GrainKit.Battery("t-rate-battery", worker.Grid));
        await _kit.SaveRuleAsync(Rate("t-rate-alerts", worker.Grid, "alert:t-rate-battery", moreThan: 1, windowSeconds: 600));

        await first.Report([_kit.Status(worker, 5)]);
        await _kit.AlertsStayAsync("t-rate-alerts", worker.Grid, a => a.Count == 0, "one battery alert is not more than one", TimeSpan.FromSeconds(1));
        await second.Report([_kit.Status(worker, 5)]);
        await _kit.WaitForAlertsAsync("t-rate-alerts", worker.Grid, a => a is [{ State: AlertStates.Firing }], "two battery alerts in the grid raise the grid's alert");
    }

    [Fact]
    public async Task AGridWhosePhonesFallSilentRaisesOneUnitAlertThatInhibitsThePhonesAlertsUntilItResolves()
    {
        var worker = _kit.Fresh.Worker();
        var grid = worker.Grid;
        var phones = new List<IDeviceGrain>();
        for (var i = 0; i < 4; i++)
        {
            phones.Add(await _kit.DeviceForAsync(worker.Id));
        }

        await _kit.SaveRuleAsync(PhoneSilent("t-inhibit-phone", grid));
        await _kit.SaveRuleAsync(MostSilent("t-inhibit-grid", SubjectKinds.Grid, grid, "t-inhibit-phone", share: 0.75));
        var warningsBefore = (await _kit.CountersAsync(grid)).AlertsWarning;
        foreach (var phone in phones)
        {
            await phone.Report([_kit.Status(worker, 80)]);
        }

        // Three of the four fall silent together (a mast down); the fourth reported later and is not silent yet.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(300));
        await phones[3].Report([_kit.Status(worker, 80)]);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(301));
        var unitAlert = Assert.Single(await _kit.WaitForAlertsAsync("t-inhibit-grid", grid, a => a is [{ State: AlertStates.Firing }], "one alert for the grid"));
        string Id(int phone) => phones[phone].GetPrimaryKeyString();
        for (var i = 0; i < 3; i++)
        {
            await _kit.WaitForAlertsAsync("t-inhibit-phone", Id(i), a => a is [{ State: AlertStates.Inhibited }], $"phone {i}'s alert inhibited");
        }

        var inhibited = (await fixture.Client.GetGrain<IAlertGrain>((await _kit.AlertsAsync("t-inhibit-phone", Id(0)))[0].Id).Current())!;
        Assert.Equal(unitAlert.Id, inhibited.InhibitedBy);
        // Inhibited alerts are kept, not counted: the grid counts the one unit alert.
        await GrainKit.EventuallyAsync(async () => (await _kit.CountersAsync(grid)).AlertsWarning == warningsBefore + 1, "the grid counts only the unit alert");

        // The fourth falls silent while the unit alert fires: its alert opens inhibited, it never fires on its own.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(300));
        var late = Assert.Single(await _kit.WaitForAlertsAsync("t-inhibit-phone", Id(3), a => a is [{ State: AlertStates.Inhibited }], "the late phone's alert opens inhibited"));
        Assert.Equal(["alert.inhibited"], await _kit.HistoryAsync(late.Id));

        // Two phones come back: two of four silent is below the share, the unit alert resolves, and the alerts that still hold fire again.
        await phones[0].Report([_kit.Status(worker, 80)]);
        await phones[1].Report([_kit.Status(worker, 80)]);
        await _kit.WaitForAlertsAsync("t-inhibit-grid", grid, a => a is [{ State: AlertStates.Resolved }], "the unit alert resolves");
        foreach (var i in new[] { 2, 3 })
        {
            var back = Assert.Single(await _kit.WaitForAlertsAsync("t-inhibit-phone", Id(i), a => a is [{ State: AlertStates.Firing }], $"phone {i}'s alert fires again"));
            var history = await _kit.HistoryAsync(back.Id);
            Assert.Equal(["alert.inhibited", "alert.raised"], history[^2..]);
        }

        Assert.Equal(AlertStates.Resolved, Assert.Single(await _kit.AlertsAsync("t-inhibit-phone", Id(0))).State);
        await GrainKit.EventuallyAsync(async () => (await _kit.CountersAsync(grid)).AlertsWarning == warningsBefore + 2, "the grid counts the two phones' alerts again");
    }

    [Fact]
    public async Task ACommunityWhosePhonesAllFallSilentRaisesOneCommunityAlert()
    {
        var community = _kit.Fresh.Community();
        var workers = _kit.Fresh.City.Workers.Where(w => w.Grid.StartsWith(community, StringComparison.Ordinal)).ToList();
        var phones = new List<(IDeviceGrain Phone, CityGen.GeneratedWorker Worker)>();
        foreach (var w in workers)
        {
            phones.Add((await _kit.DeviceForAsync(w.Id), w));
        }

        await _kit.SaveRuleAsync(PhoneSilent("t-community-phone", community));
        await _kit.SaveRuleAsync(MostSilent("t-community-dark", SubjectKinds.Community, community, "t-community-phone", share: 1));
        foreach (var (phone, w) in phones)
        {
            await phone.Report([_kit.Status(w, 80)]);
        }

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(601));
        await _kit.WaitForAlertsAsync("t-community-dark", community, a => a is [{ State: AlertStates.Firing }], "one alert for the community");
        foreach (var (phone, _) in phones)
        {
            await _kit.WaitForAlertsAsync("t-community-phone", phone.GetPrimaryKeyString(), a => a is [{ State: AlertStates.Inhibited }], "each phone's alert inhibited");
        }
    }
}

/// <summary>The rules API's check that a rule can fire at all: kinds that nothing evaluates for the subject kind are refused, naming the field.</summary>
public sealed class RuleSubjectsTests
{
    private static Dictionary<string, string[]> Validate(string kind, string subjectKind, string parameters, string id = "t-check") =>
        new RuleDraft(id, "check", kind, subjectKind, "510104", AlertSeverity.Warning, parameters, 0, 0, null, true).Validate();

    [Theory]
    [InlineData("rate", SubjectKinds.Device, """{"occurrence":"incident","moreThan":2,"windowSeconds":60}""")]
    [InlineData("rate", SubjectKinds.Community, """{"occurrence":"incident","moreThan":2,"windowSeconds":60}""")]
    [InlineData("zone", SubjectKinds.Device, """{"zone":"assigned-grid"}""")]
    [InlineData("absence", SubjectKinds.Incident, """{"signal":"status","afterSeconds":60}""")]
    [InlineData("threshold", SubjectKinds.Grid, """{"metric":"batteryPct","op":"<","value":20}""")]
    [InlineData("member-share", SubjectKinds.Device, """{"memberRule":"phone-silent","share":0.8}""")]
    [InlineData("time-window", SubjectKinds.Device, """{"from":"22:00","to":"06:00","zone":"home"}""")]
    public void AKindThatNothingEvaluatesForTheSubjectKindIsRefusedOnKind(string kind, string subjectKind, string parameters)
    {
        var errors = Validate(kind, subjectKind, parameters);
        Assert.Equal(["kind"], errors.Keys);
        Assert.Contains(subjectKind, errors["kind"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rate", SubjectKinds.Grid, """{"occurrence":"incident:sanitation","moreThan":2,"windowSeconds":60}""")]
    [InlineData("rate", SubjectKinds.Grid, """{"occurrence":"alert:device-battery-low","moreThan":2,"windowSeconds":60}""")]
    [InlineData("member-share", SubjectKinds.Grid, """{"memberRule":"phone-silent","share":0.8}""")]
    [InlineData("member-share", SubjectKinds.Community, """{"memberRule":"phone-silent","share":1,"minMembers":3,"inhibit":false}""")]
    [InlineData("absence", SubjectKinds.Device, """{"signal":"status","afterSeconds":600,"deviceKinds":["worker-phone"]}""")]
    [InlineData("stage-overdue", SubjectKinds.Incident, "{}")]
    public void ARuleSomeSubjectEvaluatesIsAccepted(string kind, string subjectKind, string parameters) =>
        Assert.Empty(Validate(kind, subjectKind, parameters));

    [Theory]
    [InlineData("rate", SubjectKinds.Grid, """{"occurrence":"cases","moreThan":2,"windowSeconds":60}""", "occurrence")]
    [InlineData("member-share", SubjectKinds.Grid, """{"memberRule":"phone-silent","share":0}""", "share")]
    [InlineData("member-share", SubjectKinds.Grid, """{"memberRule":"phone-silent","share":1.5}""", "share")]
    [InlineData("member-share", SubjectKinds.Grid, """{"memberRule":"Not A Rule","share":0.5}""", "memberRule")]
    [InlineData("member-share", SubjectKinds.Grid, """{"memberRule":"t-check","share":0.5}""", "memberRule")]
    [InlineData("threshold", SubjectKinds.Worker, """{"metric":"onDuty","op":"==","value":0,"deviceKinds":["worker-phone"]}""", "deviceKinds")]
    public void BadUnitRuleParametersAreRefusedNamingTheParameter(string kind, string subjectKind, string parameters, string named) =>
        Assert.Contains(named, Assert.Single(Validate(kind, subjectKind, parameters)["parameters"]), StringComparison.Ordinal);
}
