using System.Globalization;
using System.Text.Json;
using StormSharp.Topology.State;

namespace StormSharp.Topology.Windowing;

/// <summary>
/// Runs an <see cref="IStatefulWindowedBolt{TState}"/> as a stateful bolt, inside <see cref="StatefulBoltExecutor"/>
/// (which owns the bolt's state, the checkpoint steps and the holding of acks until a commit): Storm's
/// StatefulWindowedBoltExecutor, and its PersistentWindowedBoltExecutor when the bolt is persistent.
/// </summary>
/// <remarks>
/// A persistent bolt's windows are kept in their own store (namespace component-task-window), prepared, committed
/// and rolled back in step with the bolt's state: one entry per tuple still referenced (<c>t/</c> and its sequence
/// number: the tuple in the worker's wire encoding, base64), written once, deleted once no window can use it; and one
/// entry (<c>windows</c>) with the windows' events and counters, rewritten at every checkpoint. Without persistence,
/// a rollback or a recovery empties the windows and fails what they held, so that the spouts replay it.
/// </remarks>
internal sealed class StatefulWindowedBoltExecutor<TState> : IStatefulBolt<TState>, IStatefulWindowedBoltExecutor
    where TState : IState
{
    private const string WindowsKey = "windows";
    private const string TuplePrefix = "t/";

    private readonly IStatefulWindowedBolt<TState> _bolt;
    private readonly WindowedBoltExecutor _windows;
    private readonly bool _persistent;
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private IStateStore? _store;
    [NonSerialized]
    private ITupleCodec? _codec;
    [NonSerialized]
    private int _task;
    [NonSerialized]
    private HashSet<long>? _committedSeqs;
    [NonSerialized]
    private HashSet<long>? _preparedSeqs;

    public StatefulWindowedBoltExecutor(IStatefulWindowedBolt<TState> bolt)
    {
        _bolt = bolt;
        _persistent = bolt.IsPersistent;
        _windows = new WindowedBoltExecutor(bolt, _persistent);
    }

    public IStatefulWindowedBolt<TState> Bolt => _bolt;

    public bool IsPersistent => _persistent;

    public long HeldTuples => _windows.Held;

    public void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _task = context.ThisTaskId;
        if (_persistent)
        {
            _codec = context.TupleCodec
                ?? throw new InvalidOperationException($"component '{context.ThisComponentId}': a persistent window needs the worker's tuple encoding, which this context does not have");
            _store = StateFactory.Open(conf, context.ThisComponentId + "-" + context.ThisTaskId.ToString(CultureInfo.InvariantCulture) + "-window", _bolt.GetType());
            _committedSeqs = [];
        }

        _windows.Prepare(conf, context, collector);
    }

    public void Execute(ITuple input) => _windows.Execute(input);

    public void Cleanup()
    {
        _windows.Cleanup();
        _store?.Dispose();
    }

    public void DeclareOutputFields(IOutputFieldsDeclarer declarer) => _windows.DeclareOutputFields(declarer);

    public IDictionary<string, object?>? GetComponentConfiguration() => _windows.GetComponentConfiguration();

    public void InitState(TState state)
    {
        // The windows as of the last committed checkpoint, like the state handed over with them.
        ResetWindows();
        _bolt.InitState(state);
    }

    public void PrePrepare(long txid)
    {
        _bolt.PrePrepare(txid);
        if (!_persistent)
        {
            return;
        }

        var tuples = new List<(long Seq, ITuple Tuple)>();
        var snapshot = _windows.Snapshot(tuples);
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var current = new HashSet<long>(tuples.Count);
        foreach (var (seq, tuple) in tuples)
        {
            current.Add(seq);
            if (!_committedSeqs!.Contains(seq))
            {
                changes[TupleKey(seq)] = Convert.ToBase64String(_codec!.Encode(tuple));
            }
        }

        foreach (var seq in _committedSeqs!)
        {
            if (!current.Contains(seq))
            {
                changes[TupleKey(seq)] = null;
            }
        }

        changes[WindowsKey] = JsonSerializer.Serialize(snapshot);
        _store!.Prepare(txid, changes);
        _preparedSeqs = current;
    }

    public void PreCommit(long txid)
    {
        _bolt.PreCommit(txid);
        if (!_persistent)
        {
            return;
        }

        // Also during a recovery, before InitState: the store still has the prepared set of the earlier run.
        _store!.Commit(txid);
        if (_preparedSeqs is not null)
        {
            _committedSeqs = _preparedSeqs;
            _preparedSeqs = null;
        }
    }

    public void PreRollback()
    {
        _bolt.PreRollback();
        ResetWindows();
    }

    private void ResetWindows()
    {
        if (!_persistent)
        {
            foreach (var t in _windows.Clear())
            {
                _collector!.Fail(t);
            }

            return;
        }

        _store!.Rollback();
        _preparedSeqs = null;
        var committed = _store.Load().Committed;
        _committedSeqs = [];
        foreach (var key in committed.Keys)
        {
            if (key.StartsWith(TuplePrefix, StringComparison.Ordinal))
            {
                _committedSeqs.Add(long.Parse(key.AsSpan(TuplePrefix.Length), NumberStyles.Integer, CultureInfo.InvariantCulture));
            }
        }

        var snapshot = committed.TryGetValue(WindowsKey, out var json) ? JsonSerializer.Deserialize<WindowSnapshot>(json) : null;
        _windows.Restore(snapshot, seq =>
        {
            if (!committed.TryGetValue(TupleKey(seq), out var encoded))
            {
                throw new InvalidDataException($"the checkpointed windows of task {_task} refer to tuple {seq}, which the checkpoint does not hold");
            }

            return _codec!.Decode(Convert.FromBase64String(encoded), _task);
        });
    }

    private static string TupleKey(long seq) => TuplePrefix + seq.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Finds and wraps stateful windowed bolts, whose state type is known only at run time.</summary>
internal static class StatefulWindowedBolts
{
    /// <summary>The IStatefulWindowedBolt&lt;TState&gt; state type <paramref name="bolt"/> implements, or null when it is not one.</summary>
    public static Type? StateTypeOf(IWindowedBolt bolt)
    {
        foreach (var i in bolt.GetType().GetInterfaces())
        {
            if (i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStatefulWindowedBolt<>))
            {
                return i.GetGenericArguments()[0];
            }
        }

        return null;
    }

    /// <summary>The stateful bolt that runs <paramref name="bolt"/>, whose state is <paramref name="stateType"/>.</summary>
    public static IRichBolt Wrap(IWindowedBolt bolt, Type stateType) =>
        (IRichBolt)Activator.CreateInstance(typeof(StatefulWindowedBoltExecutor<>).MakeGenericType(stateType), bolt)!;

    /// <summary>Whether <paramref name="component"/> (as the builder holds it) runs a stateful windowed bolt without persistence.</summary>
    public static bool IsVolatile(IComponent component) =>
        component is StatefulBoltExecutor { Bolt: IStatefulWindowedBoltExecutor { IsPersistent: false } };
}

/// <summary>What the builder and the stats need of a <see cref="StatefulWindowedBoltExecutor{TState}"/>, whatever its state type.</summary>
internal interface IStatefulWindowedBoltExecutor : IHeldTuplesGauge
{
    bool IsPersistent { get; }
}
