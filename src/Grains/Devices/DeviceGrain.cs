using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Security.Cryptography;
using Npgsql;
using OpsCentre.Database.Devices;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Workers;
using Orleans.Runtime;

namespace OpsCentre.Grains.Devices;

public sealed class DeviceState
{
    public long LastSeq { get; set; } = -1;

    /// <summary>Hashes of the most recent op ids, oldest first, to answer duplicates (see <see cref="Devices.RecentOpIds"/>).</summary>
    public byte[] RecentOpIdHashes { get; set; } = [];

    /// <summary>When those hashes were received: pairs of (slice start in UTC ticks, count), oldest first.</summary>
    public long[] RecentOpIdSlices { get; set; } = [];

    public DateTimeOffset? LastSeenAt { get; set; }

    public bool Online { get; set; }

    public double? BatteryPct { get; set; }

    public bool? StrapIntact { get; set; }

    /// <summary>Where this device stands with its rules (battery, silence, strap).</summary>
    public AlertWatchState Alerts { get; set; } = new();
}

/// <summary>
/// A device's grain. Online/offline is its own decision, and so are its alert rules (battery, silence,
/// strap): a grain timer fires exactly when the silence period ends or a rule needs another look, and
/// while either is ahead a reminder (a durable wake-up) also runs, so that a device whose silo crashed
/// still goes offline and still raises its silence alert — the reminder reactivates it elsewhere.
/// </summary>
public sealed partial class DeviceGrain(
    [PersistentState("device", LiveState.Storage)] IPersistentState<DeviceState> state,
    NpgsqlDataSource db,
    DeviceCredentialStore credentials,
    TrackWriter tracks,
    AlertWatcher alerts,
    StartupGrace grace,
    IOptions<DeviceOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain, IRemindable
{
    private const string WakeReminder = "silence";
    private readonly DeviceOptions _options = options.Value;
    private RecentOpIds? _opIds;
    private string _id = "";
    private string _kind = "";
    private string _boundTo = "";

    // Kept, not looked up per status: Orleans resolves the interface's type name on every GetGrain.
    private IWorkerGrain? _worker;
    private string? _unitCode;
    private byte[]? _secretHash;
    private bool _revoked;
    private DurableWakeUp? _wakeUp;
    private IGrainTimer? _persistTimer;
    private bool _dirty;
    private DateTimeOffset? _ruleWake;
    private WatchedSubject? _subject;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Kept: Orleans decodes a string key anew on every GetPrimaryKeyString, and a status needs it twice.
        _id = this.GetPrimaryKeyString();
        await using var command = db.CreateCommand(
            """
            SELECT d.kind, d.bound_to, d.secret_hash, d.revoked_at IS NOT NULL, coalesce(w.assigned_grid, k.grid_code)
            FROM device_credential d
            LEFT JOIN grid_worker w ON d.kind = 'worker-phone' AND w.id = d.bound_to AND w.ended_at IS NULL
            LEFT JOIN key_person k ON d.kind <> 'worker-phone' AND k.id = d.bound_to AND k.ended_at IS NULL
            WHERE d.device_id = @id
            """);
        command.Parameters.AddWithValue("id", _id);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                _kind = reader.GetString(0);
                _boundTo = reader.GetString(1);
                _secretHash = (byte[])reader[2];
                _revoked = reader.GetBoolean(3);
                _unitCode = reader.IsDBNull(4) ? null : reader.GetString(4);
            }
        }

        if (_secretHash is null)
        {
            return;
        }

        _opIds = new RecentOpIds(_options.RememberedOpIds, _options.RememberOpIdsFor, state.State.RecentOpIdHashes, state.State.RecentOpIdSlices, clock.GetUtcNow());
        // Live state is written behind on a timer (battery and last-seen may lose a few seconds in a
        // crash); online/offline changes are written at once.
        _persistTimer = this.RegisterGrainTimer(PersistIfDirtyAsync, new GrainTimerCreationOptions(_options.PersistEvery, _options.PersistEvery));
        // Look at silence and rules at once: an activation by the reminder after a crash may be overdue.
        _wakeUp = new DurableWakeUp(this, WakeReminder, _options.SilenceReminderPeriod, WakeAsync, clock, phaseKey: _id);
        _wakeUp.Soon();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => PersistIfDirtyAsync();

    public async Task<IReadOnlyList<StatusOutcome>> Report(IReadOnlyList<DeviceStatus> statuses)
    {
        var outcomes = new StatusOutcome[statuses.Count];
        if (_revoked || _secretHash is null)
        {
            // Gateways may have checked the key a moment before it was revoked: the grain has the last word.
            Array.Fill(outcomes, StatusOutcome.Revoked);
            return outcomes;
        }

        var now = clock.GetUtcNow();
        DeviceStatus? newest = null;
        // The applied statuses of a batch, in seq order, for the subject to judge one by one; a single status needs no list.
        List<DeviceStatus>? applied = null;
        foreach (var i in InSeqOrder(statuses))
        {
            var status = statuses[i];
            if (!_opIds!.Remember(status.OpId, now))
            {
                outcomes[i] = StatusOutcome.Duplicate;
                continue;
            }

            tracks.Enqueue(new TrackPoint(_id, _boundTo, status.Seq, status.At, status.Lat, status.Lon, status.AccuracyM, now));
            if (status.Seq <= state.State.LastSeq)
            {
                outcomes[i] = StatusOutcome.Stale;
                continue;
            }

            state.State.LastSeq = status.Seq;
            state.State.BatteryPct = status.BatteryPct ?? state.State.BatteryPct;
            state.State.StrapIntact = status.StrapIntact ?? state.State.StrapIntact;
            if (newest is not null)
            {
                (applied ??= [newest]).Add(status);
            }

            newest = status;
            outcomes[i] = StatusOutcome.Applied;
        }

        _dirty = true;
        if (newest is not null)
        {
            state.State.LastSeenAt = now;
            if (!state.State.Online)
            {
                state.State.Online = true;
                await PersistAsync();
            }

            await HandOnAsync(newest, applied);
            await EvaluateRulesAsync(now);
            await ScheduleWakeAsync();
        }

        return outcomes;
    }

    /// <summary>
    /// Hands the applied positions to the worker or key person the device is bound to. A single one (what a device with
    /// signal sends) goes as one observation, one-way to a worker; the positions of a batch (a queue uploaded after a loss
    /// of signal) go in one awaited call, in seq order, so that the subject judges every one of them at its own time before
    /// the device's next status reaches it.
    /// </summary>
    private async Task HandOnAsync(DeviceStatus newest, List<DeviceStatus>? applied)
    {
        if (_kind == DeviceKinds.WorkerPhone)
        {
            _worker ??= GrainFactory.GetGrain<IWorkerGrain>(_boundTo);
            if (applied is null)
            {
                await _worker.Observe(ToWorker(newest));
            }
            else
            {
                await _worker.Replay([.. applied.Select(ToWorker)]);
            }
        }
        else
        {
            var person = GrainFactory.GetGrain<KeyPersons.IKeyPersonGrain>(_boundTo);
            if (applied is null)
            {
                await person.Observe(ToKeyPerson(newest));
            }
            else
            {
                await person.Replay([.. applied.Select(ToKeyPerson)]);
            }
        }
    }

    public async Task<bool> ReportDrill(string drillId, double lat, double lon)
    {
        if (_secretHash is null || _revoked || DeviceKinds.IsWorkerDevice(_kind))
        {
            return false;
        }

        await GrainFactory.GetGrain<KeyPersons.IKeyPersonGrain>(_boundTo).ObserveDrill(drillId, new(_id, _kind, clock.GetUtcNow(), lat, lon));
        return true;
    }

    private WorkerObservation ToWorker(DeviceStatus s) => new(s.At, s.Lat, s.Lon, s.OnDuty, _id, s.Seq);

    private KeyPersons.KeyPersonObservation ToKeyPerson(DeviceStatus s) => new(_id, _kind, s.At, s.Lat, s.Lon);

    public Task<DeviceHealth> Health() => Task.FromResult(new DeviceHealth(
        _id, state.State.Online, state.State.LastSeenAt, state.State.LastSeq, state.State.BatteryPct, state.State.StrapIntact));

    public Task<DeviceBinding?> Authenticate(byte[] secretHash)
    {
        if (_secretHash is null)
        {
            // Keys naming devices that were never provisioned must not pile up activations.
            DeactivateOnIdle();
            return Task.FromResult<DeviceBinding?>(null);
        }

        return Task.FromResult(!_revoked && CryptographicOperations.FixedTimeEquals(_secretHash, secretHash) ? new DeviceBinding(_kind, _boundTo) : null);
    }

    public async Task<bool> Revoke()
    {
        // The database first: a reactivation elsewhere must read the key as revoked.
        var revoked = await credentials.RevokeAsync(_id);
        _revoked = true;
        return revoked;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => WakeAsync();

    /// <summary>The device's own wake-up, by timer or reminder: is it silent, and what do its rules say now?</summary>
    private async Task WakeAsync()
    {
        var now = clock.GetUtcNow();
        var silentFor = now - (state.State.LastSeenAt ?? DateTimeOffset.MinValue);
        if (state.State.Online && silentFor >= _options.OfflineAfter)
        {
            state.State.Online = false;
            await PersistAsync();
            LogOffline(_id, silentFor);
            if (_kind == DeviceKinds.WorkerPhone)
            {
                await GrainFactory.GetGrain<IWorkerGrain>(_boundTo).GoOffline();
            }
        }

        await EvaluateRulesAsync(now);
        await ScheduleWakeAsync();
    }

    private async Task EvaluateRulesAsync(DateTimeOffset now)
    {
        if (_unitCode is null)
        {
            return;
        }

        // Silent since before this silo started: the silence may be the system's own (a calm restart, StartupGrace).
        var facts = new SubjectFacts { Variant = _kind, QuietUntil = grace.QuietUntil(_id, state.State.LastSeenAt) };
        if (state.State.BatteryPct is { } battery)
        {
            facts.Metrics["batteryPct"] = battery;
        }

        if (state.State.StrapIntact is { } strap)
        {
            facts.Metrics["strapIntact"] = strap ? 1 : 0;
        }

        if (state.State.LastSeenAt is { } seen)
        {
            facts.Signals["status"] = seen;
        }

        // Made once: the device's state object, and so its watch state, lives as long as the activation.
        // A key person's device names the person: its alerts are about them (who sees them, who may resolve them).
        _subject ??= new WatchedSubject(new AlertSubject(SubjectKinds.Device, _id, DeviceKinds.IsWorkerDevice(_kind) ? null : _boundTo),
            _unitCode, state.State.Alerts, PersistAsync);
        _ruleWake = await alerts.EvaluateAsync(_subject, facts, now);
    }

    /// <summary>
    /// Arms the timer for the next moment something is due (going offline, a rule's next look), and
    /// keeps the reminder exactly while something is due.
    /// </summary>
    private async Task ScheduleWakeAsync()
    {
        DateTimeOffset? due = state.State.Online && state.State.LastSeenAt is { } seen ? seen + _options.OfflineAfter : null;
        if (_ruleWake is { } ruleWake && (due is null || ruleWake < due))
        {
            due = ruleWake;
        }

        await _wakeUp!.ScheduleAsync(due);
    }

    private async Task PersistAsync()
    {
        _dirty = false;
        if (_opIds is not null)
        {
            _opIds.Expire(clock.GetUtcNow());
            state.State.RecentOpIdHashes = _opIds.ToBytes();
            state.State.RecentOpIdSlices = _opIds.SlicesToArray();
        }

        await state.WriteStateAsync();
    }

    private Task PersistIfDirtyAsync() => _dirty ? PersistAsync() : Task.CompletedTask;

    /// <summary>The statuses' indexes by seq (stable); a single status — what devices with signal send — needs no sort.</summary>
    private static IEnumerable<int> InSeqOrder(IReadOnlyList<DeviceStatus> statuses) =>
        statuses.Count == 1 ? [0] : Enumerable.Range(0, statuses.Count).OrderBy(i => statuses[i].Seq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} is offline after {Silence} of silence")]
    private partial void LogOffline(string deviceId, TimeSpan silence);
}
