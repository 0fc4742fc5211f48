using System.Numerics;
using System.Runtime.CompilerServices;

namespace StormSharp.Runtime.Acking;

/// <summary>
/// A hash map from non-zero 64-bit ids (ack tree roots) to struct values, for the acker's table and a spout's pending
/// tuples: open addressing with linear probing in one array, a power-of-two size kept at most half full, and
/// backward-shift deletion so that no tombstones build up under a steady churn of adds and removes. Every tree
/// costs three to five lookups, so this is on the hot path of acking: each key sits next to its value, so that a
/// lookup in a table too big for the core's cache misses once, not once for the key and again for the value.
/// Single-threaded.
/// </summary>
internal sealed class LongMap<TValue>
    where TValue : struct
{
    private const int MinCapacity = 16;

    private Entry[] _entries;
    private int _shift;
    private int _peak;

    public LongMap()
    {
        _entries = new Entry[MinCapacity];
        _shift = 64 - BitOperations.Log2(MinCapacity);
    }

    public int Count { get; private set; }

    /// <summary>Slots allocated (a power of two, at least twice <see cref="Count"/>).</summary>
    public int Capacity => _entries.Length;

    /// <summary>The value of <paramref name="key"/>, added as default when missing.</summary>
    public ref TValue GetValueRefOrAddDefault(long key, out bool existed)
    {
        CheckKey(key);
        if ((Count + 1) * 2 > _entries.Length)
        {
            Resize(_entries.Length * 2);
        }

        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = Slot(key); ; i = (i + 1) & mask)
        {
            ref var e = ref entries[i];
            if (e.Key == key)
            {
                existed = true;
                return ref e.Value;
            }

            if (e.Key == 0)
            {
                e.Key = key;
                if (++Count > _peak)
                {
                    _peak = Count;
                }

                existed = false;
                return ref e.Value;
            }
        }
    }

    /// <summary>
    /// Asks the CPU for the slot where <paramref name="key"/> lives or would go: ids are random, so in a table larger
    /// than the core's cache each lookup misses, and a caller that knows its next keys can overlap those misses with
    /// its work (the acker knows a whole batch of roots ahead).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(long key)
    {
        var entries = _entries;
        CacheHint.Prefetch(ref entries[Slot(key) & (entries.Length - 1)]);
    }

    public bool TryGetValue(long key, out TValue value)
    {
        var i = Find(key);
        if (i < 0)
        {
            value = default;
            return false;
        }

        value = _entries[i].Value;
        return true;
    }

    public bool ContainsKey(long key) => Find(key) >= 0;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>, adding it when missing.</summary>
    public void Set(long key, TValue value) => GetValueRefOrAddDefault(key, out _) = value;

    public bool Remove(long key) => Remove(key, out _);

    public bool Remove(long key, out TValue value)
    {
        var i = Find(key);
        if (i < 0)
        {
            value = default;
            return false;
        }

        value = _entries[i].Value;
        RemoveAt(i);
        return true;
    }

    /// <summary>Adds the keys whose value matches <paramref name="match"/> to <paramref name="into"/> (for sweeps; remove them afterwards).</summary>
    public void CollectKeys<TState>(TState state, Func<TState, TValue, bool> match, List<long> into)
    {
        foreach (ref readonly var e in _entries.AsSpan())
        {
            if (e.Key != 0 && match(state, e.Value))
            {
                into.Add(e.Key);
            }
        }
    }

    private static void CheckKey(long key)
    {
        if (key == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(key), "ack ids are never 0");
        }
    }

    // Fibonacci hashing: ids are random already, but this keeps any pattern in them from clustering the probes.
    private int Slot(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

    private int Find(long key)
    {
        if (key == 0)
        {
            return -1;
        }

        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = Slot(key); ; i = (i + 1) & mask)
        {
            var k = entries[i].Key;
            if (k == key)
            {
                return i;
            }

            if (k == 0)
            {
                return -1;
            }
        }
    }

    private void RemoveAt(int hole)
    {
        // Backward shift: pull later entries of the probe run into the hole when the hole lies on their way from
        // their home slot, so every remaining key stays reachable without tombstones.
        var entries = _entries;
        var mask = entries.Length - 1;
        var j = hole;
        while (true)
        {
            j = (j + 1) & mask;
            var k = entries[j].Key;
            if (k == 0)
            {
                break;
            }

            var home = Slot(k);
            var movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
            if (movable)
            {
                entries[hole] = entries[j];
                hole = j;
            }
        }

        entries[hole] = default;
        Count--;
    }

    /// <summary>
    /// Gives memory back when even the peak since the last call would fit in an eighth of it: called from periodic
    /// sweeps, not on every remove, since sizes swinging around a threshold would reallocate (large) arrays each swing.
    /// </summary>
    public void TrimExcess()
    {
        var peak = Math.Max(_peak, Count);
        _peak = Count;
        if (_entries.Length > MinCapacity && peak * 8 < _entries.Length)
        {
            Resize((int)Math.Max(MinCapacity, BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, peak * 4))));
        }
    }

    private void Resize(int capacity)
    {
        var old = _entries;
        var entries = _entries = new Entry[capacity];
        _shift = 64 - BitOperations.Log2((uint)capacity);
        Count = 0;
        var mask = capacity - 1;
        foreach (ref readonly var e in old.AsSpan())
        {
            if (e.Key == 0)
            {
                continue;
            }

            var s = Slot(e.Key);
            while (entries[s].Key != 0)
            {
                s = (s + 1) & mask;
            }

            entries[s] = e;
            Count++;
        }
    }

    private struct Entry
    {
        public long Key;
        public TValue Value;
    }
}
