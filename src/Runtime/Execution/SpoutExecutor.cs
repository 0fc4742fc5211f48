using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Stats;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;
using StormSharp.Topology.Internal.Multilang;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// Runs spout tasks: calls NextTuple while the topology is active, the task is under <c>topology.max.spout.pending</c>
/// and nothing waits for room downstream; tracks each tuple emitted with a message id until the acker reports its
/// tree complete or failed, or <c>topology.message.timeout.secs</c> passes; and calls Ack and Fail on this thread.
/// </summary>
internal sealed class SpoutExecutor : Executor
{
    private const int MaxCallsPerCycle = 128;
    private static readonly long SweepTicks = Stopwatch.Frequency / 10;
    private static readonly long CycleTicks = Stopwatch.Frequency / 1000;
    private static readonly long SlowCallTicks = Stopwatch.Frequency / 50_000;

    private readonly SpoutTask[] _tasks;
    private readonly List<long> _expired = [];
    private bool _active;
    private bool _slowCalls = true;
    private long _nextSweep;

    public SpoutExecutor(WorkerRuntime runtime, string componentId, int[] taskIds, int index, ISpout[] spouts)
        : base(runtime, componentId, taskIds, index)
    {
        _tasks = new SpoutTask[taskIds.Length];
        var maxPending = runtime.Definition.ComponentInt(componentId, Config.TopologyMaxSpoutPending);
        for (var i = 0; i < taskIds.Length; i++)
        {
            _tasks[i] = new SpoutTask(this, taskIds[i], spouts[i], maxPending);
        }
    }

    public override bool IsSpout => true;

    /// <summary>Tuples in flight across this executor's tasks.</summary>
    public int PendingCount
    {
        get
        {
            var n = 0;
            foreach (var t in _tasks)
            {
                n += t.PendingCount;
            }

            return n;
        }
    }

    // NextTuple had nothing: try again in a millisecond. Held back by max pending instead, the spout waits for acks,
    // which wake it as they arrive, so it needs no timer until its next housekeeping.
    protected override TimeSpan IdleWait => AnyCanEmit() ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromMilliseconds(20);

    private bool AnyCanEmit()
    {
        if (!_active)
        {
            return false;
        }

        foreach (var t in _tasks)
        {
            if (t.Opened && t.CanEmit)
            {
                return true;
            }
        }

        return false;
    }

    protected override void Init()
    {
        foreach (var t in _tasks)
        {
            try
            {
                if (t.Spout is IShellComponent shell)
                {
                    shell.Attach(Wake, (level, message) => Logger.Log(BoltExecutor.MultilangLevel(level), "multilang {Component}: {Message}", ComponentId, message));
                }

                t.Spout.Open(Runtime.ComponentConf(ComponentId), Runtime.ContextFor(t.TaskId), t);
                t.Opened = true;
            }
            catch (Exception e)
            {
                ReportFatal(t.TaskId, "Open", e);
            }
        }

        SyncActivation();
    }

    protected override long Process(TupleImpl tuple)
    {
        var now = Stopwatch.GetTimestamp();
        LastNow = now; // Ack and Fail may emit (a replay, say)
        var task = TaskFor(tuple.DestTask);
        if (task is null)
        {
            return now;
        }

        var stream = tuple.Stream;
        for (var i = 0; i < tuple.AnchorCount; i++)
        {
            task.PrefetchRoots(tuple, i);
            var root = tuple.RootAt(i);
            if (stream == Runtime.Definition.AckerAckStream)
            {
                task.Complete(root, acked: true, now);
            }
            else if (stream == Runtime.Definition.AckerFailStream)
            {
                task.Complete(root, acked: false, now);
            }
            else if (stream == Runtime.Definition.AckerResetStream)
            {
                task.ResetTimeout(root);
            }
        }

        tuple.ReleasePairs();

        FlushIfDue(now);
        return now;
    }

    protected override bool Produce()
    {
        SyncActivation();
        if (!_active)
        {
            return false;
        }

        var emitted = false;
        var start = 0L;
        foreach (var t in _tasks)
        {
            if (!t.Opened)
            {
                continue;
            }

            // One reading per task to start from; the first task's also starts the cycle's time budget.
            var readAtCall = 0;
            LastNow = Stopwatch.GetTimestamp();
            if (start == 0)
            {
                start = LastNow;
            }

            for (var call = 0; call < MaxCallsPerCycle && t.CanEmit && !HasUnsent; call++)
            {
                // A slow NextTuple (one that sleeps or polls a source) must not hold its tuples back, nor keep the
                // executor from draining acks: flush on the usual interval and yield the cycle after a millisecond.
                // The clock is read before every call while calls are slow, before every eighth while they are fast.
                if (_slowCalls || (call & 7) == 7)
                {
                    var now = Stopwatch.GetTimestamp();
                    if (call > readAtCall)
                    {
                        _slowCalls = now - LastNow > SlowCallTicks * (call - readAtCall);
                    }

                    readAtCall = call;
                    LastNow = now; // the emit time of what the next calls emit
                    FlushIfDue(now);
                    if (now - start > CycleTicks)
                    {
                        break;
                    }
                }

                var before = t.EmitCount;
                try
                {
                    t.Spout.NextTuple();
                }
                catch (Exception e)
                {
                    ReportUserError(t.TaskId, "NextTuple", e);
                    break;
                }

                if (t.EmitCount == before)
                {
                    break;
                }

                emitted = true;
            }
        }

        return emitted;
    }

    protected override void Housekeeping(long now)
    {
        SyncActivation();

        // Checkpointable spouts look for checkpoint steps here too: NextTuple is not called while max spout pending is
        // reached, and a checkpoint may be what the pending tuples wait for.
        foreach (var t in _tasks)
        {
            if (t.Opened && _active && t.Spout is Topology.State.ISpoutHousekeeping h)
            {
                try
                {
                    h.Housekeeping();
                }
                catch (Exception e)
                {
                    ReportUserError(t.TaskId, "NextTuple", e);
                }
            }
        }

        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + SweepTicks;
        var timeout = Settings.MessageTimeoutTicks;
        foreach (var t in _tasks)
        {
            t.Sweep(now, timeout, _expired);
        }
    }

    protected override void Shutdown()
    {
        foreach (var t in _tasks)
        {
            if (!t.Opened)
            {
                continue;
            }

            try
            {
                if (_active)
                {
                    t.Spout.Deactivate();
                }

                t.Spout.Close();
            }
            catch (Exception e)
            {
                ReportError(t.TaskId, e);
            }
        }
    }

    private void SyncActivation()
    {
        var want = Services.Active;
        if (want == _active)
        {
            return;
        }

        _active = want;
        foreach (var t in _tasks)
        {
            if (!t.Opened)
            {
                continue;
            }

            try
            {
                if (want)
                {
                    t.Spout.Activate();
                }
                else
                {
                    t.Spout.Deactivate();
                }
            }
            catch (Exception e)
            {
                ReportError(t.TaskId, e);
            }
        }
    }

    private SpoutTask? TaskFor(int taskId)
    {
        foreach (var t in _tasks)
        {
            if (t.TaskId == taskId)
            {
                return t;
            }
        }

        return null;
    }

    private struct Pending(object messageId, long emittedAt, int stream)
    {
        public readonly object MessageId = messageId;
        public long EmittedAt = emittedAt;
        public readonly int Stream = stream;
    }

    /// <summary>One spout task: its spout, its collector, and its tuples in flight.</summary>
    private sealed class SpoutTask(SpoutExecutor executor, int taskId, ISpout spout, int? maxPending) : ISpoutOutputCollector
    {
        private readonly Acking.LongMap<Pending> _pending = new();
        private long _nextRoot;

        public int TaskId { get; } = taskId;

        public ISpout Spout { get; } = spout;

        public bool Opened { get; set; }

        public long EmitCount { get; private set; }

        public bool CanEmit => maxPending is not { } max || _pending.Count < max;

        public int PendingCount => _pending.Count;

        int ISpoutOutputCollector.PendingCount => _pending.Count;

        public IReadOnlyList<int> Emit(string streamId, IReadOnlyList<object?> tuple, object? messageId)
        {
            ArgumentNullException.ThrowIfNull(tuple);
            var route = executor.RouteOf(streamId);
            executor.Choose(route, TaskId, tuple);
            Send(route.Stream, tuple, messageId);
            return executor.Targets;
        }

        public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple, object? messageId) => Emit(Utils.DefaultStreamId, tuple, messageId);

        public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, tuple, null);

        public void EmitDirect(int taskId, string streamId, IReadOnlyList<object?> tuple, object? messageId)
        {
            ArgumentNullException.ThrowIfNull(tuple);
            var route = executor.RouteOf(streamId);
            executor.ChooseDirect(route, taskId, tuple);
            Send(route.Stream, tuple, messageId);
        }

        public void EmitDirect(int taskId, IReadOnlyList<object?> tuple, object? messageId) =>
            EmitDirect(taskId, Utils.DefaultStreamId, tuple, messageId);

        public void ReportError(Exception error) => executor.ReportError(TaskId, error);

        public void PrefetchRoots(TupleImpl completions, int i) => completions.PrefetchRoots(_pending, i);

        public void Complete(long root, bool acked, long now)
        {
            if (!_pending.Remove(root, out var p))
            {
                return; // already timed out and failed
            }

            Finish(p, acked, now);
        }

        public void ResetTimeout(long root)
        {
            if (_pending.TryGetValue(root, out var p))
            {
                p.EmittedAt = Stopwatch.GetTimestamp();
                _pending.Set(root, p);
            }
        }

        public void Sweep(long now, long timeout, List<long> expired)
        {
            _pending.TrimExcess();
            if (_pending.Count == 0)
            {
                return;
            }

            expired.Clear();
            _pending.CollectKeys((now, timeout), static (s, p) => s.now - p.EmittedAt >= s.timeout, expired);

            foreach (var root in expired)
            {
                if (_pending.Remove(root, out var p))
                {
                    Finish(p, acked: false, now);
                }
            }
        }

        private void Send(Tuples.StreamInfo stream, IReadOnlyList<object?> values, object? messageId)
        {
            // Before any tuple goes out: with topology.testing.always.try.serialize, a value no other worker could
            // receive fails the emit itself.
            if (executor.ObserveEmits)
            {
                executor.Observe(TaskId, stream, values);
            }

            var targets = executor.Targets;
            var track = messageId is not null && executor.Acking;
            long root = 0, ackVal = 0;
            if (track)
            {
                // The root was drawn at the previous tracked emit and its pending slot asked for then, so the insert
                // below finds it in the cache (random ids miss it otherwise).
                root = _nextRoot != 0 ? _nextRoot : executor.NextId();
                _nextRoot = executor.NextId();
                _pending.Prefetch(_nextRoot);
            }

            for (var i = 0; i < targets.Count; i++)
            {
                var t = new TupleImpl(stream, values, TaskId, targets.Buffer[i]);
                if (track)
                {
                    var edge = executor.NextId();
                    t.AddAnchor(root, edge);
                    ackVal ^= edge;
                }

                executor.Deliver(t);
            }

            EmitCount++;
            executor.Stats.RecordEmit(stream.Index, targets.Count);

            if (track)
            {
                _pending.Set(root, new Pending(messageId!, executor.LastNow, stream.Index));
                executor.SendSystem(executor.AckInitStream, TaskId, executor.AckerTaskFor(root), root, ackVal);
            }
            else if (messageId is not null)
            {
                // No ackers: Storm acks a tracked tuple as soon as it is emitted.
                Finish(new Pending(messageId, executor.LastNow, stream.Index), acked: true, executor.LastNow);
            }
        }

        private void Finish(Pending p, bool acked, long now)
        {
            try
            {
                if (acked)
                {
                    executor.Stats.RecordAck(p.Stream, now - p.EmittedAt);
                    Spout.Ack(p.MessageId);
                }
                else
                {
                    executor.Stats.RecordFail(p.Stream);
                    Spout.Fail(p.MessageId);
                }
            }
            catch (Exception e)
            {
                executor.ReportUserError(TaskId, acked ? "Ack" : "Fail", e);
            }
        }
    }
}
