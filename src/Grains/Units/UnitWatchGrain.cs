using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpsCentre.Grains.Alerts;
using Orleans.Runtime;

namespace OpsCentre.Grains.Units;

/// <summary>What a unit watch keeps: its rules' episodes, the occurrences its rate rules count, and its members' rule states.</summary>
public sealed class UnitWatchState
{
    public AlertWatchState Alerts { get; set; } = new();

    /// <summary>Per occurrence name, when each counted occurrence happened, by its key (a case's or alert's id); pruned to the longest window.</summary>
    public Dictionary<string, Dictionary<string, DateTimeOffset>> Occurrences { get; set; } = [];

    /// <summary>Per member rule, the members it holds for or that have an alert of it: member → its alert (null while none is open).</summary>
    public Dictionary<string, Dictionary<string, MemberMark>> Members { get; set; } = [];

    /// <summary>Per <c>member-share</c> rule, the unit alert that inhibits the member rule's alerts now.</summary>
    public Dictionary<string, Inhibition> Inhibiting { get; set; } = [];
}

/// <summary>A unit alert inhibiting the alerts of a member rule.</summary>
public sealed class Inhibition
{
    public string AlertId { get; set; } = "";

    public string MemberRule { get; set; } = "";
}

public sealed class MemberMark
{
    public bool Holds { get; set; }

    public string? AlertId { get; set; }
}

/// <summary>
/// A grid or community as an alert subject (<see cref="IUnitWatchGrain"/>). Not reentrant: one change at a time, each evaluated
/// at once; only <see cref="Occurred"/> (it notes an occurrence for the next evaluation) and <see cref="InhibitorOf"/> (it reads
/// one entry) interleave, and neither changes the persisted state. A rate rule's window that must close is watched by a
/// grain timer and, while one is due, a reminder (durable wake-up), so the alert resolves even after the silo died.
/// </summary>
public sealed class UnitWatchGrain(
    [PersistentState("unitWatch")] IPersistentState<UnitWatchState> state,
    AlertWatcher alerts,
    RuleBook rules,
    UnitMembers roster,
    IOptions<AlertOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IUnitWatchGrain, IRemindable
{
    private const string WakeReminder = "wake";

    /// <summary>How long a roster count is used before it is read again.</summary>
    private static readonly TimeSpan RosterRefresh = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, (int Count, DateTimeOffset ReadAt)> _rosters = [];

    // Occurrences told since the last evaluation. Occurred interleaves with the turn that is writing the state, and the storage
    // provider may serialize it off the grain's scheduler, so Occurred never changes the persisted state: it only reads it and
    // adds here; the next evaluation moves these into the state in a turn of its own.
    private readonly List<(string Name, string Key, DateTimeOffset At)> _arrived = [];
    private string _code = "";
    private string _kind = "";
    private DurableWakeUp? _wakeUp;
    private WatchedSubject? _subject;
    private List<CompiledRule> _shareRules = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _code = this.GetPrimaryKeyString();
        _kind = _code.Length == SubjectKinds.CodeLength(SubjectKinds.Grid) ? SubjectKinds.Grid : SubjectKinds.Community;
        _wakeUp = new DurableWakeUp(this, WakeReminder, options.Value.ReminderPeriod, EvaluateAsync, clock);
        _subject = new WatchedSubject(new AlertSubject(_kind, _code), _code, state.State.Alerts, state.WriteStateAsync);
        // Look at once: an activation by the reminder after a crash may be overdue.
        _wakeUp.Soon();
        return Task.CompletedTask;
    }

    public async Task Occurred(IReadOnlyList<string> names, string key, DateTimeOffset at)
    {
        var ruleSet = await rules.CurrentAsync();
        var counted = false;
        foreach (var name in names)
        {
            var known = state.State.Occurrences.TryGetValue(name, out var held) && held.ContainsKey(key)
                || _arrived.Exists(a => a.Name == name && a.Key == key);
            if (!known && ruleSet.LongestWindow(_code, name) is not null)
            {
                _arrived.Add((name, key, at));
                counted = true;
            }
        }

        if (counted)
        {
            // Evaluated (and written) in the grain's own next turn: the alert or case telling it is not kept waiting.
            _wakeUp!.Soon();
        }
    }

    public async Task MemberChanged(string memberRuleId, string member, bool holds, string? alertId, DateTimeOffset at)
    {
        var members = state.State.Members.TryGetValue(memberRuleId, out var held) ? held : state.State.Members[memberRuleId] = [];
        if (!holds && alertId is null)
        {
            members.Remove(member);
        }
        else
        {
            members[member] = new MemberMark { Holds = holds, AlertId = alertId };
        }

        // An alert of a member that the unit inhibits now is inhibited as soon as the unit hears of it (it may have fired before).
        if (alertId is not null && InhibitorFor(memberRuleId) is { } inhibitor)
        {
            await GrainFactory.GetGrain<IAlertGrain>(alertId).Inhibit(inhibitor, at);
        }

        await EvaluateAsync();
    }

    public Task<string?> InhibitorOf(string memberRuleId) => Task.FromResult(InhibitorFor(memberRuleId));

    public Task ReceiveReminder(string reminderName, TickStatus status) => EvaluateAsync();

    private string? InhibitorFor(string memberRuleId) => state.State.Inhibiting.Values.FirstOrDefault(i => i.MemberRule == memberRuleId)?.AlertId;

    /// <summary>Evaluates the unit's rules on what it counts now, moves its inhibitions to match, and arms the next look.</summary>
    private async Task EvaluateAsync()
    {
        var now = clock.GetUtcNow();
        var ruleSet = await rules.CurrentAsync();
        var facts = new SubjectFacts();
        foreach (var (name, key, at) in _arrived)
        {
            var times = state.State.Occurrences.TryGetValue(name, out var held) ? held : state.State.Occurrences[name] = [];
            times.TryAdd(key, at);
        }

        _arrived.Clear();
        foreach (var (name, times) in state.State.Occurrences.ToList())
        {
            // Only what a rule still counts, for as long as its longest window: the state does not grow with history.
            var keep = ruleSet.LongestWindow(_code, name);
            foreach (var old in times.Where(t => keep is null || t.Value <= now - keep).Select(t => t.Key).ToList())
            {
                times.Remove(old);
            }

            if (times.Count == 0)
            {
                state.State.Occurrences.Remove(name);
                continue;
            }

            facts.Occurrences[name] = [.. times.Values];
        }

        _shareRules = [.. ruleSet.MemberShareRules(_kind, _code)];
        foreach (var rule in _shareRules)
        {
            var member = ((MemberShareCondition)rule.Condition).MemberRule;
            if (ruleSet.Find(member) is not { Rule.Enabled: true })
            {
                // A member rule switched off (or never made) holds for nobody: its marks are gone with it.
                state.State.Members.Remove(member);
                facts.Members[member] = (0, 0);
                continue;
            }

            var holding = state.State.Members.TryGetValue(member, out var marks) ? marks.Values.Count(m => m.Holds) : 0;
            facts.Members[member] = (holding, await RosterAsync(ruleSet, member, now));
        }

        var next = await alerts.EvaluateAsync(_subject!, facts, now);
        await InhibitAsync(now);
        await state.WriteStateAsync();
        await _wakeUp!.ScheduleAsync(next);
    }

    /// <summary>How many members the unit has for the member rule (its subjects in the unit, from the rosters); read every few minutes.</summary>
    private async Task<int> RosterAsync(RuleSet ruleSet, string memberRuleId, DateTimeOffset now)
    {
        if (_rosters.TryGetValue(memberRuleId, out var held) && now - held.ReadAt < RosterRefresh && now >= held.ReadAt)
        {
            return held.Count;
        }

        var count = ruleSet.Find(memberRuleId) is { } member
            ? await roster.CountAsync(member.Rule.SubjectKind, member.Condition.Variants, _code)
            : 0;
        _rosters[memberRuleId] = (count, now);
        return count;
    }

    /// <summary>
    /// A <c>member-share</c> rule whose alert has fired (and was not resolved by hand) inhibits its member rule's alerts in the
    /// unit; once it resolves — or the rule stops inhibiting — they are released, and those that still hold fire again.
    /// </summary>
    private async Task InhibitAsync(DateTimeOffset now)
    {
        foreach (var ruleId in state.State.Inhibiting.Keys.Union(_shareRules.Select(r => r.Rule.Id)).ToList())
        {
            var share = _shareRules.FirstOrDefault(r => r.Rule.Id == ruleId)?.Condition as MemberShareCondition;
            var watch = state.State.Alerts.Rules.GetValueOrDefault(ruleId);
            var inhibitor = share is { Inhibits: true } && watch is { Fired: true, AlertId: { } id, ResolvedByHandAt: null }
                ? new Inhibition { AlertId = id, MemberRule = share.MemberRule }
                : null;
            var held = state.State.Inhibiting.GetValueOrDefault(ruleId);
            if (held?.AlertId == inhibitor?.AlertId && held?.MemberRule == inhibitor?.MemberRule)
            {
                continue;
            }

            // The unit's answer changes first, so a member alert asking while it is told already hears the new one.
            if (inhibitor is null)
            {
                state.State.Inhibiting.Remove(ruleId);
            }
            else
            {
                state.State.Inhibiting[ruleId] = inhibitor;
            }

            if (held is not null)
            {
                foreach (var alertId in MemberAlerts(held.MemberRule))
                {
                    await GrainFactory.GetGrain<IAlertGrain>(alertId).Release(held.AlertId, now);
                }
            }

            if (inhibitor is not null)
            {
                foreach (var alertId in MemberAlerts(inhibitor.MemberRule))
                {
                    await GrainFactory.GetGrain<IAlertGrain>(alertId).Inhibit(inhibitor.AlertId, now);
                }
            }
        }
    }

    private List<string> MemberAlerts(string? memberRuleId) =>
        memberRuleId is not null && state.State.Members.TryGetValue(memberRuleId, out var marks)
            ? [.. marks.Values.Select(m => m.AlertId).OfType<string>()]
            : [];
}
