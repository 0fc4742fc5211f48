using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StormSharp.Runtime.Queues;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// An executor's tuples for one destination executor, handed over in batches. Owned by the emitting executor's
/// thread. What the destination cannot take stays here, in order, and the emitter stops consuming its own input
/// until it drains: that is how backpressure travels upstream without blocking a thread or growing a queue.
/// </summary>
internal sealed class OutBatch(ITupleSink destination, int batchSize)
{
    private TupleImpl[] _items = new TupleImpl[Math.Max(1, batchSize)];

    public ITupleSink Destination { get; } = destination;

    public int Count { get; private set; }

    /// <summary>Whether the owner has this batch on its list of batches to flush.</summary>
    public bool Listed { get; set; }

    /// <summary>Adds a tuple; returns true when the batch has reached its size and should be flushed.</summary>
    public bool Add(TupleImpl tuple)
    {
        if (Count == _items.Length)
        {
            // Only while the destination is full: one execute's emits beyond the batch wait here.
            Array.Resize(ref _items, _items.Length * 2);
        }

        // Through a reference, as in the receive queue: a class-typed array store calls a type check (Count is in range).
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_items), Count++) = tuple;
        return Count >= batchSize;
    }

    /// <summary>Empties the batch without handing it over; returns how many tuples it held.</summary>
    public int Discard()
    {
        var n = Count;
        Array.Clear(_items, 0, n);
        Count = 0;
        return n;
    }

    /// <summary>Hands over what the destination has room for; returns true when nothing is left.</summary>
    public bool Flush()
    {
        if (Count == 0)
        {
            return true;
        }

        var sent = Destination.TryPublish(_items.AsSpan(0, Count));
        if (sent == Count)
        {
            Array.Clear(_items, 0, Count);
            Count = 0;
            return true;
        }

        if (sent > 0)
        {
            Array.Copy(_items, sent, _items, 0, Count - sent);
            Array.Clear(_items, Count - sent, sent);
            Count -= sent;
        }

        return false;
    }
}
