namespace StormSharp.Topology.State;

/// <summary>
/// What every bolt of a topology with checkpoints does with checkpoint tuples (Storm's BaseStatefulBoltExecutor):
/// waits for the tuple of a step (txid, action) from every task that sends it checkpoint tuples, handles the step,
/// forwards it downstream anchored to them and acks them. Beyond Storm, it aligns: while it waits for a PREPARE or
/// INITSTATE, the data tuples of a task whose checkpoint tuple has arrived are held back until the step is handled,
/// so that the state it snapshots (or reloads) matches exactly the input before the checkpoint. Checkpoint tuples
/// come in line with data from upstream bolts and checkpointable spouts (which send PREPARE and INITSTATE only), and
/// from the checkpoint spout for inputs without one.
/// </summary>
internal abstract class CheckpointParticipant : IRichBolt
{
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private HashSet<int>? _allSenders;
    [NonSerialized]
    private HashSet<int>? _treeSenders;
    [NonSerialized]
    private string? _action;
    [NonSerialized]
    private long _txid;
    [NonSerialized]
    private HashSet<int>? _arrived;
    [NonSerialized]
    private List<ITuple>? _checkpointTuples;
    [NonSerialized]
    private Queue<ITuple>? _held;
    [NonSerialized]
    private long _lastTxid;

    protected IOutputCollector Collector => _collector!;

    /// <summary>Data tuples held back while a checkpoint is aligned (for tests and stats).</summary>
    internal int HeldBack => _held?.Count ?? 0;

    public void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _allSenders = [];
        _treeSenders = [];
        foreach (var input in context.GetThisSources())
        {
            if (input.Stream.StreamId != Utils.CheckpointStreamId)
            {
                continue;
            }

            var tasks = context.GetComponentTasks(input.Stream.ComponentId);
            _allSenders.UnionWith(tasks);
            var fromSpoutMarker = input.Stream.ComponentId != Utils.CheckpointComponentId
                && context.Topology.ById.TryGetValue(input.Stream.ComponentId, out var source) && source.IsSpout;
            if (!fromSpoutMarker)
            {
                _treeSenders.UnionWith(tasks);
            }
        }

        _arrived = [];
        _checkpointTuples = [];
        _held = new Queue<ITuple>();
        _lastTxid = long.MinValue;
        PrepareParticipant(conf, context, collector);
    }

    public void Execute(ITuple input)
    {
        if (Utils.IsCheckpoint(input))
        {
            OnCheckpoint(input);
            return;
        }

        if (_action is CheckpointAction.Prepare or CheckpointAction.InitState && _arrived!.Contains(input.SourceTask))
        {
            _held!.Enqueue(input);
            return;
        }

        HandleTuple(input);
    }

    public abstract void Cleanup();

    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    public abstract IDictionary<string, object?>? GetComponentConfiguration();

    protected abstract void PrepareParticipant(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector);

    protected abstract void HandleTuple(ITuple input);

    /// <summary>Handles a step every sender has sent; false fails it (the checkpoint spout then recovers).</summary>
    protected abstract bool HandleCheckpoint(string action, long txid);

    /// <summary>
    /// Whether every spout upstream of this component records its position in checkpoints. Then acks need not wait for
    /// the commit: what a rolled-back checkpoint loses is replayed by rewinding those spouts, not by failing tuples.
    /// </summary>
    internal static bool FedOnlyByCheckpointableSpouts(TopologyContext context)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(context.ThisComponentId);
        while (pending.Count > 0)
        {
            if (!context.Topology.ById.TryGetValue(pending.Pop(), out var component))
            {
                return false;
            }

            foreach (var input in component.Inputs)
            {
                var source = input.Stream.ComponentId;
                if (input.Stream.StreamId == Utils.CheckpointStreamId || !seen.Add(source))
                {
                    continue;
                }

                if (!context.Topology.ById.TryGetValue(source, out var s))
                {
                    return false;
                }

                if (s.IsSpout)
                {
                    if (!s.Component.TypeName.StartsWith(typeof(CheckpointingSpout).FullName + ",", StringComparison.Ordinal))
                    {
                        return false;
                    }
                }
                else
                {
                    pending.Push(source);
                }
            }
        }

        return true;
    }

    protected static void DeclareCheckpointStream(IOutputFieldsDeclarer declarer) =>
        SystemStreams.Declare(declarer, Utils.CheckpointStreamId, new Fields(CheckpointSpout.TxidField, CheckpointSpout.ActionField));

    private void OnCheckpoint(ITuple input)
    {
        var action = input.GetStringByField(CheckpointSpout.ActionField)!;
        var txid = input.GetLongByField(CheckpointSpout.TxidField);
        if (_action is not null && (_action != action || _txid != txid))
        {
            // Another step before this one completed (the checkpoint spout gave up on it and recovers): let the held
            // tuples through and start over with the new step.
            foreach (var t in _checkpointTuples!)
            {
                Collector.Ack(t);
            }

            Release();
        }

        if (_action is null)
        {
            _action = action;
            _txid = txid;
        }

        _arrived!.Add(input.SourceTask);
        _checkpointTuples!.Add(input);
        var needed = action is CheckpointAction.Prepare or CheckpointAction.InitState ? _allSenders! : _treeSenders!;
        if (!_arrived.IsSupersetOf(needed))
        {
            return;
        }

        var tuples = _checkpointTuples.ToArray();
        _checkpointTuples.Clear();
        try
        {
            if (txid < _lastTxid && action is not CheckpointAction.InitState)
            {
                // An old step (Storm ignores them): acked so that its tree completes.
                foreach (var t in tuples)
                {
                    Collector.Ack(t);
                }

                return;
            }

            if (!HandleCheckpoint(action, txid))
            {
                foreach (var t in tuples)
                {
                    Collector.Fail(t);
                }

                return;
            }

            _lastTxid = action == CheckpointAction.Rollback ? txid - 1 : txid;
            Collector.Emit(Utils.CheckpointStreamId, tuples, [txid, action]);
            foreach (var t in tuples)
            {
                Collector.Ack(t);
            }
        }
        catch (Exception e)
        {
            foreach (var t in tuples)
            {
                Collector.Fail(t);
            }

            Collector.ReportError(e);
        }
        finally
        {
            Release();
        }
    }

    private void Release()
    {
        _action = null;
        _arrived!.Clear();
        _checkpointTuples!.Clear();
        while (_held!.Count > 0)
        {
            HandleTuple(_held.Dequeue());
        }
    }
}

/// <summary>A bolt without state in a topology with checkpoints (Storm's CheckpointTupleForwarder): passes checkpoints on in line with its output.</summary>
/// <remarks>
/// In a topology whose spouts are all checkpointable, a tuple this bolt fails (or whose Execute throws) fails the next
/// PREPARE it passes on: the tuple came before that checkpoint's barrier, so the checkpoint must not commit without
/// it, and the recovery rewinds the spouts to replay it.
/// </remarks>
internal sealed class CheckpointTupleForwarder(IRichBolt bolt) : CheckpointParticipant
{
    private readonly IRichBolt _bolt = bolt;
    [NonSerialized]
    private bool _exactlyOnce;
    [NonSerialized]
    private bool _failedSinceCheckpoint;

    public IRichBolt Bolt => _bolt;

    public override void Cleanup() => _bolt.Cleanup();

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        _bolt.DeclareOutputFields(declarer);
        DeclareCheckpointStream(declarer);
    }

    public override IDictionary<string, object?>? GetComponentConfiguration() => _bolt.GetComponentConfiguration();

    protected override void PrepareParticipant(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _exactlyOnce = FedOnlyByCheckpointableSpouts(context);
        _bolt.Prepare(conf, context, _exactlyOnce ? new FailNoting(collector, this) : collector);
    }

    protected override void HandleTuple(ITuple input)
    {
        try
        {
            _bolt.Execute(input);
        }
        catch (Exception)
        {
            _failedSinceCheckpoint = _exactlyOnce;
            throw;
        }
    }

    protected override bool HandleCheckpoint(string action, long txid)
    {
        switch (action)
        {
            case CheckpointAction.Prepare:
                return !_failedSinceCheckpoint;
            case CheckpointAction.Rollback or CheckpointAction.InitState:
                _failedSinceCheckpoint = false;
                return true;
            default:
                return true;
        }
    }

    /// <summary>Notes the bolt's fails; everything else goes straight through.</summary>
    private sealed class FailNoting(IOutputCollector inner, CheckpointTupleForwarder owner) : IOutputCollector
    {
        public IReadOnlyList<int> Emit(string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) => inner.Emit(streamId, anchors, tuple);

        public IReadOnlyList<int> Emit(string streamId, ITuple? anchor, IReadOnlyList<object?> tuple) => inner.Emit(streamId, anchor, tuple);

        public IReadOnlyList<int> Emit(IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) => inner.Emit(anchors, tuple);

        public IReadOnlyList<int> Emit(ITuple? anchor, IReadOnlyList<object?> tuple) => inner.Emit(anchor, tuple);

        public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple) => inner.Emit(tuple);

        public void EmitDirect(int taskId, string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) => inner.EmitDirect(taskId, streamId, anchors, tuple);

        public void EmitDirect(int taskId, string streamId, ITuple? anchor, IReadOnlyList<object?> tuple) => inner.EmitDirect(taskId, streamId, anchor, tuple);

        public void EmitDirect(int taskId, ITuple? anchor, IReadOnlyList<object?> tuple) => inner.EmitDirect(taskId, anchor, tuple);

        public void Ack(ITuple input) => inner.Ack(input);

        public void Fail(ITuple input)
        {
            owner._failedSinceCheckpoint = true;
            inner.Fail(input);
        }

        public void ResetTimeout(ITuple input) => inner.ResetTimeout(input);

        public void ReportError(Exception error) => inner.ReportError(error);
    }
}

/// <summary>Runs a basic bolt as a rich one, as the engine does (ack after Execute, emits anchored to the input), so that it can be wrapped.</summary>
internal sealed class BasicBoltAdapter(IBasicBolt bolt) : IRichBolt
{
    private readonly IBasicBolt _bolt = bolt;
    [NonSerialized]
    private Collector? _collector;

    public void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = new Collector(collector);
        _bolt.Prepare(conf, context);
    }

    public void Execute(ITuple input)
    {
        var c = _collector!;
        c.Current = input;
        try
        {
            _bolt.Execute(input, c);
            c.Inner.Ack(input);
        }
        catch (ReportedFailedException e)
        {
            c.Inner.ReportError(e);
            c.Inner.Fail(input);
        }
        catch (FailedException)
        {
            c.Inner.Fail(input);
        }
        finally
        {
            c.Current = null;
        }
    }

    public void Cleanup() => _bolt.Cleanup();

    public void DeclareOutputFields(IOutputFieldsDeclarer declarer) => _bolt.DeclareOutputFields(declarer);

    public IDictionary<string, object?>? GetComponentConfiguration() => _bolt.GetComponentConfiguration();

    private sealed class Collector(IOutputCollector inner) : IBasicOutputCollector
    {
        public IOutputCollector Inner => inner;

        public ITuple? Current { get; set; }

        public IReadOnlyList<int> Emit(string streamId, IReadOnlyList<object?> tuple) => inner.Emit(streamId, Current, tuple);

        public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple) => inner.Emit(Utils.DefaultStreamId, Current, tuple);

        public void EmitDirect(int taskId, string streamId, IReadOnlyList<object?> tuple) => inner.EmitDirect(taskId, streamId, Current, tuple);

        public void ResetTimeout(ITuple input) => inner.ResetTimeout(input);

        public void ReportError(Exception error) => inner.ReportError(error);
    }
}
