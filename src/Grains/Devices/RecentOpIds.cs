using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace OpsCentre.Grains.Devices;

/// <summary>
/// The op ids a device sent lately, to answer a retried status "duplicate": kept as 64-bit hashes
/// (XxHash64 of the id), oldest first, at most <c>capacity</c>. A device remembers thousands of them;
/// as strings they made its stored state large (docs/benchmarks.md, "Measured reasons in the code"),
/// serialised and written every few seconds per reporting device, and dropping the oldest was a shift
/// of the whole list. As hashes they are 8 bytes
/// each, stored as one byte array. Two different ids sharing a hash among a device's last few thousand
/// is a chance of about one in 10^12 per status; it would answer a new status "duplicate".
/// </summary>
public sealed class RecentOpIds
{
    private readonly int _capacity;
    private readonly Queue<long> _order;
    private readonly HashSet<long> _seen;

    public RecentOpIds(int capacity, byte[]? stored)
    {
        _capacity = capacity;
        var count = (stored?.Length ?? 0) / sizeof(long);
        _order = new Queue<long>(Math.Min(count, capacity));
        _seen = new HashSet<long>(Math.Min(count, capacity));
        for (var i = Math.Max(0, count - capacity); i < count; i++)
        {
            var hash = BinaryPrimitives.ReadInt64LittleEndian(stored.AsSpan(i * sizeof(long)));
            if (_seen.Add(hash))
            {
                _order.Enqueue(hash);
            }
        }
    }

    /// <summary>Remembers the id; false when it was already remembered.</summary>
    public bool Remember(string opId)
    {
        // Op ids are at most 100 characters (the gateway checks), so their UTF-8 fits on the stack.
        var utf8 = opId.Length <= 100 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(100)] : new byte[Encoding.UTF8.GetMaxByteCount(opId.Length)];
        var hash = unchecked((long)XxHash64.HashToUInt64(utf8[..Encoding.UTF8.GetBytes(opId, utf8)]));
        if (!_seen.Add(hash))
        {
            return false;
        }

        _order.Enqueue(hash);
        if (_order.Count > _capacity)
        {
            _seen.Remove(_order.Dequeue());
        }

        return true;
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
}
