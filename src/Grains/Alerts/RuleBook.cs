using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Alerts;

/// <summary>Alert engine settings (section <c>Alerts</c>).</summary>
public sealed class AlertOptions
{
    /// <summary>How stale a silo's copy of the rules may be before the next evaluation checks the revision (one row). Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Alerts:RuleRefresh must be between {1} and {2}")]
    public TimeSpan RuleRefresh { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Period of an alert's durable wake-up while it may escalate or is suppressed. Default 1 min.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00", ErrorMessage = "Alerts:ReminderPeriod must be between {1} and {2}")]
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often a subject whose rule still holds asks the episode's firing alert whether an operator resolved it by hand
    /// (then the next episode opens once the condition has held on for the rule's recovery period). Default 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Alerts:ResolvedByHandCheck must be between {1} and {2}")]
    public TimeSpan ResolvedByHandCheck { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An observation (a position) that reaches its subject more than this after it was made — a queue a device uploads
    /// after a loss of signal — is judged first at its own time by the rules that read it, and an alert it opens says when
    /// its condition began and that it was detected on replay. Fresher ones are judged at their arrival only. Default 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Alerts:LateObservationAfter must be between {1} and {2}")]
    public TimeSpan LateObservationAfter { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The rules and silences in force, as one silo sees them at one revision, and the supervision schedule that the key persons'
/// check-in and visit deadlines are read from (it moves the same revision: <c>supervision_schedule_changed</c>).
/// </summary>
public sealed class RuleSet(
    long revision, IReadOnlyList<CompiledRule> rules, IReadOnlyList<AlertSilence> silences, IReadOnlyDictionary<string, KeyPersons.SupervisionInterval>? schedule = null)
{
    private readonly ILookup<string, CompiledRule> _bySubject = rules.Where(r => r.Rule.Enabled).ToLookup(r => r.Rule.SubjectKind);

    // Unit-level rules by the member rule they count (member-share), and the rate rules by what they count: asked on every
    // evaluation of a member rule and on every case reported, so looked up, not searched.
    private readonly ILookup<string, CompiledRule> _byMemberRule = rules
        .Where(r => r.Rule.Enabled && SubjectKinds.IsUnit(r.Rule.SubjectKind) && r.Condition is MemberShareCondition)
        .ToLookup(r => ((MemberShareCondition)r.Condition).MemberRule);

    private readonly ILookup<string, CompiledRule> _byOccurrence = rules
        .Where(r => r.Rule.Enabled && r.Rule.SubjectKind == SubjectKinds.Grid && r.Condition is RateCondition)
        .ToLookup(r => ((RateCondition)r.Condition).Occurrence);

    public static RuleSet Empty { get; } = new(0, [], []);

    public long Revision { get; } = revision;

    /// <summary>The enabled rules that target a subject of this kind in this unit.</summary>
    /// <remarks>A loop, not a query: every status of every device and worker asks.</remarks>
    public List<CompiledRule> For(string subjectKind, string unitCode, SubjectFacts facts)
    {
        var applicable = new List<CompiledRule>();
        foreach (var rule in _bySubject[subjectKind])
        {
            if (UnitCode.IsWithin(unitCode, rule.Rule.UnitScope) && rule.Condition.AppliesTo(facts))
            {
                applicable.Add(rule);
            }
        }

        return applicable;
    }

    public CompiledRule? Find(string ruleId) => rules.FirstOrDefault(r => r.Rule.Id == ruleId);

    /// <summary>The check-in and visit intervals of a supervision level at this revision, or null when the set holds no schedule.</summary>
    public KeyPersons.SupervisionInterval? ScheduleFor(string level) => schedule?.GetValueOrDefault(level);

    /// <summary>
    /// The units (grid, community) above a subject in <paramref name="unitCode"/> whose <c>member-share</c> rules count
    /// <paramref name="memberRuleId"/> — where the subject reports that rule's state — and, with <paramref name="inhibiting"/>,
    /// only those whose rule inhibits its alerts. Empty for most rules.
    /// </summary>
    public List<string> UnitsWatching(string memberRuleId, string unitCode, bool inhibiting = false)
    {
        if (!IsMemberRule(memberRuleId))
        {
            return s_none;
        }

        var units = new List<string>();
        foreach (var rule in _byMemberRule[memberRuleId])
        {
            var length = SubjectKinds.CodeLength(rule.Rule.SubjectKind);
            if (unitCode.Length >= length && (!inhibiting || ((MemberShareCondition)rule.Condition).Inhibits)
                && UnitCode.IsWithin(unitCode[..length], rule.Rule.UnitScope) && !units.Contains(unitCode[..length]))
            {
                units.Add(unitCode[..length]);
            }
        }

        return units;
    }

    /// <summary>Whether some unit's <c>member-share</c> rule counts this rule (so its subjects report it): asked on every evaluation, a lookup.</summary>
    public bool IsMemberRule(string ruleId) => _byMemberRule.Contains(ruleId);

    private static readonly List<string> s_none = [];

    /// <summary>Whether some rate rule of the grid counts any of these occurrences (so the grid must be told of it).</summary>
    public bool Counts(string gridCode, IEnumerable<string> occurrences) =>
        occurrences.Any(name => _byOccurrence[name].Any(r => UnitCode.IsWithin(gridCode, r.Rule.UnitScope)));

    /// <summary>The longest window of the rate rules of the grid counting <paramref name="occurrence"/>; null when none counts it.</summary>
    public TimeSpan? LongestWindow(string gridCode, string occurrence) => _byOccurrence[occurrence]
        .Where(r => UnitCode.IsWithin(gridCode, r.Rule.UnitScope)).Select(r => (TimeSpan?)((RateCondition)r.Condition).Window).Max();

    /// <summary>The <c>member-share</c> rules that apply to the unit (a grid or community).</summary>
    public IEnumerable<CompiledRule> MemberShareRules(string unitKind, string unitCode) =>
        _bySubject[unitKind].Where(r => r.Condition is MemberShareCondition && UnitCode.IsWithin(unitCode, r.Rule.UnitScope));

    /// <summary>The silence that covers an alert of the rule in the unit at the time, if any (the one that ends last).</summary>
    public AlertSilence? SilenceFor(string ruleId, string unitCode, DateTimeOffset at) =>
        silences.Where(s => s.Covers(ruleId, unitCode, at)).MaxBy(s => s.EndsAt);
}

/// <summary>
/// The silo's copy of the alert rules and silences, shared by every grain that evaluates rules. A grain
/// asks on each evaluation; the copy is reused until <see cref="AlertOptions.RuleRefresh"/> has passed,
/// then the next caller checks the revision (one row) and reloads only if it moved — so a changed
/// rule reaches the grains without a restart, and evaluating costs no database read.
/// </summary>
public sealed partial class RuleBook(
    AlertRuleStore store,
    KeyPersons.SupervisionSchedules schedules,
    IOptions<AlertOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider grainClock,
    ILogger<RuleBook> logger)
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string RuleId, int Version), bool> _faulty = new();
    private (RuleSet Rules, long CheckedAt)? _current;

    public async ValueTask<RuleSet> CurrentAsync(CancellationToken cancellationToken = default)
    {
        var current = _current;
        if (current is { } c && Environment.TickCount64 - c.CheckedAt < options.Value.RuleRefresh.TotalMilliseconds)
        {
            return c.Rules;
        }

        // Only one caller checks (and reloads); the others wait for it rather than carry on with a stale
        // copy — an evaluation must never miss a rule saved more than RuleRefresh ago.
        await _loading.WaitAsync(cancellationToken);

        try
        {
            current = _current;
            if (current is { } fresh && Environment.TickCount64 - fresh.CheckedAt < options.Value.RuleRefresh.TotalMilliseconds)
            {
                return fresh.Rules;
            }

            var revision = await store.RevisionAsync(cancellationToken);
            var rules = current is { } old && old.Rules.Revision == revision ? old.Rules : await LoadAsync(revision, cancellationToken);
            _current = (rules, Environment.TickCount64);
            return rules;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>
    /// A rule version whose evaluation threw: skipped from then on by every subject of this silo, logged once,
    /// and flagged in the database (the rules API shows it as faulty) until a new version replaces it.
    /// </summary>
    public async Task ReportFaultAsync(AlertRule rule, Exception error)
    {
        if (_faulty.TryAdd((rule.Id, rule.Version), true))
        {
            LogFaultyRule(error, rule.Id, rule.Version);
            await FlagAsync(rule, error.GetType().Name + ": " + error.Message);
        }
    }

    /// <summary>Whether this silo has seen the rule version's evaluation throw.</summary>
    public bool IsFaulty(AlertRule rule) => !_faulty.IsEmpty && _faulty.ContainsKey((rule.Id, rule.Version));

    private async Task FlagAsync(AlertRule rule, string error)
    {
        try
        {
            await store.RecordFaultAsync(rule.Id, rule.Version, error);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            LogFaultNotFlagged(ex, rule.Id, rule.Version);
        }
    }

    private async Task<RuleSet> LoadAsync(long revision, CancellationToken cancellationToken)
    {
        var compiled = new List<CompiledRule>();
        foreach (var rule in await store.CurrentRulesAsync(cancellationToken))
        {
            // Rules are validated before they are stored; one that no longer compiles is skipped, not fatal.
            if (RuleCondition.TryCompile(rule.Kind, rule.ParametersJson, out var error) is { } condition)
            {
                compiled.Add(new CompiledRule(rule, condition));
            }
            else if (_faulty.TryAdd((rule.Id, rule.Version), true))
            {
                LogUnusableRule(rule.Id, rule.Version, error!);
                await FlagAsync(rule, error!);
            }
        }

        var silences = await store.SilencesAsync(grainClock.GetUtcNow() - TimeSpan.FromDays(1), cancellationToken: cancellationToken);
        var schedule = await schedules.ReadAsync(cancellationToken);
        LogLoaded(revision, compiled.Count, silences.Count);
        return new RuleSet(revision, compiled, silences, schedule.ToDictionary(s => s.Level));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert rules at revision {Revision}: {Rules} rules, {Silences} silences")]
    private partial void LogLoaded(long revision, int rules, int silences);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert rule {RuleId} version {Version} cannot be used: {Error}")]
    private partial void LogUnusableRule(string ruleId, int version, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert rule {RuleId} version {Version} failed to evaluate; it is skipped until a new version replaces it")]
    private partial void LogFaultyRule(Exception exception, string ruleId, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not flag alert rule {RuleId} version {Version} as faulty")]
    private partial void LogFaultNotFlagged(Exception exception, string ruleId, int version);
}
