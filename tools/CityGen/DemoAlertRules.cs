using OpsCentre.Grains.Alerts;

namespace OpsCentre.CityGen;

/// <summary>
/// The rules the demo city ships (CONTRACT.md, "Alerts"), city-wide (scope 5101), titled in Chinese as the
/// wall screens show them. They are ordinary rule versions changed by "demo", so an operator can edit or
/// switch them off through the API like any other.
/// </summary>
public static class DemoAlertRules
{
    public const string CityScope = "5101";

    public static IReadOnlyList<RuleDraft> All { get; } =
    [
        new("device-battery-low", "设备电量低于20%", "threshold", SubjectKinds.Device, CityScope, AlertSeverity.Warning,
            """{"metric":"batteryPct","op":"<","value":20}""", PendingSeconds: 0, RecoverySeconds: 300, new EscalationPolicy(1800, ResolveWithinSeconds: 7200), Enabled: true),
        new("worker-device-silent", "网格员终端离线超过10分钟", "absence", SubjectKinds.Device, CityScope, AlertSeverity.Warning,
            """{"signal":"status","afterSeconds":600,"deviceKinds":["worker-phone"]}""", 0, 0, new EscalationPolicy(1800), true),
        new("wristband-strap-open", "手环腕带被打开", "threshold", SubjectKinds.Device, CityScope, AlertSeverity.Critical,
            """{"metric":"strapIntact","op":"==","value":0,"deviceKinds":["wristband"]}""", 0, 60, new EscalationPolicy(600), true),
        new("key-person-left-allowed-zone", "重点人员离开允许活动区域", "zone", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Critical,
            """{"zone":"allowed","trigger":"leave","marginM":50}""", 120, 120, new EscalationPolicy(600), true),
        new("key-person-in-forbidden-place", "重点人员进入禁止区域", "zone", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Critical,
            """{"zone":"forbidden","trigger":"enter","marginM":20}""", 60, 120, new EscalationPolicy(600), true),
        new("key-person-curfew", "违反宵禁（22:00–06:00 不在住所）", "time-window", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Critical,
            """{"from":"22:00","to":"06:00","timeZone":"Asia/Shanghai","zone":"home","trigger":"leave","marginM":100}""", 300, 120, new EscalationPolicy(600), true),
        new("key-person-device-separation", "人机分离超过10分钟", "threshold", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Warning,
            """{"metric":"deviceSeparationM","op":">","value":200}""", 600, 120, new EscalationPolicy(1800), true),
        new("key-person-missed-check-in", "未按时报到", "overdue", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Warning,
            """{"deadline":"checkIn"}""", 0, 0, new EscalationPolicy(3600), true),
        new("key-person-visit-overdue", "回访超期", "overdue", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Warning,
            """{"deadline":"visit"}""", 0, 0, new EscalationPolicy(86400), true),
        new("key-person-hand-over-unanswered", "异地协作监管移交超期未答复", "overdue", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Warning,
            """{"deadline":"handOver"}""", 0, 0, new EscalationPolicy(14400), true),
        new("key-person-travel-return-overdue", "外出请假超期未归", "overdue", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Warning,
            """{"deadline":"travelReturn"}""", 0, 0, new EscalationPolicy(3600), true),
        new("key-person-release-receipt-overdue", "刑满释放人员衔接超期未确认接收", "overdue", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Warning,
            """{"deadline":"releaseReceipt"}""", 0, 0, new EscalationPolicy(14400), true),
        new("key-person-release-first-visit-overdue", "刑满释放人员首次走访超期", "overdue", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Warning,
            """{"deadline":"releaseFirstVisit"}""", 0, 0, new EscalationPolicy(14400), true),
        new("key-person-aftercare-task-overdue", "帮教任务超期", "overdue", SubjectKinds.KeyPerson, CityScope, AlertSeverity.Info,
            """{"deadline":"aftercareTask"}""", 0, 0, new EscalationPolicy(86400), true),
        new("community-phones-silent", "社区多数网格员终端同时离线（疑似基站故障）", "member-share", SubjectKinds.Community, CityScope, AlertSeverity.Warning,
            """{"memberRule":"worker-device-silent","share":0.8,"minMembers":3}""", 0, 60, new EscalationPolicy(1800), true),
        new("key-place-inspection-overdue", "重点场所检查逾期", "overdue", SubjectKinds.KeyPlace, CityScope, AlertSeverity.Warning,
            """{"deadline":"inspection"}""", 0, 0, new EscalationPolicy(86400), true),
        new("campaign-grid-overdue", "专项整治网格未按期完成（四级联控）", "overdue", SubjectKinds.CampaignGrid, CityScope, AlertSeverity.Warning,
            """{"deadline":"campaign"}""", 0, 0, new EscalationPolicy(3600, RepeatSeconds: 3600), true),
        new("incident-stage-overdue", "事件办理超期（督办）", "stage-overdue", SubjectKinds.Incident, CityScope, AlertSeverity.Warning,
            """{"deadline":"stage"}""", 0, 0, new EscalationPolicy(3600, RepeatSeconds: 3600, ResolveWithinSeconds: 7200, ReplyWithinSeconds: 7200), true),
    ];

    /// <summary>Stores each demo rule as version 1 unless a rule of that id exists; safe to run again.</summary>
    public static async Task<int> EnsureAsync(AlertRuleStore store)
    {
        var created = 0;
        foreach (var rule in All)
        {
            var errors = rule.Validate();
            if (errors.Count > 0)
            {
                throw new InvalidOperationException($"demo rule {rule.Id}: {string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value[0]}"))}");
            }

            var (outcome, _) = await store.SaveAsync(rule, expectedVersion: 0, changedBy: "demo", opId: "demo-rule:" + rule.Id);
            created += outcome == ChangeOutcome.Stored ? 1 : 0;
        }

        return created;
    }
}
