using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace OpsCentre.Grains.Devices;

/// <summary>
/// The op ids a device sent lately, to answer a retried status "duplicate": kept as 64-bit hashes
/// (XxHash64 of the id), oldest first, at most <c>capacity</c> of them and none received longer than
/// <c>maxAge</c> ago. As strings they made a device's stored state large (docs/benchmarks.md, "Measured
/// reasons in the code"), serialised and written every few seconds per reporting device; as hashes they
/// are 8 bytes each, stored as one byte array, and the age bound keeps a steadily reporting device at a
/// few minutes of them instead of the whole capacity (16 KB). Their ages are kept per slice of time
/// (<see cref="SliceOf"/>), not per id: a slice is a start time and a count, so the ages cost a few
/// numbers whatever the rate. Two different ids sharing a hash among a device's remembered ones is a
/// chance of about one in 10^12 per status; it would answer a new status "duplicate".
/// </summary>
public sealed class RecentOpIds
{
    private readonly int _capacity;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _slice;
    private readonly Queue<long> _order;
    private readonly HashSet<long> _seen;

    // The hashes' receipt times, oldest first: (start of the slice in UTC ticks, how many of the hashes, in order, came in it).
    private readonly LinkedList<(long Start, int Count)> _slices = new();

    /// <param name="stored">The hashes as <see cref="ToBytes"/> wrote them.</param>
    /// <param name="storedSlices">Their slices as <see cref="SlicesToArray"/> wrote them; without (state written before ages were kept) every stored hash counts as received <paramref name="now"/>.</param>
    public RecentOpIds(int capacity, TimeSpan maxAge, byte[]? stored, long[]? storedSlices, DateTimeOffset now)
    {
        _capacity = capacity;
        _maxAge = maxAge;
        _slice = SliceOf(maxAge);
        var count = (stored?.Length ?? 0) / sizeof(long);
        _order = new Queue<long>(Math.Min(count, capacity));
        _seen = new HashSet<long>(Math.Min(count, capacity));
        for (var i = 0; i < count; i++)
        {
            var hash = BinaryPrimitives.ReadInt64LittleEndian(stored.AsSpan(i * sizeof(long)));
            if (_seen.Add(hash))
            {
                _order.Enqueue(hash);
            }
        }

        var sliced = 0;
        for (var i = 0; storedSlices is not null && i + 1 < storedSlices.Length && sliced < _order.Count; i += 2)
        {
            var n = (int)Math.Min(storedSlices[i + 1], _order.Count - sliced);
            if (n > 0)
            {
                _slices.AddLast((storedSlices[i], n));
                sliced += n;
            }
        }

        if (sliced < _order.Count)
        {
            // Hashes without a stored age (or a count that disagrees): taken as received now, so they age out like new ones.
            _slices.AddLast((Start(now), _order.Count - sliced));
        }

        while (_order.Count > capacity)
        {
            DropOldest();
        }

        Expire(now);
    }

    /// <summary>How many ids are remembered.</summary>
    public int Count => _order.Count;

    /// <summary>
    /// The width of the slices that ages are kept in: a tenth of the age bound, at least a second. An id is forgotten once its
    /// whole slice lies further back than the bound, so between <c>maxAge</c> and <c>maxAge</c> plus a tenth of it after receipt.
    /// </summary>
    public static TimeSpan SliceOf(TimeSpan maxAge) => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, maxAge.Ticks / 10));

    /// <summary>Remembers the id, received <paramref name="now"/>; false when it was already remembered.</summary>
    public bool Remember(string opId, DateTimeOffset now)
    {
        Expire(now);
        // Op ids are at most 200 characters (the gateway checks); up to 100 their UTF-8 fits on the stack.
        var utf8 = opId.Length <= 100 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(100)] : new byte[Encoding.UTF8.GetMaxByteCount(opId.Length)];
        var hash = unchecked((long)XxHash64.HashToUInt64(utf8[..Encoding.UTF8.GetBytes(opId, utf8)]));
        if (!_seen.Add(hash))
        {
            return false;
        }

        _order.Enqueue(hash);
        var start = Start(now);
        if (_slices.Last is { } last && last.Value.Start >= start)
        {
            last.ValueRef.Count++; // the clock may step back a little: such an id joins the newest slice
        }
        else
        {
            _slices.AddLast((start, 1));
        }

        if (_order.Count > _capacity)
        {
            DropOldest();
        }

        return true;
    }

    /// <summary>Forgets the ids whose slice lies wholly further back than the age bound.</summary>
    public void Expire(DateTimeOffset now)
    {
        var cutoff = now.UtcTicks - _maxAge.Ticks;
        while (_slices.First is { } oldest && oldest.Value.Start + _slice.Ticks <= cutoff)
        {
            _slices.RemoveFirst();
            for (var i = 0; i < oldest.Value.Count; i++)
            {
                _seen.Remove(_order.Dequeue());
            }
        }
    }

    /// <summary>The hashes, oldest first, for the device's stored state.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[_order.Count * sizeof(long)];
        var i = 0;
        foreach (var hash in _order)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i++ * sizeof(long)), hash);
        }

        return bytes;
    }

    /// <summary>The hashes' slices, oldest first, as pairs (start in UTC ticks, count), for the device's stored state.</summary>
    public long[] SlicesToArray()
    {
        var array = new long[_slices.Count * 2];
        var i = 0;
        foreach (var (start, count) in _slices)
        {
            array[i++] = start;
            array[i++] = count;
        }

        return array;
    }

    private long Start(DateTimeOffset at) => at.UtcTicks - (at.UtcTicks % _slice.Ticks);

    private void DropOldest()
    {
        _seen.Remove(_order.Dequeue());
        if (--_slices.First!.ValueRef.Count == 0)
        {
            _slices.RemoveFirst();
        }
    }
}
