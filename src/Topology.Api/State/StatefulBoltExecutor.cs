using System.Globalization;
using System.Reflection;

namespace StormSharp.Topology.State;

/// <summary>
/// Runs an <see cref="IStatefulBolt{TState}"/> (Storm's StatefulBoltExecutor): opens its state in the provider (namespace
/// component-task), hands it over at INITSTATE (tuples before that wait), prepares, commits and rolls it back as the
/// checkpoint tuples say, and holds the bolt's acks until the checkpoint that covers them commits (fails them on
/// rollback), unless every spout upstream is checkpointable, whose rewind replays instead. A bolt that throws, or a tuple it fails, fails the next PREPARE, so that checkpoint rolls back rather
/// than committing state that misses the tuple.
/// </summary>
internal sealed class StatefulBoltExecutor : CheckpointParticipant
{
    private readonly IRichBolt _bolt;
    private readonly string _stateTypeName;
    [NonSerialized]
    private IState? _state;
    [NonSerialized]
    private IStateStore? _store;
    [NonSerialized]
    private MethodInfo? _initState;
    [NonSerialized]
    private bool _initialized;
    [NonSerialized]
    private bool _failedSinceCheckpoint;
    [NonSerialized]
    private List<ITuple>? _pending;
    [NonSerialized]
    private List<ITuple>? _prepared;
    [NonSerialized]
    private AckHoldingCollector? _collector;
    [NonSerialized]
    private bool _holdAcks;

    public StatefulBoltExecutor(IRichBolt bolt, Type stateType)
    {
        _bolt = bolt;
        _stateTypeName = stateType.AssemblyQualifiedName!;
    }

    public IRichBolt Bolt => _bolt;

    /// <summary>The IStatefulBolt&lt;TState&gt; state type <paramref name="bolt"/> implements, or null when it is not stateful.</summary>
    public static Type? StateTypeOf(object bolt)
    {
        foreach (var i in bolt.GetType().GetInterfaces())
        {
            if (i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStatefulBolt<>))
            {
                return i.GetGenericArguments()[0];
            }
        }

        return null;
    }

    public override void Cleanup()
    {
        _bolt.Cleanup();
        _store?.Dispose();
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        _bolt.DeclareOutputFields(declarer);
        DeclareCheckpointStream(declarer);
    }

    public override IDictionary<string, object?>? GetComponentConfiguration() => _bolt.GetComponentConfiguration();

    protected override void PrepareParticipant(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        var stateType = StateTypeOf(_bolt) ?? throw new InvalidOperationException($"{_bolt.GetType().Name} does not implement IStatefulBolt<TState>");
        if (stateType.AssemblyQualifiedName != _stateTypeName && stateType.FullName != Type.GetType(_stateTypeName)?.FullName)
        {
            throw new InvalidOperationException($"{_bolt.GetType().Name} keeps {stateType.Name}, not the state it was declared with");
        }

        _store = StateFactory.Open(conf, context.ThisComponentId + "-" + context.ThisTaskId.ToString(CultureInfo.InvariantCulture), _bolt.GetType());
        _state = StateFactory.Create(stateType, _store);
        _initState = typeof(IStatefulBolt<>).MakeGenericType(stateType).GetMethod(nameof(IStatefulBolt<IState>.InitState))!;
        _pending = [];
        _prepared = [];
        _holdAcks = !FedOnlyByCheckpointableSpouts(context);
        _collector = new AckHoldingCollector(collector, this, _holdAcks);
        _bolt.Prepare(conf, context, _collector);
    }

    protected override void HandleTuple(ITuple input)
    {
        if (!_initialized)
        {
            _pending!.Add(input);
            return;
        }

        try
        {
            _bolt.Execute(input);
        }
        catch (Exception)
        {
            _failedSinceCheckpoint = true;
            throw;
        }
    }

    protected override bool HandleCheckpoint(string action, long txid)
    {
        switch (action)
        {
            case CheckpointAction.Prepare:
                if (!_initialized || _failedSinceCheckpoint)
                {
                    return false;
                }

                Hook("PrePrepare", txid);
                _state!.PrepareCommit(txid);
                _prepared!.AddRange(_collector!.TakeAcked());
                return true;
            case CheckpointAction.Commit:
                Hook("PreCommit", txid);
                _state!.Commit(txid);
                foreach (var t in _prepared!)
                {
                    Collector.Ack(t);
                }

                _prepared.Clear();
                return true;
            case CheckpointAction.Rollback:
                Hook("PreRollback", null);
                _state!.Rollback();
                FailHeld();
                _failedSinceCheckpoint = false;
                return true;
            case CheckpointAction.InitState:
                // The state as of the last committed checkpoint, whatever happened since (a rollback, a restart).
                FailHeld();
                _state!.Rollback();
                ((IReloadableState)_state).Reload();
                _initState!.Invoke(_bolt, [_state]);
                _failedSinceCheckpoint = false; // after InitState, which may fail what a rolled-back window held
                _initialized = true;
                var pending = _pending!.ToArray();
                _pending.Clear();
                foreach (var t in pending)
                {
                    HandleTuple(t);
                }

                return true;
            default:
                return true;
        }
    }

    internal void TupleFailed() => _failedSinceCheckpoint = true;

    private void FailHeld()
    {
        foreach (var t in _prepared!)
        {
            Collector.Fail(t);
        }

        _prepared.Clear();
        foreach (var t in _collector!.TakeAcked())
        {
            Collector.Fail(t);
        }
    }

    private void Hook(string name, long? txid)
    {
        var stateType = StateTypeOf(_bolt)!;
        var method = typeof(IStatefulBolt<>).MakeGenericType(stateType).GetMethod(name)!;
        method.Invoke(_bolt, txid is null ? [] : [txid.Value]);
    }

    /// <summary>Passes emits through and keeps the bolt's acks until the checkpoint covering them commits.</summary>
    private sealed class AckHoldingCollector(IOutputCollector inner, StatefulBoltExecutor owner, bool hold) : IOutputCollector
    {
        private List<ITuple> _acked = [];

        public List<ITuple> TakeAcked()
        {
            var taken = _acked;
            _acked = [];
            return taken;
        }

        public IReadOnlyList<int> Emit(string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) => inner.Emit(streamId, anchors, tuple);

        public IReadOnlyList<int> Emit(string streamId, ITuple? anchor, IReadOnlyList<object?> tuple) => inner.Emit(streamId, anchor, tuple);

        public IReadOnlyList<int> Emit(IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) => inner.Emit(anchors, tuple);

        public IReadOnlyList<int> Emit(ITuple? anchor, IReadOnlyList<object?> tuple) => inner.Emit(anchor, tuple);

        public IReadOnlyList<int> Emit(IReadOnlyList<object?> tuple) => inner.Emit(tuple);

        public void EmitDirect(int taskId, string streamId, IEnumerable<ITuple>? anchors, IReadOnlyList<object?> tuple) => inner.EmitDirect(taskId, streamId, anchors, tuple);

        public void EmitDirect(int taskId, string streamId, ITuple? anchor, IReadOnlyList<object?> tuple) => inner.EmitDirect(taskId, streamId, anchor, tuple);

        public void EmitDirect(int taskId, ITuple? anchor, IReadOnlyList<object?> tuple) => inner.EmitDirect(taskId, anchor, tuple);

        public void Ack(ITuple input)
        {
            if (hold)
            {
                _acked.Add(input);
            }
            else
            {
                inner.Ack(input);
            }
        }

        public void Fail(ITuple input)
        {
            owner.TupleFailed();
            inner.Fail(input);
        }

        public void ResetTimeout(ITuple input) => inner.ResetTimeout(input);

        public void ReportError(Exception error) => inner.ReportError(error);
    }
}
