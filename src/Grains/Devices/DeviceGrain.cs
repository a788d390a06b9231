using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Security.Cryptography;
using Npgsql;
using OpsCentre.Database.Devices;
using OpsCentre.Grains.Workers;
using Orleans.Runtime;

namespace OpsCentre.Grains.Devices;

public sealed class DeviceState
{
    public long LastSeq { get; set; } = -1;

    /// <summary>The most recent op ids, oldest first, to answer duplicates.</summary>
    public List<string> RecentOpIds { get; set; } = [];

    public DateTimeOffset? LastSeenAt { get; set; }

    public bool Online { get; set; }

    public double? BatteryPct { get; set; }

    public bool? StrapIntact { get; set; }
}

/// <summary>
/// A device's grain. Online/offline is its own decision: a grain timer fires exactly when the
/// silence period ends, and while the device is online a reminder (a durable wake-up) also runs,
/// so that a device whose silo crashed still goes offline — the reminder reactivates it elsewhere.
/// </summary>
public sealed partial class DeviceGrain(
    [PersistentState("device")] IPersistentState<DeviceState> state,
    NpgsqlDataSource db,
    DeviceCredentialStore credentials,
    TrackWriter tracks,
    IOptions<DeviceOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain, IRemindable
{
    private const string SilenceReminder = "silence";
    private readonly DeviceOptions _options = options.Value;
    private HashSet<string> _opIds = [];
    private string _kind = "";
    private string _boundTo = "";
    private byte[]? _secretHash;
    private bool _revoked;
    private IGrainTimer? _silenceTimer;
    private IGrainTimer? _persistTimer;
    private bool _dirty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT kind, bound_to, secret_hash, revoked_at IS NOT NULL FROM device_credential WHERE device_id = @id");
        command.Parameters.AddWithValue("id", this.GetPrimaryKeyString());
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                _kind = reader.GetString(0);
                _boundTo = reader.GetString(1);
                _secretHash = (byte[])reader[2];
                _revoked = reader.GetBoolean(3);
            }
        }

        if (_secretHash is null)
        {
            return;
        }

        _opIds = [.. state.State.RecentOpIds];
        // Live state is written behind on a timer (battery and last-seen may lose a few seconds in a
        // crash); online/offline changes are written at once.
        _persistTimer = this.RegisterGrainTimer(PersistIfDirtyAsync, new GrainTimerCreationOptions(_options.PersistEvery, _options.PersistEvery));
        if (state.State.Online)
        {
            ArmSilenceTimer();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => PersistIfDirtyAsync();

    public async Task<IReadOnlyList<StatusOutcome>> Report(IReadOnlyList<DeviceStatus> statuses)
    {
        var outcomes = new StatusOutcome[statuses.Count];
        var now = clock.GetUtcNow();
        DeviceStatus? newest = null;
        foreach (var i in Enumerable.Range(0, statuses.Count).OrderBy(i => statuses[i].Seq))
        {
            var status = statuses[i];
            if (!Remember(status.OpId))
            {
                outcomes[i] = StatusOutcome.Duplicate;
                continue;
            }

            tracks.Enqueue(new TrackPoint(this.GetPrimaryKeyString(), _boundTo, status.Seq, status.At, status.Lat, status.Lon, status.AccuracyM, now));
            if (status.Seq <= state.State.LastSeq)
            {
                outcomes[i] = StatusOutcome.Stale;
                continue;
            }

            state.State.LastSeq = status.Seq;
            state.State.BatteryPct = status.BatteryPct ?? state.State.BatteryPct;
            state.State.StrapIntact = status.StrapIntact ?? state.State.StrapIntact;
            newest = status;
            outcomes[i] = StatusOutcome.Applied;
        }

        _dirty = true;
        if (newest is not null)
        {
            state.State.LastSeenAt = now;
            ArmSilenceTimer();
            if (!state.State.Online)
            {
                state.State.Online = true;
                await state.WriteStateAsync();
                _dirty = false;
                await this.RegisterOrUpdateReminder(SilenceReminder, _options.SilenceReminderPeriod, _options.SilenceReminderPeriod);
            }

            if (_kind == "worker-phone")
            {
                await GrainFactory.GetGrain<IWorkerGrain>(_boundTo).Observe(new WorkerObservation(newest.At, newest.Lat, newest.Lon, newest.OnDuty));
            }
        }

        return outcomes;
    }

    public Task<DeviceHealth> Health() => Task.FromResult(new DeviceHealth(
        this.GetPrimaryKeyString(), state.State.Online, state.State.LastSeenAt, state.State.LastSeq, state.State.BatteryPct, state.State.StrapIntact));

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
        var revoked = await credentials.RevokeAsync(this.GetPrimaryKeyString());
        _revoked = true;
        return revoked;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckSilenceAsync();

    private void ArmSilenceTimer()
    {
        var due = state.State.LastSeenAt is { } seen ? seen + _options.OfflineAfter - clock.GetUtcNow() : _options.OfflineAfter;
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due;
        if (_silenceTimer is null)
        {
            _silenceTimer = this.RegisterGrainTimer(CheckSilenceAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _silenceTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task CheckSilenceAsync()
    {
        if (!state.State.Online)
        {
            await UnregisterSilenceReminderAsync();
            return;
        }

        var silentFor = clock.GetUtcNow() - (state.State.LastSeenAt ?? DateTimeOffset.MinValue);
        if (silentFor < _options.OfflineAfter)
        {
            ArmSilenceTimer();
            return;
        }

        state.State.Online = false;
        await state.WriteStateAsync();
        _dirty = false;
        LogOffline(this.GetPrimaryKeyString(), silentFor);
        await UnregisterSilenceReminderAsync();
        if (_kind == "worker-phone")
        {
            await GrainFactory.GetGrain<IWorkerGrain>(_boundTo).GoOffline();
        }
    }

    private async Task UnregisterSilenceReminderAsync()
    {
        if (await this.GetReminder(SilenceReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private bool Remember(string opId)
    {
        if (!_opIds.Add(opId))
        {
            return false;
        }

        state.State.RecentOpIds.Add(opId);
        if (state.State.RecentOpIds.Count > _options.RememberedOpIds)
        {
            _opIds.Remove(state.State.RecentOpIds[0]);
            state.State.RecentOpIds.RemoveAt(0);
        }

        return true;
    }

    private async Task PersistIfDirtyAsync()
    {
        if (_dirty)
        {
            _dirty = false;
            await state.WriteStateAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} is offline after {Silence} of silence")]
    private partial void LogOffline(string deviceId, TimeSpan silence);
}
