using System.Globalization;
using System.Text.Json;
using NetTopologySuite.Geometries;
using OpsCentre.Grains.Map;

namespace OpsCentre.Grains.Alerts;

/// <summary>
/// What a subject's grain knows about itself when it evaluates its rules. Each subject fills in what it
/// has: a device its battery and last-seen time, a worker its position and zones, a case its deadlines.
/// </summary>
public sealed class SubjectFacts
{
    /// <summary>A finer kind within the subject kind (a device's kind), matched by a rule's <c>deviceKinds</c>.</summary>
    public string? Variant { get; init; }

    /// <summary>Numbers by name: <c>batteryPct</c>, <c>strapIntact</c> (1 or 0), <c>onDuty</c> (1 or 0) …</summary>
    public Dictionary<string, double> Metrics => _metrics ??= [];

    /// <summary>When a signal was last received, by name: <c>status</c>, <c>checkIn</c> …</summary>
    public Dictionary<string, DateTimeOffset> Signals => _signals ??= [];

    /// <summary>The subject's last known position (WGS-84), if any.</summary>
    public (double Lat, double Lon)? Position { get; init; }

    /// <summary>Named areas of the subject: <c>assigned-grid</c>, <c>allowed</c>, <c>forbidden</c>, <c>home</c> …</summary>
    public Dictionary<string, Geometry> Zones => _zones ??= [];

    /// <summary>Times of countable occurrences by name (<c>incident:sanitation</c>), for rate rules.</summary>
    public Dictionary<string, IReadOnlyList<DateTimeOffset>> Occurrences => _occurrences ??= [];

    /// <summary>
    /// Until when absence rules hold off (a calm restart: a device silent since before its silo started,
    /// <see cref="Devices.StartupGrace"/>): meanwhile an absence holds only if it already held. Null: no such pause.
    /// </summary>
    public DateTimeOffset? QuietUntil { get; init; }

    /// <summary>Deadlines by name (<c>stage</c>), for overdue rules.</summary>
    public Dictionary<string, DateTimeOffset> Deadlines => _deadlines ??= [];

    // Made when first used: devices and workers fill two of the five on every status.
    private Dictionary<string, double>? _metrics;
    private Dictionary<string, DateTimeOffset>? _signals;
    private Dictionary<string, Geometry>? _zones;
    private Dictionary<string, IReadOnlyList<DateTimeOffset>>? _occurrences;
    private Dictionary<string, DateTimeOffset>? _deadlines;
}

/// <summary>Whether a condition holds now, and when it should be looked at again even if nothing else happens.</summary>
public readonly record struct ConditionResult(bool Holds, DateTimeOffset? RecheckAt);

/// <summary>
/// A rule's condition. Pure: given the facts, the time and whether it held before (for hysteresis),
/// it says whether it holds now. Compiled once per rule version from its kind and parameters.
/// </summary>
public abstract class RuleCondition
{
    /// <summary>For device rules: the device kinds it applies to; null for all.</summary>
    public IReadOnlySet<string>? Variants { get; private set; }

    public abstract ConditionResult Evaluate(SubjectFacts facts, DateTimeOffset now, bool heldBefore);

    /// <summary>
    /// Whether the condition reads what an observation brings (a position, a metric it carries), so that it can be judged
    /// again at the time of a replayed observation. Conditions of time passing at the subject — absence, deadlines, rates, a
    /// bare time window — are not: in the past they would only say again what the subject's own wake-ups judged then.
    /// </summary>
    public virtual bool ReadsObservation(SubjectFacts facts) => false;

    public bool AppliesTo(SubjectFacts facts) => Variants is null || (facts.Variant is { } v && Variants.Contains(v));

    /// <summary>Compiles a rule's condition, or says in <paramref name="error"/> what is wrong with its parameters.</summary>
    public static RuleCondition? TryCompile(string kind, string parametersJson, out string? error)
    {
        try
        {
            using var document = JsonDocument.Parse(parametersJson);
            var p = document.RootElement;
            if (p.ValueKind != JsonValueKind.Object)
            {
                throw new RuleParameterException("parameters must be a JSON object");
            }

            RuleCondition condition = kind switch
            {
                "threshold" => new ThresholdCondition(Text(p, "metric"), Text(p, "op"), Number(p, "value", -MaxMagnitude, MaxMagnitude)),
                "absence" => new AbsenceCondition(Text(p, "signal"), Seconds(p, "afterSeconds")),
                "zone" => ZoneCondition.From(p),
                "time-window" => TimeWindowCondition.From(p),
                "rate" => new RateCondition(Text(p, "occurrence"), Count(p, "moreThan"), Seconds(p, "windowSeconds")),
                "stage-overdue" => new OverdueCondition(OptionalText(p, "deadline") ?? "stage"),
                "overdue" => new OverdueCondition(Text(p, "deadline")),
                _ => throw new RuleParameterException($"kind must be one of threshold, absence, zone, time-window, rate, stage-overdue, overdue; not '{kind}'"),
            };
            error = null;
            return p.TryGetProperty("deviceKinds", out var kinds)
                ? WithVariants(condition, kinds)
                : condition;
        }
        catch (RuleParameterException ex)
        {
            error = ex.Message;
            return null;
        }
        catch (JsonException ex)
        {
            error = "parameters are not valid JSON: " + ex.Message;
            return null;
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentException or FormatException or InvalidOperationException)
        {
            // A stored rule from before a bound existed: unusable, said so, never fatal to whoever evaluates.
            error = "parameters cannot be used: " + ex.Message;
            return null;
        }
    }

    private static RuleCondition WithVariants(RuleCondition condition, JsonElement kinds)
    {
        if (kinds.ValueKind != JsonValueKind.Array || kinds.GetArrayLength() == 0 || kinds.EnumerateArray().Any(k => k.ValueKind != JsonValueKind.String))
        {
            throw new RuleParameterException("deviceKinds must be a non-empty array of device kinds");
        }

        var set = kinds.EnumerateArray().Select(k => k.GetString()!).ToHashSet();
        if (set.Except(Devices.DeviceKinds.All).FirstOrDefault() is { } unknown)
        {
            throw new RuleParameterException($"'{unknown}' is not a device kind");
        }

        condition.Variants = set;
        return condition;
    }

    protected static string Text(JsonElement p, string name) =>
        OptionalText(p, name) ?? throw new RuleParameterException($"parameter '{name}' is required");

    protected static string? OptionalText(JsonElement p, string name) => p.TryGetProperty(name, out var v)
        ? v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 and <= MaxTextLength } s
            ? s
            : throw new RuleParameterException($"parameter '{name}' must be a string of 1 to {MaxTextLength} characters")
        : null;

    /// <summary>The longest duration a parameter may give: a year.</summary>
    public const double MaxSeconds = 366 * 86400;

    /// <summary>The widest margin around a zone: 100 km.</summary>
    public const double MaxMarginM = 100_000;

    /// <summary>The largest count a rate rule may name.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>The largest magnitude of a threshold's value.</summary>
    public const double MaxMagnitude = 1e9;

    /// <summary>The longest text parameter (a metric, signal, zone or occurrence name).</summary>
    public const int MaxTextLength = 100;

    protected static double Number(JsonElement p, string name, double min, double max) =>
        OptionalNumber(p, name, min, max) ?? throw new RuleParameterException($"parameter '{name}' is required");

    /// <summary>A number in [<paramref name="min"/>, <paramref name="max"/>]; out of range, the message names the parameter and the range.</summary>
    protected static double? OptionalNumber(JsonElement p, string name, double min, double max)
    {
        if (!p.TryGetProperty(name, out var v))
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var x) || !double.IsFinite(x) || x < min || x > max)
        {
            throw new RuleParameterException(
                $"parameter '{name}' must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        }

        return x;
    }

    /// <summary>A whole number of seconds from 1 to a year.</summary>
    protected static TimeSpan Seconds(JsonElement p, string name) => TimeSpan.FromSeconds(Math.Round(Number(p, name, 1, MaxSeconds)));

    protected static int Count(JsonElement p, string name)
    {
        var x = Number(p, name, 0, MaxCount);
        return x == Math.Floor(x) ? (int)x : throw new RuleParameterException($"parameter '{name}' must be a whole number from 0 to {MaxCount}");
    }
}

/// <summary>A rule's parameters are wrong; the message says how.</summary>
public sealed class RuleParameterException(string message) : Exception(message);

/// <summary><c>threshold</c>: a metric compared with a value (<c>batteryPct &lt; 20</c>). Unknown metric: does not hold.</summary>
public sealed class ThresholdCondition : RuleCondition
{
    private readonly string _metric;
    private readonly Func<double, bool> _test;

    public ThresholdCondition(string metric, string op, double value)
    {
        _metric = metric;
        _test = op switch
        {
            "<" => x => x < value,
            "<=" => x => x <= value,
            ">" => x => x > value,
            ">=" => x => x >= value,
            "==" => x => x == value,
            "!=" => x => x != value,
            _ => throw new RuleParameterException("op must be one of <, <=, >, >=, ==, !="),
        };
    }

    public override ConditionResult Evaluate(SubjectFacts facts, DateTimeOffset now, bool heldBefore) =>
        new(facts.Metrics.TryGetValue(_metric, out var x) && _test(x), null);

    public override bool ReadsObservation(SubjectFacts facts) => facts.Metrics.ContainsKey(_metric);
}

/// <summary><c>absence</c>: nothing of a signal for a period (a silent device, a missed check-in). A subject never heard from is not silent.</summary>
public sealed class AbsenceCondition(string signal, TimeSpan after) : RuleCondition
{
    public override ConditionResult Evaluate(SubjectFacts facts, DateTimeOffset now, bool heldBefore)
    {
        if (!facts.Signals.TryGetValue(signal, out var last))
        {
            return new(false, null);
        }

        if (facts.QuietUntil is { } quiet && now < quiet)
        {
            return new(heldBefore, quiet);
        }

        var due = last + after;
        return now >= due ? new(true, null) : new(false, due);
    }
}

/// <summary>
/// <c>zone</c>: the subject is outside (<c>trigger: leave</c>) or inside (<c>enter</c>) one of its named
/// zones. With <c>marginM</c> the decision has hysteresis: it changes only once the position is that far
/// past the boundary, so GPS jitter along an edge does not flap. (Distances use a local
/// degrees-to-metres scale, good to a few per cent at city size.)
/// </summary>
public sealed class ZoneCondition(string zone, bool onLeave, double marginM) : RuleCondition
{
    private const double MetresPerDegree = 111_320;

    public static ZoneCondition From(JsonElement p)
    {
        var trigger = OptionalText(p, "trigger") ?? "leave";
        if (trigger is not ("leave" or "enter"))
        {
            throw new RuleParameterException("trigger must be leave or enter");
        }

        return new ZoneCondition(Text(p, "zone"), trigger == "leave", OptionalNumber(p, "marginM", 0, MaxMarginM) ?? 0);
    }

    public override ConditionResult Evaluate(SubjectFacts facts, DateTimeOffset now, bool heldBefore) => new(Holds(facts, heldBefore), null);

    public override bool ReadsObservation(SubjectFacts facts) => facts.Position is not null && facts.Zones.ContainsKey(zone);

    internal bool Holds(SubjectFacts facts, bool heldBefore)
    {
        if (facts.Position is not { } at || !facts.Zones.TryGetValue(zone, out var area))
        {
            return heldBefore;
        }

        // Positive inside the zone, negative outside: metres from its boundary.
        var point = GridIndex.PointAt(at.Lat, at.Lon);
        var scale = MetresPerDegree * Math.Cos(at.Lat * Math.PI / 180);
        var inside = area.Covers(point);
        var depth = (inside ? area.Boundary.Distance(point) : -area.Distance(point)) * scale;
        var beyond = onLeave ? -depth : depth;
        return beyond > marginM || (heldBefore && beyond >= -marginM);
    }
}

/// <summary>
/// <c>time-window</c>: within a daily window of local time (a curfew, 22:00–06:00 Asia/Shanghai), and —
/// when a zone is named — outside (or inside) that zone. Looked at again at each window edge.
/// </summary>
public sealed class TimeWindowCondition(TimeOnly from, TimeOnly to, TimeZoneInfo zone, ZoneCondition? where) : RuleCondition
{
    public static TimeWindowCondition From(JsonElement p)
    {
        var from = ParseTime(Text(p, "from"), "from");
        var to = ParseTime(Text(p, "to"), "to");
        if (from == to)
        {
            throw new RuleParameterException("from and to must differ");
        }

        var zoneName = OptionalText(p, "timeZone") ?? "Asia/Shanghai";
        TimeZoneInfo timeZone;
        try
        {
            timeZone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new RuleParameterException($"'{zoneName}' is not a known time zone");
        }

        var where = OptionalText(p, "zone") is null ? null : ZoneCondition.From(p);
        return new TimeWindowCondition(from, to, timeZone, where);
    }

    private static TimeOnly ParseTime(string text, string name) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t
            : throw new RuleParameterException($"{name} must be a local time HH:mm");

    public override ConditionResult Evaluate(SubjectFacts facts, DateTimeOffset now, bool heldBefore)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var inWindow = from < to ? time >= from && time < to : time >= from || time < to;
        var holds = inWindow && (where?.Holds(facts, heldBefore) ?? true);
        return new(holds, NextEdge(local));
    }

    /// <summary>With a zone, a curfew: judged at the time the subject was where the observation says.</summary>
    public override bool ReadsObservation(SubjectFacts facts) => where?.ReadsObservation(facts) ?? false;

    private DateTimeOffset NextEdge(DateTimeOffset local)
    {
        var candidates = new[] { from, to }.Select(edge =>
        {
            var at = local.Date + edge.ToTimeSpan();
            if (at <= local.DateTime)
            {
                at = at.AddDays(1);
            }

            return new DateTimeOffset(at, zone.GetUtcOffset(at));
        });
        return candidates.Min();
    }
}

/// <summary><c>rate</c>: more than <c>moreThan</c> occurrences within the last <c>windowSeconds</c> (a spike of one category of incidents in a grid).</summary>
public sealed class RateCondition(string occurrence, int moreThan, TimeSpan window) : RuleCondition
{
    public override ConditionResult Evaluate(SubjectFacts facts, DateTimeOffset now, bool heldBefore)
    {
        if (!facts.Occurrences.TryGetValue(occurrence, out var times))
        {
            return new(false, null);
        }

        var inWindow = times.Where(t => t > now - window && t <= now).Order().ToList();
        if (inWindow.Count <= moreThan)
        {
            return new(false, null);
        }

        // It stops holding once enough of the oldest have left the window.
        return new(true, inWindow[inWindow.Count - moreThan - 1] + window);
    }
}

/// <summary>
/// <c>overdue</c>: a named deadline of the subject has passed (a key person's <c>checkIn</c> or <c>visit</c>,
/// due by their supervision level); <c>stage-overdue</c> is the same with the current case stage's deadline by default.
/// </summary>
public sealed class OverdueCondition(string deadline) : RuleCondition
{
    public override ConditionResult Evaluate(SubjectFacts facts, DateTimeOffset now, bool heldBefore) =>
        !facts.Deadlines.TryGetValue(deadline, out var due) ? new(false, null) : now >= due ? new(true, null) : new(false, due);
}
