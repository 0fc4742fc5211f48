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
        var rt = Runtime;
        var root = tuple.Root;
        ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_entries, root, out var existed);
        if (!existed)
        {
            e.CreatedAt = start;
        }

        var stream = tuple.Stream;
        if (stream == rt.AckInitStream)
        {
            e.Value ^= tuple.Edge;
            e.SpoutTask = tuple.SourceTask;
        }
        else if (stream == rt.AckAckStream)
        {
            e.Value ^= tuple.Edge;
        }
        else if (stream == rt.AckFailStream)
        {
            e.Failed = true;
        }
        else if (stream == rt.AckResetStream)
        {
            e.CreatedAt = start;
            if (e.SpoutTask != 0)
            {
                Deliver(new TupleImpl(rt.AckerResetStream, TaskIds[0], e.SpoutTask, root, 0));
            }
        }

        if (e.SpoutTask != 0)
        {
            if (e.Failed)
            {
                Deliver(new TupleImpl(rt.AckerFailStream, TaskIds[0], e.SpoutTask, root, 0));
                _entries.Remove(root);
            }
            else if (e.Value == 0)
            {
                Deliver(new TupleImpl(rt.AckerAckStream, TaskIds[0], e.SpoutTask, root, 0));
                _entries.Remove(root);
            }
        }

        var end = Stopwatch.GetTimestamp();
        Stats.RecordExecute(stream.Index, end - start);
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
