using System.Diagnostics.Metrics;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Grains;

/// <summary>
/// OpsCentre's own meter (<c>OpsCentre</c>), exported with the others (docs/operations.md, "Metrics"). The instruments are
/// static: a counter nobody listens to costs a check of one field, and one that is listened to is a lock-free add. Tags are
/// made once (a status's outcome, an alert's severity) and passed as the single-tag overloads take them: no array per call.
/// </summary>
public static class OpsCentreMetrics
{
    /// <summary>The meter's name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "OpsCentre";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Statuses = Meter.CreateCounter<long>(
        "opscentre.device.statuses", "{status}", "Device statuses answered, by outcome (applied, duplicate, stale, rejected, revoked).");

    private static readonly Counter<long> AlertsRaised = Meter.CreateCounter<long>(
        "opscentre.alerts.raised", "{alert}", "Alerts opened by the rules, by severity.");

    private static readonly Counter<long> Escalations = Meter.CreateCounter<long>(
        "opscentre.alerts.escalations", "{escalation}", "督办: alerts escalated to the unit above because nobody acknowledged them in time.");

    private static readonly Counter<long> CaseTransitions = Meter.CreateCounter<long>(
        "opscentre.incidents.transitions", "{transition}", "Cases' steps through the closed loop, by the stage entered.");

    private static readonly Histogram<double> EventLogAppendDuration = Meter.CreateHistogram(
        "opscentre.eventlog.append.duration", "s", "Time to commit one batch of appends to a district's event log.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    private static readonly Histogram<int> EventLogBatchSize = Meter.CreateHistogram(
        "opscentre.eventlog.append.batch_size", "{request}", "Append requests committed together in one batch (group commit).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    private static readonly Counter<long> RuleFaults = Meter.CreateCounter<long>(
        "opscentre.rules.evaluation_failures", "{failure}", "Alert rules whose condition threw while evaluated (the rule is then faulty on that silo).");

    private static readonly UpDownCounter<long> ScreenConnections = Meter.CreateUpDownCounter<long>(
        "opscentre.screens.connections", "{connection}", "Wall screens connected to this gateway.");

    private static readonly Counter<long> ScreenQueueOverflows = Meter.CreateCounter<long>(
        "opscentre.screens.too_slow", "{connection}", "Screen connections closed because their queue was full.");

    private static Func<int>? _deepestScreenQueue;

    private static readonly ObservableGauge<int> ScreenQueueDepth = Meter.CreateObservableGauge(
        "opscentre.screens.queue_depth", () => _deepestScreenQueue?.Invoke() ?? 0, "{item}",
        "The fullest screen connection's queue of work on this gateway (a connection whose queue fills is closed).");

    private static readonly Counter<long> ImportRows = Meter.CreateCounter<long>(
        "opscentre.imports.rows_read", "{row}", "Lines read by import jobs, as they progress.");

    private static readonly Counter<long> ImportJobs = Meter.CreateCounter<long>(
        "opscentre.imports.jobs", "{job}", "Import jobs ended, by state (succeeded, failed).");

    private static readonly KeyValuePair<string, object?>[] OutcomeTags =
        [.. Enum.GetValues<StatusOutcome>().Select(o => new KeyValuePair<string, object?>("outcome", o.ToString().ToLowerInvariant()))];

    private static readonly KeyValuePair<string, object?> Rejected = new("outcome", "rejected");

    /// <summary>A status (or a batch's item) answered <paramref name="outcome"/>.</summary>
    public static void StatusAnswered(StatusOutcome outcome, int count = 1) => Statuses.Add(count, OutcomeTags[(int)outcome]);

    /// <summary>A status refused by the gateway's checks before it reached its device.</summary>
    public static void StatusRejected(int count = 1) => Statuses.Add(count, Rejected);

    /// <summary>An alert was opened (pending or firing).</summary>
    public static void AlertRaised(string severity) => AlertsRaised.Add(1, new KeyValuePair<string, object?>("severity", severity));

    /// <summary>An alert was escalated (督办).</summary>
    public static void AlertEscalated() => Escalations.Add(1);

    /// <summary>A case took a step of the closed loop: <paramref name="transition"/> is its event type (<c>incident.dispatched</c>, <c>incident.closed</c>, …).</summary>
    public static void CaseTransition(string transition) => CaseTransitions.Add(1, new KeyValuePair<string, object?>("transition", transition));

    /// <summary>One batch of <paramref name="requests"/> appends committed in <paramref name="seconds"/>.</summary>
    public static void EventLogAppended(int requests, double seconds)
    {
        EventLogAppendDuration.Record(seconds);
        EventLogBatchSize.Record(requests);
    }

    /// <summary>A rule's condition threw.</summary>
    public static void RuleEvaluationFailed() => RuleFaults.Add(1);

    /// <summary>A screen connected (+1) or went away (-1).</summary>
    public static void ScreenConnected(int delta) => ScreenConnections.Add(delta);

    /// <summary>Where <c>opscentre.screens.queue_depth</c> is read from (the gateway's screen feed).</summary>
    public static void ObserveScreenQueues(Func<int> deepest) => _deepestScreenQueue = deepest;

    /// <summary>A screen connection's queue was full: it is closed and reconnects with its cursor.</summary>
    public static void ScreenTooSlow() => ScreenQueueOverflows.Add(1);

    /// <summary>An import job read <paramref name="rows"/> more lines.</summary>
    public static void ImportRowsRead(int rows) => ImportRows.Add(rows);

    /// <summary>An import job ended in <paramref name="state"/>.</summary>
    public static void ImportJobEnded(string state) => ImportJobs.Add(1, new KeyValuePair<string, object?>("state", state));
}
