using System.Diagnostics;
using StormSharp.Runtime.Acking;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// Storm's acker task: applies batches of init, ack, fail and reset messages to its <see cref="AckerTable"/> on its
/// own thread, tells each spout task when a tree completes or fails, and drops trees older than twice the message
/// timeout (their spout has failed them already).
/// </summary>
internal sealed class AckerExecutor : Executor
{
    private readonly AckerTable _table = new();
    private readonly List<long> _expired = [];
    private long _nextSweep;

    public AckerExecutor(WorkerRuntime runtime, string componentId, int[] taskIds, int index)
        : base(runtime, componentId, taskIds, index)
    {
    }

    public override bool IsSpout => false;

    protected override void Init()
    {
    }

    protected override long Process(TupleImpl tuple)
    {
        var start = Stopwatch.GetTimestamp();
        var pairs = tuple.AnchorCount;
        for (var i = 0; i < pairs; i++)
        {
            _table.PrefetchRoots(tuple, i);
            Apply(tuple.Stream, tuple.SourceTask, tuple.RootAt(i), tuple.EdgeAt(i), start);
        }

        tuple.ReleasePairs();
        var end = Stopwatch.GetTimestamp();
        Stats.RecordExecute(tuple.Stream.Index, end - start, pairs);
        FlushIfDue(end);
        return end;
    }

    protected override void Housekeeping(long now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        var timeout = Settings.MessageTimeoutTicks;
        _nextSweep = now + Math.Max(Stopwatch.Frequency / 10, timeout / 4);
        // Twice the timeout: by then the spout has timed the tuple out, and a late ack cannot resurrect it.
        _table.Expire(now, 2 * timeout, _expired);
    }

    /// <summary>One acker message: (root, value) on <paramref name="stream"/> from <paramref name="sourceTask"/>.</summary>
    private void Apply(StreamInfo stream, int sourceTask, long root, long value, long now)
    {
        var rt = Runtime.Definition;
        AckOutcome outcome;
        int spout;
        if (stream == rt.AckInitStream)
        {
            outcome = _table.Init(root, value, sourceTask, now, out spout);
        }
        else if (stream == rt.AckAckStream)
        {
            outcome = _table.Ack(root, value, now, out spout);
        }
        else if (stream == rt.AckFailStream)
        {
            outcome = _table.Fail(root, now, out spout);
        }
        else
        {
            spout = _table.ResetTimeout(root, now);
            if (spout != 0)
            {
                SendSystem(rt.AckerResetStream, TaskIds[0], spout, root, 0);
            }

            return;
        }

        if (outcome == AckOutcome.Completed)
        {
            SendSystem(rt.AckerAckStream, TaskIds[0], spout, root, 0);
        }
        else if (outcome == AckOutcome.Failed)
        {
            SendSystem(rt.AckerFailStream, TaskIds[0], spout, root, 0);
        }
    }

    protected override void Shutdown()
    {
    }
}
