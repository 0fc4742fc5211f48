using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;
using StormSharp.Topology.Internal.Multilang;
using StormSharp.Topology.Windowing;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// Runs bolt tasks: executes each input, anchors emits into the input's ack trees, sends acks and fails to the
/// acker, and sends tick tuples to its tasks at <c>topology.tick.tuple.freq.secs</c>. A bolt that throws has the
/// error reported and the input failed; the executor goes on.
/// </summary>
internal sealed class BoltExecutor : Executor
{
    private readonly BoltTask[] _tasks;
    private readonly IShellComponent[]? _shells;
    private readonly IHeldTuplesGauge[]? _windows;
    private readonly long _tickTicks;
    private readonly int _tickSecs;
    private long _nextTick;

    public BoltExecutor(WorkerRuntime runtime, string componentId, int[] taskIds, int index, IComponent[] bolts)
        : base(runtime, componentId, taskIds, index)
    {
        _tasks = new BoltTask[taskIds.Length];
        for (var i = 0; i < taskIds.Length; i++)
        {
            _tasks[i] = new BoltTask(this, taskIds[i], bolts[i]);
        }

        // Multilang bolts take input from their subprocesses too: the executor pumps them each cycle, and they wake it.
        var shells = bolts.OfType<IShellComponent>().ToArray();
        _shells = shells.Length > 0 ? shells : null;
        var windows = bolts.Select(HeldTuplesGauges.Of).OfType<IHeldTuplesGauge>().ToArray();
        _windows = windows.Length > 0 ? windows : null;
        _tickSecs = runtime.Definition.ComponentInt(componentId, Config.TopologyTickTupleFreqSecs) ?? 0;
        _tickTicks = _tickSecs * Stopwatch.Frequency;
        if (_tickTicks == 0 && runtime.Definition.ComponentInt(componentId, Config.TopologyTickTupleFreqMillis) is { } tickMillis)
        {
            // Windowed bolts tick in milliseconds; housekeeping runs every 20 ms, so that is the finest step.
            _tickTicks = tickMillis * Stopwatch.Frequency / 1000;
        }

        _nextTick = Stopwatch.GetTimestamp() + _tickTicks;
    }

    public override bool IsSpout => false;

    public override long? HeldTuples
    {
        get
        {
            if (_windows is null)
            {
                return null;
            }

            long held = 0;
            foreach (var w in _windows)
            {
                held += w.HeldTuples;
            }

            return held;
        }
    }

    protected override void Init()
    {
        foreach (var shell in _shells ?? [])
        {
            shell.Attach(Wake, ShellLog);
        }

        foreach (var t in _tasks)
        {
            try
            {
                t.Prepare();
            }
            catch (Exception e)
            {
                ReportFatal(t.TaskId, "Prepare", e);
            }
        }
    }

    protected override long Process(TupleImpl tuple)
    {
        var task = TaskFor(tuple.DestTask);
        var timed = TimeNext();
        var start = timed ? Stopwatch.GetTimestamp() : LastNow;
        if (task is null || !task.Prepared)
        {
            // The task failed to prepare: fail its inputs so their spouts can replay them elsewhere or report it.
            task?.Fail(tuple);
        }
        else if (timed)
        {
            var end = task.Execute(tuple, start, timed: true);
            Stats.RecordExecute(tuple.Stream.Index, end - start, represents: Represents);
            Timed(end - start);
            LastNow = end;
        }
        else
        {
            task.Execute(tuple, start, timed: false);
            Stats.CountExecute(tuple.Stream.Index);
        }

        FlushIfDue(LastNow);
        return LastNow;
    }

    protected override bool Produce() => _shells is not null && Pump();

    protected override void Housekeeping(long now)
    {
        if (_shells is not null)
        {
            Pump(); // also when tuples wait for room downstream, so heartbeats and hang checks go on
        }

        if (_tickTicks <= 0 || now < _nextTick)
        {
            return;
        }

        _nextTick = now + _tickTicks;
        foreach (var t in _tasks)
        {
            Process(new TupleImpl(Runtime.Definition.TickStream, [_tickSecs], -1, t.TaskId));
        }
    }

    protected override void Shutdown()
    {
        foreach (var t in _tasks)
        {
            if (!t.Prepared)
            {
                continue;
            }

            try
            {
                t.Cleanup();
            }
            catch (Exception e)
            {
                ReportError(t.TaskId, e);
            }
        }
    }

    private bool Pump()
    {
        var progressed = false;
        foreach (var shell in _shells!)
        {
            try
            {
                progressed |= shell.Pump();
            }
            catch (Exception e)
            {
                ReportUserError(TaskIds[0], "multilang", e);
            }
        }

        return progressed;
    }

    private void ShellLog(int level, string message) =>
        Logger.Log(MultilangLevel(level), "multilang {Component}: {Message}", ComponentId, message);

    /// <summary>Storm's multilang log levels: 0 trace, 1 debug, 2 info, 3 warn, 4 error.</summary>
    internal static LogLevel MultilangLevel(int level) => level switch
    {
        <= 0 => LogLevel.Trace,
        1 => LogLevel.Debug,
        2 => LogLevel.Information,
        3 => LogLevel.Warning,
        _ => LogLevel.Error,
    };

    private BoltTask? TaskFor(int taskId)
    {
        var tasks = _tasks;
        for (var i = 0; i < tasks.Length; i++)
        {
            if (tasks[i].TaskId == taskId)
            {
                return tasks[i];
            }
        }

        return null;
    }

    /// <summary>One bolt task and its collectors (rich and basic).</summary>
    private sealed class BoltTask(BoltExecutor executor, int taskId, IComponent bolt) : IOutputCollector, IBasicOutputCollector
    {
        private readonly IRichBolt? _rich = bolt as IRichBolt;
        private readonly IBasicBolt? _basic = bolt as IBasicBolt;
        private const int MaxTimedUnacked = 10_000;
        private TupleImpl? _current;
        private TupleImpl? _executing;
        private bool _ackedInExecute;
        private Dictionary<TupleImpl, (long ReceivedAt, int Represents)>? _timedUnacked;

        public int TaskId { get; } = taskId;

        public bool Prepared { get; private set; }

        public void Prepare()
        {
            var conf = executor.Runtime.ComponentConf(executor.ComponentId);
            var context = executor.Runtime.ContextFor(TaskId);
            if (_rich is not null)
            {
                _rich.Prepare(conf, context, this);
            }
            else
            {
                _basic!.Prepare(conf, context);
            }

            Prepared = true;
        }

        public void Cleanup()
        {
            if (_rich is not null)
            {
                _rich.Cleanup();
            }
            else
            {
                _basic!.Cleanup();
            }
        }

        /// <summary>Executes one input; returns the timestamp when it finished if <paramref name="timed"/>, else <paramref name="start"/>.</summary>
        public long Execute(TupleImpl input, long start, bool timed)
        {
            // Process latency of an input acked inside Execute is taken from the timestamp that ends the execute,
            // so the common case reads the clock twice per tuple, not three times.
            _executing = input;
            _ackedInExecute = false;
            if (_rich is not null)
            {
                try
                {
                    _rich.Execute(input);
                }
                catch (Exception e)
                {
                    executor.ReportUserError(TaskId, "Execute", e);
                    Fail(input);
                }
            }
            else
            {
                _current = input;
                try
                {
                    _basic!.Execute(input, this);
                    Ack(input);
                }
                catch (ReportedFailedException e)
                {
                    executor.ReportError(TaskId, e);
                    Fail(input);
                }
                catch (FailedException)
                {
                    Fail(input);
                }
                catch (Exception e)
                {
                    executor.ReportUserError(TaskId, "Execute", e);
                    Fail(input);
                }
                finally
                {
                    _current = null;
                }
            }

            _executing = null;
            if (!timed)
            {
                if (_ackedInExecute)
                {
                    executor.Stats.CountAck(input.Stream.Index);
                }

                return start;
            }

            var end = Stopwatch.GetTimestamp();
            if (_ackedInExecute)
            {
                executor.Stats.RecordAck(input.Stream.Index, end - start, executor.Represents);
            }
            else if (!input.Done && executor.Acking)
            {
                // Acked later (a rich bolt that batches, say): its process latency is taken then, from here.
                _timedUnacked ??= new Dictionary<TupleImpl, (long ReceivedAt, int Represents)>(ReferenceEqualityComparer.Instance);
                if (_timedUnacked.Count >= MaxTimedUnacked)
                {
                    _timedUnacked.Clear(); // tuples never acked: they time out upstream; only their samples are lost
                }

                _timedUnacked[input] = (start, executor.Represents);
                input.AwaitsTimedAck = true;
            }

            return end;
        }

        // ---- IOutputCollector ----
        public IReadOnlyList<int> Emit(string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple)
        {
            ArgumentNullException.ThrowIfNull(tuple);
            var route = executor.RouteOf(streamId);
            executor.Choose(route, TaskId, tuple);
            Send(route.Stream, null, anchors, tuple);
            return executor.Targets;
        }

        public IReadOnlyList<int> Emit(string streamId, ITuple? anchor, IReadOnlyList<object?> tuple)
        {
            ArgumentNullException.ThrowIfNull(tuple);
            var route = executor.RouteOf(streamId);
            executor.Choose(route, TaskId, tuple);
            Send(route.Stream, AsImpl(anchor), null, tuple);
            return executor.Targets;
        }

        public IReadOnlyList<int> Emit(ITuple? anchor, IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, anchor, tuple);

        public IReadOnlyList<int> Emit(IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, anchors, tuple);

        public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, (ITuple?)null, tuple);

        public void EmitDirect(int taskId, string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple)
        {
            ArgumentNullException.ThrowIfNull(tuple);
            var route = executor.RouteOf(streamId);
            executor.ChooseDirect(route, taskId, tuple);
            Send(route.Stream, null, anchors, tuple);
        }

        public void EmitDirect(int taskId, string streamId, ITuple? anchor, IReadOnlyList<object?> tuple)
        {
            ArgumentNullException.ThrowIfNull(tuple);
            var route = executor.RouteOf(streamId);
            executor.ChooseDirect(route, taskId, tuple);
            Send(route.Stream, AsImpl(anchor), null, tuple);
        }

        public void EmitDirect(int taskId, ITuple? anchor, IReadOnlyList<object?> tuple) =>
            EmitDirect(taskId, Utils.DefaultStreamId, anchor, tuple);

        public void Ack(ITuple input)
        {
            var t = AsImpl(input)!;
            if (t.Done)
            {
                return;
            }

            t.Done = true;
            TellAckers(executor.AckAckStream, t, withEdges: true);

            if (ReferenceEquals(t, _executing))
            {
                _ackedInExecute = true;
            }
            else if (t.AwaitsTimedAck && _timedUnacked is { } timed && timed.Remove(t, out var sample))
            {
                executor.Stats.RecordAck(t.Stream.Index, Stopwatch.GetTimestamp() - sample.ReceivedAt, sample.Represents);
            }
            else
            {
                executor.Stats.CountAck(t.Stream.Index);
            }
        }

        public void Fail(ITuple input)
        {
            var t = AsImpl(input)!;
            if (t.Done)
            {
                return;
            }

            t.Done = true;
            TellAckers(executor.AckFailStream, t, withEdges: false);
            if (t.AwaitsTimedAck)
            {
                _timedUnacked?.Remove(t);
            }

            executor.Stats.RecordFail(t.Stream.Index);
        }

        public void ResetTimeout(ITuple input) => TellAckers(executor.AckResetStream, AsImpl(input)!, withEdges: false);

        /// <summary>One message per root of <paramref name="t"/> to that root's acker; an ack carries the edge XORed with the children's edges.</summary>
        private void TellAckers(StreamInfo stream, TupleImpl t, bool withEdges)
        {
            if (!executor.Acking)
            {
                return;
            }

            for (var i = 0; i < t.AnchorCount; i++)
            {
                var root = t.RootAt(i);
                executor.SendSystem(stream, TaskId, executor.AckerTaskFor(root), root, withEdges ? t.EdgeAt(i) ^ t.OutAckVal : 0);
            }
        }

        public void ReportError(Exception error) => executor.ReportError(TaskId, error);

        // ---- IBasicOutputCollector: anchored to the input being executed ----
        IReadOnlyList<int> IBasicOutputCollector.Emit(string streamId, IReadOnlyList<object?> tuple) => Emit(streamId, (ITuple?)_current, tuple);

        IReadOnlyList<int> IBasicOutputCollector.Emit(IReadOnlyList<object?> tuple) => Emit(Utils.DefaultStreamId, (ITuple?)_current, tuple);

        void IBasicOutputCollector.EmitDirect(int taskId, string streamId, IReadOnlyList<object?> tuple) =>
            EmitDirect(taskId, streamId, (ITuple?)_current, tuple);

        private void Send(StreamInfo stream, TupleImpl? anchor, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> values)
        {
            // Before any tuple goes out: with topology.testing.always.try.serialize, a value no other worker could
            // receive fails the emit itself.
            if (executor.ObserveEmits)
            {
                executor.Observe(TaskId, stream, values);
            }

            var targets = executor.Targets;
            var acking = executor.Acking;
            for (var i = 0; i < targets.Count; i++)
            {
                var t = new TupleImpl(stream, values, TaskId, targets.Buffer[i]);
                if (acking)
                {
                    if (anchor is not null)
                    {
                        Anchor(t, anchor);
                    }
                    else if (anchors is not null)
                    {
                        foreach (var a in anchors)
                        {
                            Anchor(t, AsImpl(a)!);
                        }
                    }
                }

                executor.Deliver(t);
            }

            executor.Stats.RecordEmit(stream.Index, targets.Count);
        }

        private void Anchor(TupleImpl child, TupleImpl parent)
        {
            if (parent.AnchorCount == 0)
            {
                return;
            }

            // One new edge per (parent, child): XORed into the parent's ack value now, and back out when the child acks.
            var edge = executor.NextId();
            parent.OutAckVal ^= edge;
            for (var j = 0; j < parent.AnchorCount; j++)
            {
                child.AddAnchor(parent.RootAt(j), edge);
            }
        }

        private static TupleImpl? AsImpl(ITuple? tuple) => tuple switch
        {
            null => null,
            TupleImpl t => t,
            _ => throw new ArgumentException($"tuple of type {tuple.GetType().Name} was not delivered by the engine; anchor and ack only tuples your bolt received"),
        };
    }
}
