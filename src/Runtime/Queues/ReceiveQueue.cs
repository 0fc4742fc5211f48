using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Queues;

/// <summary>
/// An executor's bounded receive queue: many producers, one consumer (the executor thread). Producers claim a run
/// of slots with one CAS and publish a whole batch, so the cost of synchronisation is paid per batch, not per tuple;
/// the consumer owns the head and touches no shared counter per item. A full queue refuses what does not fit
/// instead of blocking, which is what lets the emitting executor keep draining its own queue (no deadlock across
/// cycles such as spout -> bolt -> acker -> spout) and apply backpressure upstream.
/// </summary>
internal sealed class ReceiveQueue : ITupleSink
{
    private readonly TupleImpl?[] _slots;
    private readonly long[] _ready;
    private readonly int _mask;
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 0);
    private Positions _pos;
    // Running, Parked (the next publish or Wake resumes the consumer) or ParkedForRoom (only Wake does).
    private int _sleeping;
    private int _wakeRequested;
    private Action? _schedule;
    private readonly List<Action> _roomWaiters = [];
    private int _roomWaiterCount;

    private const int Running = 0;
    private const int Parked = 1;
    private const int ParkedForRoom = 2;

    public ReceiveQueue(int capacity)
    {
        if (capacity < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a receive queue holds at least 2 tuples");
        }

        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _slots = new TupleImpl?[size];
        _ready = new long[size];
        _mask = size - 1;
        for (var i = 0; i < size; i++)
        {
            _ready[i] = i; // slot i first holds position i; it is readable when _ready == position + 1
        }
    }

    public int Capacity => _slots.Length;

    /// <summary>Tuples waiting (approximate when read by other threads).</summary>
    public int Count => (int)Math.Max(0, Volatile.Read(ref _pos.Tail) - Volatile.Read(ref _pos.Head));

    /// <summary>How full the queue is, from 0 to 1.</summary>
    public double Load => (double)Count / _slots.Length;

    /// <summary>Publishes as many of <paramref name="items"/> as fit, in order; returns how many.</summary>
    public int TryPublish(ReadOnlySpan<TupleImpl> items)
    {
        if (items.IsEmpty)
        {
            return 0;
        }

        long start;
        int n;
        while (true)
        {
            start = Volatile.Read(ref _pos.Tail);
            var free = _slots.Length - (start - Volatile.Read(ref _pos.Head));
            if (free <= 0)
            {
                return 0;
            }

            n = (int)Math.Min(free, items.Length);
            if (Interlocked.CompareExchange(ref _pos.Tail, start + n, start) == start)
            {
                break;
            }
        }

        // Slots are written through a reference: an array store of a class type costs a call to check the array's
        // element type, which the JIT does not drop even for a sealed type; the index is masked into range.
        ref var slots = ref MemoryMarshal.GetArrayDataReference(_slots);
        ref var ready = ref MemoryMarshal.GetArrayDataReference(_ready);
        var mask = _mask;
        for (var i = 0; i < n; i++)
        {
            var p = start + i;
            var idx = (int)(p & mask);
            Unsafe.Add(ref slots, idx) = items[i];
            Volatile.Write(ref Unsafe.Add(ref ready, idx), p + 1);
        }

        // Dekker pairing with the consumer's sleep: it publishes _sleeping then re-checks for data; we publish data
        // then check _sleeping. The full fence keeps either side from missing the other.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping) == Parked)
        {
            WakeConsumer(Parked);
        }

        return n;
    }

    /// <summary>Publishes one tuple if there is room.</summary>
    public bool TryPublish(TupleImpl item) => TryPublish(MemoryMarshal.CreateReadOnlySpan(ref item, 1)) == 1;

    /// <summary>Consumer only: moves up to <paramref name="into"/>.Length ready tuples into it; returns how many.</summary>
    public int Poll(Span<TupleImpl?> into)
    {
        // Reads first, writes after: while the consumer keeps pace with a producer still publishing a batch, their
        // slots share cache lines, and a write per slot would bounce each line between the two cores. A slot's ready
        // mark needs no reset: a mark left from the previous lap is a whole lap short of what the next one waits for.
        var head = _pos.Head;
        var n = 0;
        var slots = _slots;
        while (n < into.Length)
        {
            var idx = (int)((head + n) & _mask);
            if (Volatile.Read(ref _ready[idx]) != head + n + 1)
            {
                break;
            }

            into[n++] = slots[idx];
        }

        if (n > 0)
        {
            var first = (int)(head & _mask);
            var run = Math.Min(n, slots.Length - first);
            Array.Clear(slots, first, run);
            if (run < n)
            {
                Array.Clear(slots, 0, n - run);
            }

            head += n;
            Volatile.Write(ref _pos.Head, head);

            // Dekker pairing with NotifyWhenRoom: we publish the head then look for waiters; a waiter registers then
            // looks at the head. Emitters held back by a full queue hear of room once it is half empty.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _roomWaiterCount) != 0 && HalfEmpty)
            {
                WakeRoomWaiters();
            }
        }

        return n;
    }

    /// <summary>Producers: calls <paramref name="wake"/> once the queue is at most half full (now, if it is).</summary>
    public void NotifyWhenRoom(Action wake)
    {
        lock (_roomWaiters)
        {
            if (!_roomWaiters.Contains(wake))
            {
                _roomWaiters.Add(wake);
            }

            Volatile.Write(ref _roomWaiterCount, _roomWaiters.Count);
        }

        Interlocked.MemoryBarrier();
        if (HalfEmpty)
        {
            WakeRoomWaiters();
        }
    }

    private bool HalfEmpty => Volatile.Read(ref _pos.Tail) - Volatile.Read(ref _pos.Head) <= _slots.Length / 2;

    private void WakeRoomWaiters()
    {
        Action[] waiters;
        lock (_roomWaiters)
        {
            if (_roomWaiters.Count == 0)
            {
                return;
            }

            waiters = [.. _roomWaiters];
            _roomWaiters.Clear();
            Volatile.Write(ref _roomWaiterCount, 0);
        }

        foreach (var wake in waiters)
        {
            wake();
        }
    }

    /// <summary>Consumer only: whether a tuple is ready.</summary>
    public bool HasReady
    {
        get
        {
            var head = _pos.Head;
            return Volatile.Read(ref _ready[(int)(head & _mask)]) == head + 1;
        }
    }

    /// <summary>
    /// Hands the consumer's wake-ups to a scheduler: a consumer that parked with <see cref="TryPark"/> is resumed by
    /// calling <paramref name="schedule"/> exactly once, from whichever thread publishes first (or calls <see cref="Wake"/>).
    /// </summary>
    public void UseScheduler(Action schedule) => _schedule = schedule;

    /// <summary>Consumer only, on a thread of its own: waits until a tuple is ready, <see cref="Wake"/> is called, or the timeout passes.</summary>
    public void Wait(TimeSpan timeout)
    {
        _signal.Reset();
        Volatile.Write(ref _sleeping, Parked);
        Interlocked.MemoryBarrier();
        if (!HasReady)
        {
            _signal.Wait(timeout);
        }

        Volatile.Write(ref _sleeping, Running);
    }

    /// <summary>
    /// Consumer only, on a thread of its own, holding tuples its destinations refused: waits until <see cref="Wake"/>
    /// is called (room downstream, a command) or the timeout passes. Tuples in the queue, and tuples published
    /// meanwhile, do not end the wait: the consumer takes no input until its own tuples are handed over, and
    /// waking for them made it spin through empty cycles for as long as its destination stayed full.
    /// </summary>
    public void WaitForRoom(TimeSpan timeout)
    {
        _signal.Reset();
        Volatile.Write(ref _sleeping, ParkedForRoom);
        Interlocked.MemoryBarrier();

        // A wake-up since the last wait (possibly before the reset) counts: the consumer looks again instead.
        if (Interlocked.Exchange(ref _wakeRequested, 0) == 0)
        {
            _signal.Wait(timeout);
        }

        Volatile.Write(ref _sleeping, Running);
    }

    /// <summary>
    /// Consumer only, under a scheduler: marks the consumer parked unless a tuple or a wake-up is already waiting.
    /// True: parked, and the next publish or <see cref="Wake"/> schedules it (possibly already has). False: keep running.
    /// </summary>
    public bool TryPark()
    {
        Volatile.Write(ref _sleeping, Parked);
        Interlocked.MemoryBarrier();
        if (!HasReady && Volatile.Read(ref _wakeRequested) == 0)
        {
            return true;
        }

        // Something arrived while parking. Take the wake-up back, unless a producer already took it and scheduled us.
        return Interlocked.Exchange(ref _sleeping, Running) == Running;
    }

    /// <summary>
    /// Consumer only, under a scheduler, holding tuples its destinations refused: parks the consumer unless a wake-up
    /// is already waiting, as <see cref="TryPark"/> does, but only <see cref="Wake"/> (room downstream, a deadline, a
    /// command) schedules it again; tuples waiting or published meanwhile do not, since the consumer takes no input
    /// until its own tuples are handed over. (Parked as <see cref="TryPark"/> parks, the tuples waiting in its queue
    /// had it scheduled again at once, and it spun through empty turns for as long as its destination stayed full.)
    /// </summary>
    public bool TryParkForRoom()
    {
        Volatile.Write(ref _sleeping, ParkedForRoom);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _wakeRequested) == 0)
        {
            return true;
        }

        return Interlocked.Exchange(ref _sleeping, Running) == Running;
    }

    /// <summary>Consumer only: forgets a wake-up that the running consumer is about to act on anyway.</summary>
    public void ClearWake() => Volatile.Write(ref _wakeRequested, 0);

    /// <summary>Wakes the consumer to notice a command (activate, deactivate, stop), a deadline, or room downstream.</summary>
    public void Wake()
    {
        Volatile.Write(ref _wakeRequested, 1);
        Interlocked.MemoryBarrier();
        WakeConsumer(ParkedForRoom);
    }

    /// <summary>Wakes a consumer waiting in <see cref="Wait"/> (from a scheduler whose consumer moved to a thread of its own).</summary>
    public void Signal() => _signal.Set();

    /// <summary>Resumes the consumer if it is parked at most as deeply as <paramref name="upTo"/>: a publish resumes a consumer <see cref="Parked"/>, a wake-up any.</summary>
    private void WakeConsumer(int upTo)
    {
        if (_schedule is null)
        {
            if (Volatile.Read(ref _sleeping) <= upTo)
            {
                _signal.Set();
            }
        }
        else if (upTo == ParkedForRoom ? Interlocked.Exchange(ref _sleeping, Running) != Running : Interlocked.CompareExchange(ref _sleeping, Running, Parked) == Parked)
        {
            _schedule();
        }
    }

    /// <summary>Head and tail on their own cache lines: producers hammer the tail, the consumer the head.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Positions
    {
        [FieldOffset(64)]
        public long Tail;

        [FieldOffset(128)]
        public long Head;
    }
}
