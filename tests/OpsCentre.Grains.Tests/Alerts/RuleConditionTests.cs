using NetTopologySuite.Geometries;
using OpsCentre.Grains.Alerts;

namespace OpsCentre.Grains.Tests.Alerts;

/// <summary>The rule kinds' conditions and validation, as pure functions of facts and time.</summary>
public sealed class RuleConditionTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 29, 4, 0, 0, TimeSpan.Zero); // 12:00 in Asia/Shanghai

    private static RuleCondition Compile(string kind, string parameters) =>
        RuleCondition.TryCompile(kind, parameters, out var error) ?? throw new InvalidOperationException(error);

    // A square zone around (30.60, 104.06), about 1.1 km a side.
    private static SubjectFacts At(double lat, double lon, string zone = "home")
    {
        var factory = new GeometryFactory(new PrecisionModel(), 4326);
        var square = factory.CreatePolygon([new(104.055, 30.595), new(104.065, 30.595), new(104.065, 30.605), new(104.055, 30.605), new(104.055, 30.595)]);
        var facts = new SubjectFacts { Position = (lat, lon) };
        facts.Zones[zone] = square;
        return facts;
    }

    [Theory]
    [InlineData("threshold", """{"metric":"batteryPct","op":"~","value":20}""", "op")]
    [InlineData("threshold", """{"metric":"batteryPct","op":"<"}""", "value")]
    [InlineData("absence", """{"signal":"status","afterSeconds":0}""", "afterSeconds")]
    [InlineData("time-window", """{"from":"22:00","to":"6 am"}""", "to")]
    [InlineData("time-window", """{"from":"22:00","to":"06:00","timeZone":"Mars/Olympus"}""", "time zone")]
    [InlineData("zone", """{"zone":"home","trigger":"wander"}""", "trigger")]
    [InlineData("rate", """{"occurrence":"incident","moreThan":-1,"windowSeconds":3600}""", "moreThan")]
    [InlineData("threshold", """{"metric":"batteryPct","op":"<","value":20,"deviceKinds":["toaster"]}""", "device kind")]
    [InlineData("teleport", """{}""", "kind")]
    [InlineData("threshold", """[1,2]""", "object")]
    public void ABadRuleIsRejectedWithTheReason(string kind, string parameters, string reason)
    {
        Assert.Null(RuleCondition.TryCompile(kind, parameters, out var error));
        Assert.Contains(reason, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ADraftIsValidatedWholeAndEveryProblemNamed()
    {
        var errors = new RuleDraft("Bad Id!", "", "threshold", "spaceship", "51", "loud", """{"metric":"x","op":"<","value":1}""", -1, 0, new EscalationPolicy(1), true).Validate();
        Assert.Equal(["escalation.timeoutSeconds", "id", "pendingSeconds", "severity", "target.subjectKind", "target.unitScope", "title"], errors.Keys.Order());
    }

    [Fact]
    public void ThresholdComparesAMetricAndIgnoresAnUnknownOne()
    {
        var low = Compile("threshold", """{"metric":"batteryPct","op":"<","value":20}""");
        var facts = new SubjectFacts();
        Assert.False(low.Evaluate(facts, Noon, false).Holds);
        facts.Metrics["batteryPct"] = 19.5;
        Assert.True(low.Evaluate(facts, Noon, false).Holds);
        facts.Metrics["batteryPct"] = 20;
        Assert.False(low.Evaluate(facts, Noon, true).Holds);
    }

    [Fact]
    public void AbsenceHoldsAfterThePeriodAndSaysWhenToLookAgain()
    {
        var silent = Compile("absence", """{"signal":"status","afterSeconds":600}""");
        var facts = new SubjectFacts();
        Assert.Equal(new ConditionResult(false, null), silent.Evaluate(facts, Noon, false));
        facts.Signals["status"] = Noon;
        Assert.Equal(new ConditionResult(false, Noon.AddMinutes(10)), silent.Evaluate(facts, Noon.AddMinutes(5), false));
        Assert.True(silent.Evaluate(facts, Noon.AddMinutes(10), false).Holds);
    }

    [Fact]
    public void ZoneWithAMarginDoesNotFlapOnJitterAlongTheEdge()
    {
        var left = Compile("zone", """{"zone":"home","trigger":"leave","marginM":50}""");
        // The east edge is at lon 104.065; at this latitude 0.0001° of longitude is about 9.6 m.
        Assert.False(left.Evaluate(At(30.60, 104.0648), Noon, false).Holds);   // inside, near the edge
        Assert.False(left.Evaluate(At(30.60, 104.0653), Noon, false).Holds);   // ~29 m outside: within the margin
        Assert.True(left.Evaluate(At(30.60, 104.0660), Noon, false).Holds);    // ~96 m outside
        Assert.True(left.Evaluate(At(30.60, 104.0648), Noon, true).Holds);     // back ~19 m inside: still within the margin
        Assert.False(left.Evaluate(At(30.60, 104.0640), Noon, true).Holds);    // ~96 m inside: cleared

        var entered = Compile("zone", """{"zone":"home","trigger":"enter"}""");
        Assert.True(entered.Evaluate(At(30.60, 104.06), Noon, false).Holds);
        Assert.False(entered.Evaluate(At(30.70, 104.06), Noon, false).Holds);
        Assert.False(entered.Evaluate(new SubjectFacts(), Noon, false).Holds); // no position: unchanged
    }

    [Fact]
    public void CurfewHoldsAwayFromHomeBetweenTenAndSixShanghaiTime()
    {
        var curfew = Compile("time-window", """{"from":"22:00","to":"06:00","timeZone":"Asia/Shanghai","zone":"home","trigger":"leave"}""");
        var away = At(30.70, 104.06);
        var home = At(30.60, 104.06);
        var tenPm = new DateTimeOffset(2026, 11, 29, 14, 0, 0, TimeSpan.Zero);   // 22:00 +08:00

        var beforeCurfew = curfew.Evaluate(away, tenPm.AddMinutes(-1), false);
        Assert.False(beforeCurfew.Holds);
        Assert.Equal(tenPm, beforeCurfew.RecheckAt);
        var during = curfew.Evaluate(away, tenPm.AddHours(3), false);
        Assert.True(during.Holds);
        Assert.Equal(tenPm.AddHours(8), during.RecheckAt);                         // 06:00 the next morning
        Assert.False(curfew.Evaluate(home, tenPm.AddHours(3), false).Holds);
        Assert.False(curfew.Evaluate(away, tenPm.AddHours(8), true).Holds);
    }

    [Fact]
    public void RateHoldsForMoreThanNWithinTheWindowUntilTheOldestLeave()
    {
        var spike = Compile("rate", """{"occurrence":"incident:sanitation","moreThan":2,"windowSeconds":3600}""");
        var facts = new SubjectFacts();
        facts.Occurrences["incident:sanitation"] = [Noon.AddMinutes(-90), Noon.AddMinutes(-50), Noon.AddMinutes(-20)];
        Assert.False(spike.Evaluate(facts, Noon, false).Holds);
        facts.Occurrences["incident:sanitation"] = [Noon.AddMinutes(-90), Noon.AddMinutes(-50), Noon.AddMinutes(-20), Noon];
        var result = spike.Evaluate(facts, Noon, false);
        Assert.True(result.Holds);
        Assert.Equal(Noon.AddMinutes(10), result.RecheckAt);                      // the one at -50 leaves the hour then
    }

    [Fact]
    public void StageOverdueHoldsFromTheDeadline()
    {
        var overdue = Compile("stage-overdue", "{}");
        var facts = new SubjectFacts();
        facts.Deadlines["stage"] = Noon;
        Assert.Equal(new ConditionResult(false, Noon), overdue.Evaluate(facts, Noon.AddSeconds(-1), false));
        Assert.True(overdue.Evaluate(facts, Noon, false).Holds);
    }

    [Fact]
    public void DeviceKindsLimitWhichDevicesARuleWatches()
    {
        var strap = Compile("threshold", """{"metric":"strapIntact","op":"==","value":0,"deviceKinds":["wristband"]}""");
        Assert.True(strap.AppliesTo(new SubjectFacts { Variant = "wristband" }));
        Assert.False(strap.AppliesTo(new SubjectFacts { Variant = "worker-phone" }));
        Assert.True(Compile("threshold", """{"metric":"batteryPct","op":"<","value":20}""").AppliesTo(new SubjectFacts { Variant = "worker-phone" }));
    }
}
