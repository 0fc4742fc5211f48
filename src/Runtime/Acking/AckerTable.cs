using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Acking;

/// <summary>What an acker message did to its tree.</summary>
internal enum AckOutcome
{
    /// <summary>The tree is still open (or its spout task is not known yet).</summary>
    Pending,

    /// <summary>Every edge is acked: tell the spout task to Ack.</summary>
    Completed,

    /// <summary>A tuple of the tree failed: tell the spout task to Fail.</summary>
    Failed,
}

/// <summary>
/// The acker's bookkeeping, without the executor around it: per root id, the XOR of every edge announced and
/// acked, the spout task that emitted the root, and whether anything failed. The XOR returns to zero exactly when
/// every edge has been both announced and acked (up to a 2^-64 chance), whatever order the messages arrive in, so
/// an ack may come before its tree's init. A tree completes or fails only once its spout task is known.
/// </summary>
internal sealed class AckerTable
{
    private readonly LongMap<Entry> _entries = new();

    public int Count => _entries.Count;

    /// <summary>Before pair <paramref name="i"/> of <paramref name="pairs"/>: asks for the entries of the roots ahead (see <see cref="TupleImpl.PrefetchRoots"/>).</summary>
    public void PrefetchRoots(TupleImpl pairs, int i) => pairs.PrefetchRoots(_entries, i);

    /// <summary>The spout task emitted <paramref name="root"/> and announced edges XOR-ing to <paramref name="value"/>.</summary>
    public AckOutcome Init(long root, long value, int spoutTask, long now, out int spout)
    {
        ref var e = ref Find(root, now);
        e.Value ^= value;
        e.SpoutTask = spoutTask;
        return Settle(root, ref e, out spout);
    }

    /// <summary>A tuple of the tree was acked: its edge XORed with the edges of the tuples anchored to it.</summary>
    public AckOutcome Ack(long root, long value, long now, out int spout)
    {
        ref var e = ref Find(root, now);
        e.Value ^= value;
        return Settle(root, ref e, out spout);
    }

    /// <summary>A tuple of the tree failed.</summary>
    public AckOutcome Fail(long root, long now, out int spout)
    {
        ref var e = ref Find(root, now);
        e.Failed = true;
        return Settle(root, ref e, out spout);
    }

    /// <summary>Restarts the tree's age; returns its spout task (0 when not known yet) so the spout can restart its timeout too.</summary>
    public int ResetTimeout(long root, long now)
    {
        ref var e = ref Find(root, now);
        e.CreatedAt = now;
        return e.SpoutTask;
    }

    /// <summary>Drops trees older than <paramref name="maxAge"/> (their spout has timed them out); returns how many.</summary>
    public int Expire(long now, long maxAge, List<long> scratch)
    {
        scratch.Clear();
        _entries.CollectKeys((now, maxAge), static (s, e) => s.now - e.CreatedAt > s.maxAge, scratch);

        foreach (var root in scratch)
        {
            _entries.Remove(root);
        }

        _entries.TrimExcess();
        return scratch.Count;
    }

    private ref Entry Find(long root, long now)
    {
        ref var e = ref _entries.GetValueRefOrAddDefault(root, out var existed);
        if (!existed)
        {
            e.CreatedAt = now;
        }

        return ref e;
    }

    private AckOutcome Settle(long root, ref Entry e, out int spout)
    {
        spout = e.SpoutTask;
        if (spout == 0)
        {
            return AckOutcome.Pending;
        }

        if (e.Failed)
        {
            _entries.Remove(root);
            return AckOutcome.Failed;
        }

        if (e.Value == 0)
        {
            _entries.Remove(root);
            return AckOutcome.Completed;
        }

        return AckOutcome.Pending;
    }

    private struct Entry
    {
        public long Value;
        public int SpoutTask;
        public bool Failed;
        public long CreatedAt;
    }
}
