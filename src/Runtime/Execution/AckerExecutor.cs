using System.Diagnostics;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// Storm's acker: for each spout tuple (root id) it keeps the XOR of every edge id announced and acked in its tree,
/// and the spout task that emitted it. The value returns to zero exactly when every tuple of the tree has been acked
/// (up to a 2^-64 chance), whatever order the messages arrive in; then the spout task is told. A fail anywhere fails
/// the tree at once. Entries older than the message timeout are dropped: their spout has failed them already.
/// </summary>
internal sealed class AckerExecutor : Executor
{
    private readonly Dictionary<long, Entry> _entries = [];
    private readonly List<long> _expired = [];
    private long _nextSweep;

    public AckerExecutor(WorkerRuntime runtime, string componentId, int[] taskIds, int index)
        : base(runtime, componentId, taskIds, index)
    {
    }

    public override bool IsSpout => false;

    public int EntryCount => _entries.Count;

    protected override void Init()
    {
    }

    protected override void Process(TupleImpl tuple)
    {
        var start = Stopwatch.GetTimestamp();
        var pairs = tuple.AnchorCount;
        for (var i = 0; i < pairs; i++)
        {
            Apply(tuple.Stream, tuple.SourceTask, tuple.RootAt(i), tuple.EdgeAt(i), start);
        }

        tuple.ReleasePairs();
        var end = Stopwatch.GetTimestamp();
        Stats.RecordExecute(tuple.Stream.Index, end - start, pairs);
        FlushIfDue(end);
    }

    protected override void Housekeeping(long now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        var timeout = Runtime.MessageTimeoutTicks;
        _nextSweep = now + Math.Max(Stopwatch.Frequency / 10, timeout / 4);
        _expired.Clear();
        foreach (var (root, e) in _entries)
        {
            // Twice the timeout: by then the spout has timed the tuple out, and a late ack cannot resurrect it.
            if (now - e.CreatedAt > 2 * timeout)
            {
                _expired.Add(root);
            }
        }

        foreach (var root in _expired)
        {
            _entries.Remove(root);
        }
    }

    /// <summary>One acker message: (root, value) on <paramref name="stream"/> from <paramref name="sourceTask"/>.</summary>
    private void Apply(StreamInfo stream, int sourceTask, long root, long value, long now)
    {
        var rt = Runtime;
        ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_entries, root, out var existed);
        if (!existed)
        {
            e.CreatedAt = now;
        }

        if (stream == rt.AckInitStream)
        {
            e.Value ^= value;
            e.SpoutTask = sourceTask;
        }
        else if (stream == rt.AckAckStream)
        {
            e.Value ^= value;
        }
        else if (stream == rt.AckFailStream)
        {
            e.Failed = true;
        }
        else if (stream == rt.AckResetStream)
        {
            e.CreatedAt = now;
            if (e.SpoutTask != 0)
            {
                SendSystem(rt.AckerResetStream, TaskIds[0], e.SpoutTask, root, 0);
            }
        }

        if (e.SpoutTask == 0)
        {
            return;
        }

        if (e.Failed)
        {
            SendSystem(rt.AckerFailStream, TaskIds[0], e.SpoutTask, root, 0);
            _entries.Remove(root);
        }
        else if (e.Value == 0)
        {
            SendSystem(rt.AckerAckStream, TaskIds[0], e.SpoutTask, root, 0);
            _entries.Remove(root);
        }
    }

    protected override void Shutdown()
    {
    }

    private struct Entry
    {
        public long Value;
        public int SpoutTask;
        public bool Failed;
        public long CreatedAt;
    }
}
