using System.Diagnostics;
using System.Globalization;

namespace StormSharp.Topology.State;

/// <summary>
/// Drives checkpoints (Storm's <c>CheckpointSpout</c>): every <c>topology.state.checkpoint.interval.ms</c> it emits
/// PREPARE then COMMIT on the checkpoint stream, each the next step only once the previous tuple's tree is acked by
/// every bolt; a failed step makes it recover: ROLLBACK of a prepared checkpoint, or COMMIT again of one being
/// committed, then INITSTATE with the last committed one. Its progress is kept in the state provider, so a restart
/// recovers. It also publishes each step as a request that checkpointable spouts poll, so they record their
/// positions at PREPARE and rewind at INITSTATE.
/// </summary>
internal sealed class CheckpointSpout : BaseRichSpout
{
    public const string StateKey = "__state";
    public const string RequestKey = "__request";
    public const string TxidField = "txid";
    public const string ActionField = "action";

    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    [NonSerialized]
    private IStateStore? _store;
    [NonSerialized]
    private CheckPointState _current;
    [NonSerialized]
    private long _intervalTicks;
    [NonSerialized]
    private long _lastCheckpoint;
    [NonSerialized]
    private bool _recovering;
    [NonSerialized]
    private bool _inProgress;
    [NonSerialized]
    private long _requestSeq;
    [NonSerialized]
    private string? _stormId;

    /// <summary>The namespace of the checkpoint spout's own state, which checkpointable spouts also read.</summary>
    public static string Namespace(TopologyContext context) =>
        Utils.CheckpointComponentId + "-" + context.GetComponentTasks(Utils.CheckpointComponentId)[0].ToString(CultureInfo.InvariantCulture);

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _stormId = context.StormId;
        var interval = Math.Max(100, Windowing.WindowSettings.Int(conf, Config.TopologyStateCheckpointIntervalMs) ?? 1000);
        _intervalTicks = interval * Stopwatch.Frequency / 1000;
        _store = StateFactory.Open(conf, Namespace(context), typeof(CheckpointSpout));
        var stored = _store.Load().Committed;
        _current = stored.TryGetValue(StateKey, out var s) ? CheckPointState.Parse(s) : new CheckPointState(-1, CheckPointState.Phase.Committed);
        _requestSeq = stored.TryGetValue(RequestKey, out var r) ? Request.Parse(r).Seq : 0;
        _store.CommitNow(new Dictionary<string, string?> { [StateKey] = _current.ToString() });
        _recovering = true;
        _inProgress = false;
    }

    public override void NextTuple()
    {
        if (_inProgress)
        {
            return;
        }

        if (_recovering)
        {
            Emit(_current.Txid, _current.NextAction(recovering: true));
            _inProgress = true;
        }
        else if (_current.State != CheckPointState.Phase.Committed || Stopwatch.GetTimestamp() - _lastCheckpoint > _intervalTicks)
        {
            if (_current.State == CheckPointState.Phase.Committed)
            {
                Save(_current.Next(recovering: false));
                _lastCheckpoint = Stopwatch.GetTimestamp();
            }

            Emit(_current.Txid, _current.NextAction(recovering: false));
            _inProgress = true;
        }
    }

    public override void Ack(object msgId)
    {
        if (msgId is long txid && txid == _current.Txid)
        {
            var next = _current.Next(_recovering);
            if (_recovering && next == _current)
            {
                _recovering = false; // INITSTATE went through: recovery is over
            }
            else
            {
                Save(next);
            }
        }

        _inProgress = false;
    }

    public override void Fail(object msgId)
    {
        _recovering = true;
        _inProgress = false;
    }

    public override void Close() => _store?.Dispose();

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) =>
        SystemStreams.Declare(declarer, Utils.CheckpointStreamId, new Fields(TxidField, ActionField));

    private void Save(CheckPointState next)
    {
        _store!.CommitNow(new Dictionary<string, string?> { [StateKey] = next.ToString() });
        _current = next;
    }

    private void Emit(long txid, string action)
    {
        // Published before the tuple leaves, so a checkpointable spout has seen it by the time a bolt waits for it.
        var request = new Request(++_requestSeq, txid, action, _stormId!);
        _store!.CommitNow(new Dictionary<string, string?> { [RequestKey] = request.ToString() });
        _collector!.Emit(Utils.CheckpointStreamId, [txid, action], txid);
    }

    /// <summary>
    /// A step of the protocol as published for checkpointable spouts: a sequence number, the txid, the action, and the
    /// id of the running topology that published it (a request left by an earlier run of the topology is not for it).
    /// </summary>
    internal readonly record struct Request(long Seq, long Txid, string Action, string StormId)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Seq}:{Txid}:{Action}:{StormId}");

        public static Request Parse(string s)
        {
            var parts = s.Split(':', 4);
            return new(long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), parts[2], parts.Length > 3 ? parts[3] : string.Empty);
        }
    }
}

/// <summary>Lets the engine's own wrappers declare streams with reserved ids, which user components may not.</summary>
internal interface ISystemStreamDeclarer
{
    void DeclareSystemStream(string streamId, Fields fields);
}

internal static class SystemStreams
{
    public static void Declare(IOutputFieldsDeclarer declarer, string streamId, Fields fields)
    {
        if (declarer is ISystemStreamDeclarer system)
        {
            system.DeclareSystemStream(streamId, fields);
        }
        else
        {
            declarer.DeclareStream(streamId, fields);
        }
    }
}
