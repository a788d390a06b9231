using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsCentre.Database.Operations;
using Orleans.Concurrency;
using Orleans.Utilities;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.EventLog;

/// <summary>
/// One district's event-log writer. Appends that arrive while a batch is being committed wait in
/// a queue and go together in the next batch, so many concurrent callers cost one transaction.
/// </summary>
// Reentrant so that callers can queue while a batch commits; only the flush loop touches the
// database and the sequence counter, so there is still exactly one writer.
[Reentrant]
public sealed partial class DistrictEventLogGrain(EventLogStore store, Database.DatabaseHealth health, ILogger<DistrictEventLogGrain> logger) : Grain, IDistrictEventLogGrain
{
    private static readonly TimeSpan ObserverExpiry = TimeSpan.FromMinutes(1);

    private readonly List<Pending> _queue = [];
    private readonly ObserverManager<IEventFeedObserver> _observers = new(ObserverExpiry, logger);
    private string _district = "";
    private long _lastSeq;
    private Task? _flushing;
    private bool _reloadNeeded;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _district = this.GetPrimaryKeyString();
        if (!UnitCode.IsValid(_district) || UnitCode.LevelOf(_district) != UnitLevel.District)
        {
            throw new ArgumentException($"'{_district}' is not a district code");
        }

        _lastSeq = await store.LastSeqAsync(_district, cancellationToken);
    }

    public Task<IReadOnlyList<LoggedEvent>> Append(string caller, string opId, IReadOnlyList<EventDraft> events)
    {
        Validate(caller, opId, events);
        var pending = new Pending(new AppendRequest(caller, opId, events));
        _queue.Add(pending);
        // A flush that is still running will pick this up; the loop only ends with the queue empty.
        // (IsCompleted rather than a null check: a flush whose I/O completes synchronously finishes
        // before it could be assigned.)
        if (_flushing is null || _flushing.IsCompleted)
        {
            _flushing = FlushAsync();
        }
        return pending.Done.Task;
    }

    public Task<long> LastSeq() => Task.FromResult(_lastSeq);

    public Task<long> Watch(IEventFeedObserver observer)
    {
        _observers.Subscribe(observer, observer);
        _observers.ClearExpired();
        return Task.FromResult(_lastSeq);
    }

    public Task Unwatch(IEventFeedObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private async Task FlushAsync()
    {
        while (_queue.Count > 0)
        {
            var batch = _queue.ToList();
            _queue.Clear();
            IReadOnlyList<LoggedEvent> written;
            try
            {
                if (_reloadNeeded)
                {
                    // The last batch failed, maybe on another writer's rows (a duplicate activation
                    // during fail-over): continue from what is really committed.
                    _lastSeq = await store.LastSeqAsync(_district);
                    _reloadNeeded = false;
                }

                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                (var perRequest, written) = await store.AppendBatchAsync(_district, _lastSeq, batch.ConvertAll(p => p.Request));
                OpsCentreMetrics.EventLogAppended(batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                if (written.Count > 0)
                {
                    _lastSeq = written[^1].Seq;
                }

                health.Succeeded();
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(perRequest[i]);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // Every caller gets the error (the gateway answers 503). An outage is logged once, by
                // the health tracker, rather than once per batch of every district.
                if (Database.DatabaseHealth.IsUnreachable(ex))
                {
                    health.Failed(ex);
                }
                else
                {
                    LogBatchFailed(ex, _district, batch.Count);
                }

                _reloadNeeded = true;
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }

                continue;
            }

            // Committed first, announced second: an observer never sees an event the log lacks.
            // Notification is one-way and best effort; a gateway that misses it reads the log.
            if (written.Count > 0)
            {
                await _observers.Notify(o => o.OnEvents(_district, written));
            }
        }
    }

    private void Validate(string caller, string opId, IReadOnlyList<EventDraft> events)
    {
        if (string.IsNullOrWhiteSpace(caller) || !OperationIds.IsValid(opId))
        {
            throw new ArgumentException($"caller and opId are required (opId {OperationIds.Requirement})");
        }

        if (events.Count == 0)
        {
            throw new ArgumentException("an append needs at least one event");
        }

        foreach (var e in events)
        {
            if (!UnitCode.IsValid(e.UnitCode) || UnitCode.DistrictOf(e.UnitCode) != _district)
            {
                throw new ArgumentException($"unit {e.UnitCode} is not in district {_district}");
            }

            if (string.IsNullOrWhiteSpace(e.Type) || string.IsNullOrWhiteSpace(e.Actor))
            {
                throw new ArgumentException("every event needs a type and an actor");
            }

            if (!IsJsonObject(e.PayloadJson))
            {
                throw new ArgumentException("an event's payload must be a JSON object");
            }

            // jsonb refuses the NUL character: one such event would fail the whole batch it is committed in.
            if (e.PayloadJson.Contains("\\u0000", StringComparison.Ordinal))
            {
                throw new ArgumentException("an event's payload may not hold the NUL character");
            }
        }
    }

    private static bool IsJsonObject(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event log batch of {Count} append(s) for district {District} failed; reloading the last committed sequence number")]
    private partial void LogBatchFailed(Exception exception, string district, int count);

    private sealed class Pending(AppendRequest request)
    {
        public AppendRequest Request { get; } = request;

        public TaskCompletionSource<IReadOnlyList<LoggedEvent>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
