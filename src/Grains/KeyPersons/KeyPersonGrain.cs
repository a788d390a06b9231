using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NetTopologySuite.Geometries;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace OpsCentre.Grains.KeyPersons;

public sealed class KeyPersonState
{
    /// <summary>Latest position per device id.</summary>
    public Dictionary<string, DevicePosition> Positions { get; set; } = [];

    public DateTimeOffset? LastCheckIn { get; set; }

    public AlertWatchState Alerts { get; set; } = new();

    public string ReportedState { get; set; } = "normal";
}

public sealed class DevicePosition
{
    public string Kind { get; set; } = "";

    public DateTimeOffset At { get; set; }

    public double Lat { get; set; }

    public double Lon { get; set; }
}

/// <summary>
/// A key person's grain. Evaluates the rules that target key persons (zone, curfew, separation,
/// missed check-in) on every observation and on its own timer; its state is the worst open episode:
/// a critical one makes it <c>violation</c>, any other <c>attention</c>.
/// </summary>
public sealed class KeyPersonGrain(
    [PersistentState("keyPerson")] IPersistentState<KeyPersonState> state,
    NpgsqlDataSource db,
    UnitAreas areas,
    AlertWatcher alerts,
    RuleBook rules,
    IOptions<AlertOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IKeyPersonGrain, IRemindable
{
    private const string WakeReminder = "wake";

    /// <summary>The home zone: a circle of this radius around the registered home position.</summary>
    public const double HomeRadiusM = 150;

    private string? _grid;
    private (double Lat, double Lon) _home;
    private DurableWakeUp? _wakeUp;
    private long _version;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT grid_code, home_lat, home_lon FROM key_person WHERE id = @id");
        command.Parameters.AddWithValue("id", this.GetPrimaryKeyString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            _grid = reader.GetString(0);
            _home = (reader.GetDouble(1), reader.GetDouble(2));
        }
    }

    public async Task Observe(KeyPersonObservation o)
    {
        if (_grid is null)
        {
            return;
        }

        if (state.State.Positions.TryGetValue(o.DeviceId, out var held) && held.At > o.At)
        {
            return;
        }

        state.State.Positions[o.DeviceId] = new DevicePosition { Kind = o.DeviceKind, At = o.At, Lat = o.Lat, Lon = o.Lon };
        await EvaluateAsync();
    }

    public async Task CheckIn(DateTimeOffset at)
    {
        if (_grid is null)
        {
            return;
        }

        // A check-in is a durable fact: committed to the district's log (the person's id only, nothing
        // personal) before the person's state counts it.
        var id = this.GetPrimaryKeyString();
        await GrainFactory.GetGrain<EventLog.IDistrictEventLogGrain>(_grid[..6]).Append("key-person", $"{id}/check-in/{at.UtcTicks}",
            [new EventLog.EventDraft(_grid, "keyperson.checked-in", "person-phone", at, System.Text.Json.JsonSerializer.Serialize(new { id }))]);
        state.State.LastCheckIn = at > (state.State.LastCheckIn ?? DateTimeOffset.MinValue) ? at : state.State.LastCheckIn;
        await state.WriteStateAsync();
        await EvaluateAsync();
    }

    public Task<KeyPersonSnapshot?> Snapshot()
    {
        if (_grid is null)
        {
            return Task.FromResult<KeyPersonSnapshot?>(null);
        }

        var latest = Latest();
        return Task.FromResult<KeyPersonSnapshot?>(new KeyPersonSnapshot(
            this.GetPrimaryKeyString(), _grid, state.State.ReportedState, latest?.Lat, latest?.Lon, Separation(), state.State.LastCheckIn,
            [.. state.State.Alerts.Rules.Where(r => r.Value.Fired).Select(r => r.Key)]));
    }

    private DevicePosition? Latest() => state.State.Positions.Values.MaxBy(p => p.At);

    /// <summary>Metres between the wristband and the person's phone (人机分离), when both have reported.</summary>
    private double? Separation()
    {
        var band = state.State.Positions.Values.Where(p => p.Kind == "wristband").MaxBy(p => p.At);
        var phone = state.State.Positions.Values.Where(p => p.Kind == "person-phone").MaxBy(p => p.At);
        return band is null || phone is null ? null : Metres(band.Lat, band.Lon, phone.Lat, phone.Lon);
    }

    private async Task EvaluateAsync()
    {
        var now = clock.GetUtcNow();
        var latest = Latest();
        var facts = new SubjectFacts { Position = latest is null ? null : (latest.Lat, latest.Lon) };
        if (await areas.AreaOfAsync(_grid![..6]) is { } district)
        {
            facts.Zones["allowed"] = district;
        }

        facts.Zones["home"] = Circle(_home.Lat, _home.Lon, HomeRadiusM);
        if (Separation() is { } separation)
        {
            facts.Metrics["deviceSeparationM"] = separation;
        }

        if (state.State.LastCheckIn is { } checkIn)
        {
            facts.Signals["checkIn"] = checkIn;
        }

        var subject = new WatchedSubject(new AlertSubject(SubjectKinds.KeyPerson, this.GetPrimaryKeyString()), _grid!, state.State.Alerts, state.WriteStateAsync);
        var next = await alerts.EvaluateAsync(subject, facts, now);
        await ReportStateAsync(await rules.CurrentAsync());
        // A timer for the next moment a rule needs another look (a dwell or separation period ending, a
        // curfew edge, a check-in falling due) and a reminder meanwhile: a person who goes silent is
        // still noticed after the silo holding their grain died.
        _wakeUp ??= new DurableWakeUp(this, WakeReminder, options.Value.ReminderPeriod, EvaluateAsync, clock);
        await _wakeUp.ScheduleAsync(next);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => _grid is null ? Task.CompletedTask : EvaluateAsync();

    /// <summary>violation while a critical episode has fired, attention for any other fired episode, else normal; counted in the grid when not normal.</summary>
    private async Task ReportStateAsync(RuleSet ruleSet)
    {
        var fired = state.State.Alerts.Rules.Where(r => r.Value.Fired).Select(r => ruleSet.Find(r.Key)?.Rule.Severity).ToList();
        var now = fired.Contains(AlertSeverity.Critical) ? "violation" : fired.Count > 0 ? "attention" : "normal";
        if (now == state.State.ReportedState)
        {
            return;
        }

        state.State.ReportedState = now;
        await state.WriteStateAsync();
        await using (var command = db.CreateCommand("UPDATE key_person SET state = @state WHERE id = @id"))
        {
            command.Parameters.AddWithValue("state", now);
            command.Parameters.AddWithValue("id", this.GetPrimaryKeyString());
            await command.ExecuteNonQueryAsync();
        }

        // Versions from the clock stay ahead of any earlier report, even after a restart; +1 when the clock has not moved.
        _version = Math.Max(_version + 1, clock.GetUtcNow().UtcTicks);
        await GrainFactory.GetGrain<IUnitGrain>(_grid!).Report("key-person:" + this.GetPrimaryKeyString(), _version,
            UnitCounters.Zero with { KeyPersonsAbnormal = now == "normal" ? 0 : 1 });
    }

    private static Geometry Circle(double lat, double lon, double radiusM)
    {
        // A polygon close enough to a circle at city scale: degrees of latitude and longitude scaled apart.
        var factory = new GeometryFactory(new PrecisionModel(), 4326);
        var dLat = radiusM / 111_320;
        var dLon = radiusM / (111_320 * Math.Cos(lat * Math.PI / 180));
        var ring = Enumerable.Range(0, 33).Select(i => i * Math.PI * 2 / 32).Select(a => new Coordinate(lon + dLon * Math.Cos(a), lat + dLat * Math.Sin(a))).ToArray();
        ring[^1] = ring[0];
        return factory.CreatePolygon(ring);
    }

    private static double Metres(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6_371_000;
        var dLat = (lat2 - lat1) * Math.PI / 180;
        var dLon = (lon2 - lon1) * Math.PI / 180;
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(lat1 * Math.PI / 180) * Math.Cos(lat2 * Math.PI / 180) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * R * Math.Asin(Math.Sqrt(a));
    }
}

/// <summary>The polygons of units above grids (a district as a key person's allowed area), read once per silo per map version.</summary>
public sealed class UnitAreas(MapStore map)
{
    private readonly ConcurrentDictionary<string, Geometry?> _areas = new();
    private long _version = -1;

    public async ValueTask<Geometry?> AreaOfAsync(string code)
    {
        if (_areas.TryGetValue(code, out var cached))
        {
            return cached;
        }

        var version = await map.VersionAsync();
        if (version != Interlocked.Exchange(ref _version, version))
        {
            _areas.Clear();
        }

        var parent = UnitCode.ParentOf(code);
        var area = parent is null ? null : (await map.ChildGeometriesAsync(parent)).FirstOrDefault(c => c.Unit.Code == code).Geometry;
        _areas[code] = area;
        return area;
    }
}
