using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace StormSharp.Topology.State;

/// <summary>
/// Runs an <see cref="ICheckpointableSpout"/> in a topology with checkpoints: it emits nothing until the checkpoint
/// spout's INITSTATE, which rewinds it to its position in that checkpoint; at each PREPARE it records its position
/// under the checkpoint's txid, before anything emitted after it. Each step goes downstream as a checkpoint tuple in
/// line with the data, so the bolts can align on it. The steps are read from the checkpoint spout's published
/// requests (spouts receive no tuples), polled every few milliseconds. It tells the spout when a position it recorded
/// is covered by a committed checkpoint: at INITSTATE (the position it rewinds to) and at the PREPARE that follows a
/// commit (the position recorded at the PREPARE before).
/// </summary>
internal sealed class CheckpointingSpout(ICheckpointableSpout spout) : IRichSpout, ISpoutHousekeeping
{
    private const string PositionPrefix = "tx/";
    private static readonly long PollTicks = Stopwatch.Frequency / 200;

    private readonly ICheckpointableSpout _spout = spout;
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    [NonSerialized]
    private IStateStore? _positions;
    [NonSerialized]
    private IStateStore? _requests;
    [NonSerialized]
    private long _seenSeq;
    [NonSerialized]
    private long _nextPoll;
    [NonSerialized]
    private bool _initialized;
    [NonSerialized]
    private bool _failedSinceInit;
    [NonSerialized]
    private (long Txid, string? Position)? _recorded;

    public ICheckpointableSpout Spout => _spout;

    public void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _positions = StateFactory.Open(conf, context.ThisComponentId + "-" + context.ThisTaskId.ToString(CultureInfo.InvariantCulture), _spout.GetType());
        _requests = StateFactory.Open(conf, CheckpointSpout.Namespace(context), _spout.GetType());

        // A request of this run may have been published before this task opened (the checkpoint spout's first
        // INITSTATE, say): it is taken. One left by an earlier run of the topology is not: the next one is awaited.
        var current = ReadRequest();
        _seenSeq = current is { } r ? (r.StormId == context.StormId ? r.Seq - 1 : r.Seq) : 0;
        _spout.Open(conf, context, collector);
    }

    public void NextTuple()
    {
        var now = Stopwatch.GetTimestamp();
        if (now >= _nextPoll)
        {
            _nextPoll = now + PollTicks;
            Poll();
        }

        if (_initialized)
        {
            _spout.NextTuple();
        }
    }

    public void Housekeeping()
    {
        _nextPoll = Stopwatch.GetTimestamp() + PollTicks;
        Poll();
    }

    public void Ack(object msgId) => _spout.Ack(msgId);

    public void Fail(object msgId)
    {
        // Not replayed one by one: this spout stops taking part in checkpoints, so the one under way times out and
        // fails, and the recovery that follows rewinds every checkpointable spout to the last committed position.
        _failedSinceInit = true;
    }

    public void Activate() => _spout.Activate();

    public void Deactivate() => _spout.Deactivate();

    public void Close()
    {
        _spout.Close();
        _positions?.Dispose();
        _requests?.Dispose();
    }

    public void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        _spout.DeclareOutputFields(declarer);
        SystemStreams.Declare(declarer, Utils.CheckpointStreamId, new Fields(CheckpointSpout.TxidField, CheckpointSpout.ActionField));
    }

    public IDictionary<string, object?>? GetComponentConfiguration() => _spout.GetComponentConfiguration();

    private CheckpointSpout.Request? ReadRequest() =>
        _requests!.Load().Committed.TryGetValue(CheckpointSpout.RequestKey, out var r) ? CheckpointSpout.Request.Parse(r) : null;

    private void Poll()
    {
        if (ReadRequest() is not { } request || request.Seq <= _seenSeq)
        {
            return;
        }

        _seenSeq = request.Seq;
        switch (request.Action)
        {
            case CheckpointAction.Prepare when _initialized && !_failedSinceInit:
                // The checkpoint spout starts PREPARE of a txid only once the one before it has committed (or, at txid 0,
                // when none has), so the position recorded under the previous txid is now covered by committed state.
                if (_recorded is { Position: not null } previous && previous.Txid == request.Txid - 1)
                {
                    _spout.CheckpointCommitted(previous.Position);
                }

                var position = _spout.GetPosition();
                _positions!.CommitNow(new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    [Key(request.Txid)] = JsonSerializer.Serialize(position),
                    [Key(request.Txid - 8)] = null, // positions of checkpoints long committed are not needed again
                });
                _recorded = (request.Txid, position);
                break;
            case CheckpointAction.InitState:
                // INITSTATE carries the last committed txid: its position is both where to go back to and committed.
                var committed = _positions!.Load().Committed;
                var restored = committed.TryGetValue(Key(request.Txid), out var p) ? JsonSerializer.Deserialize<string?>(p) : null;
                _spout.Seek(restored);
                _recorded = (request.Txid, restored);
                if (restored is not null)
                {
                    _spout.CheckpointCommitted(restored);
                }

                _initialized = true;
                _failedSinceInit = false;
                break;
            default:
                return;
        }

        _collector!.Emit(Utils.CheckpointStreamId, [request.Txid, request.Action], null);
    }

    private static string Key(long txid) => PositionPrefix + txid.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A spout the engine also calls at every housekeeping (every 20 ms), even while max spout pending holds NextTuple back.</summary>
internal interface ISpoutHousekeeping
{
    void Housekeeping();
}
