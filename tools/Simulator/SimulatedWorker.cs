namespace OpsCentre.Simulator;

/// <summary>
/// One grid worker carrying a phone: walks near home inside their grid, goes on and off duty,
/// drains and recharges the battery, and now and then loses signal — queuing statuses that are
/// replayed as one batch when the signal returns (the 人+互联网 field reality). A status the gateway
/// did not take (503 while it cannot serve, 429, no answer at all) goes back to the front of the queue and
/// is sent again with its own opId and time, as a phone does; the queue is the phone's, nothing is dropped.
/// </summary>
/// <param name="firstSeq">Where this run's sequence numbers start: the start time in milliseconds, so a
/// device's seq (and op ids) keep growing across runs of the simulator and nothing is taken for a retry.</param>
public sealed class SimulatedWorker(string workerId, string deviceId, string key, double homeLat, double homeLon, Random random, long firstSeq)
{
    private readonly List<object> _queued = [];
    private readonly (double Lat, double Lon) _home = (homeLat, homeLon);
    private double _lat = homeLat, _lon = homeLon, _battery = 60 + random.NextDouble() * 40;
    private bool _onDuty = random.NextDouble() < 0.7;
    private int _offlineTurns;

    public string WorkerId { get; } = workerId;

    public string DeviceId { get; } = deviceId;

    public string Key { get; } = key;

    public long Seq { get; private set; } = firstSeq;

    /// <summary>Statuses waiting to be sent.</summary>
    public int Queued
    {
        get
        {
            lock (_queued)
            {
                return _queued.Count;
            }
        }
    }

    /// <summary>Puts statuses the gateway did not take back in front of the queue, oldest first.</summary>
    public void Requeue(List<object> statuses)
    {
        lock (_queued)
        {
            _queued.InsertRange(0, statuses);
        }
    }

    /// <summary>Everything queued, to send now (the run is ending); the queue is empty after.</summary>
    public List<object> TakeQueued()
    {
        lock (_queued)
        {
            var all = new List<object>(_queued);
            _queued.Clear();
            return all;
        }
    }

    /// <summary>The next statuses to send now: none while without signal, the queued ones on return.</summary>
    public List<object> Next(DateTimeOffset now)
    {
        // Walk up to ~30 m, pulled back towards home so the worker stays in their grid.
        _lat += (random.NextDouble() - 0.5) * 0.0005 + (_home.Lat - _lat) * 0.2;
        _lon += (random.NextDouble() - 0.5) * 0.0005 + (_home.Lon - _lon) * 0.2;
        _battery = _battery < 15 ? 100 : _battery - random.NextDouble() * 0.5;
        if (random.NextDouble() < 0.02)
        {
            _onDuty = !_onDuty;
        }

        Seq++;
        var status = new
        {
            opId = $"{DeviceId}-{Seq}",
            seq = Seq,
            at = now,
            lat = Math.Round(_lat, 7),
            lon = Math.Round(_lon, 7),
            accuracyM = Math.Round(3 + random.NextDouble() * 12, 1),
            batteryPct = Math.Round(_battery, 1),
            onDuty = _onDuty,
        };

        if (_offlineTurns == 0 && random.NextDouble() < 0.01)
        {
            _offlineTurns = random.Next(2, 6);
        }

        lock (_queued)
        {
            if (_offlineTurns > 0)
            {
                _offlineTurns--;
                _queued.Add(status);
                return [];
            }

            var send = new List<object>(_queued) { status };
            _queued.Clear();
            return send;
        }
    }
}
