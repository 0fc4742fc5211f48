using System.Collections.Concurrent;
using System.Text.Json;
using StormSharp.Topology;
using StormSharp.Topology.State;

namespace StormSharp.Runtime.Tests.State;

/// <summary>What the state tests' components saw, per test key.</summary>
internal static class StateBoard
{
    private static readonly ConcurrentDictionary<string, Log> Logs = new();

    public static Log Of(string key) => Logs.GetOrAdd(key, _ => new Log());

    public static void Forget(string key) => Logs.TryRemove(key, out _);

    internal sealed class Log
    {
        public ConcurrentQueue<string> Events { get; } = new();

        public ConcurrentDictionary<string, HashSet<int>> Tasks { get; } = new();

        public ConcurrentDictionary<long, int> Acked { get; } = new();

        /// <summary>A queue of sentence indexes standing for a source that cannot replay from a position.</summary>
        public ConcurrentQueue<int> Queue { get; } = new();

        public ConcurrentDictionary<int, bool> InFlight { get; } = new();

        /// <summary>
        /// Each position a checkpointable spout was told is committed, with the position its task had in the checkpoint
        /// the checkpoint spout had last committed at that moment.
        /// </summary>
        public ConcurrentQueue<(int Task, int Position, int CommittedThen)> CommittedPositions { get; } = new();

        public long Emitted;

        public int FailPrepareAt = -1;

        public int FailSentence = -1;

        public void Task(string component, int task)
        {
            var set = Tasks.GetOrAdd(component, _ => []);
            lock (set)
            {
                set.Add(task);
            }
        }
    }

    /// <summary>The committed counts of every task of <paramref name="component"/> in the in-memory provider.</summary>
    public static Dictionary<string, long> CommittedCounts(string topology, string component, IEnumerable<int> tasks)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            using var store = new InMemoryStateProvider().Open(topology, component + "-" + task, new Dictionary<string, object?>());
            foreach (var kv in store.Load().Committed)
            {
                counts[JsonSerializer.Deserialize<string>(kv.Key)!] = JsonSerializer.Deserialize<long>(kv.Value);
            }
        }

        return counts;
    }

    public static string Sentence(int i) => $"w{i % 7} w{i % 13} w{i % 3}";
}

/// <summary>A source that can be rewound: sentence i of <c>count</c>, for the tasks' share (i modulo tasks), position = next index.</summary>
internal sealed class ReplayableSentenceSpout(string key, int count, int pauseMs = 0) : BaseRichSpout, ICheckpointableSpout
{
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    [NonSerialized]
    private int _next;
    [NonSerialized]
    private int _step;
    [NonSerialized]
    private int _first;
    [NonSerialized]
    private IReadOnlyDictionary<string, object?>? _conf;
    [NonSerialized]
    private TopologyContext? _context;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _conf = conf;
        _context = context;
        _step = context.GetComponentTasks(context.ThisComponentId).Count;
        _next = _first = context.ThisTaskIndex;
        StateBoard.Of(key).Task(context.ThisComponentId, context.ThisTaskId);
    }

    public override void NextTuple()
    {
        if (_next >= count)
        {
            return;
        }

        _collector!.Emit([StateBoard.Sentence(_next)], (long)_next);
        Interlocked.Increment(ref StateBoard.Of(key).Emitted);
        _next += _step;
        if (pauseMs > 0)
        {
            Thread.Sleep(pauseMs);
        }
    }

    public string? GetPosition() => _next.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Seek(string? position) =>
        _next = position is null ? _first : int.Parse(position, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Notes the position with the one the in-memory provider holds for this task at the checkpoint committed now.</summary>
    public void CheckpointCommitted(string? position)
    {
        var topology = (string)_conf![Config.TopologyName]!;
        var checkpointTask = _context!.GetComponentTasks(Utils.CheckpointComponentId)[0];
        var committedThen = -1;
        using (var spoutState = new InMemoryStateProvider().Open(topology, Utils.CheckpointComponentId + "-" + checkpointTask, _conf))
        using (var positions = new InMemoryStateProvider().Open(topology, _context.ThisComponentId + "-" + _context.ThisTaskId, _conf))
        {
            if (spoutState.Load().Committed.TryGetValue("__state", out var s))
            {
                var parts = s.Split(':');
                var txid = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) - (parts[1] == "Committed" ? 0 : 1);
                if (positions.Load().Committed.TryGetValue("tx/" + txid, out var p) && JsonSerializer.Deserialize<string?>(p) is { } at)
                {
                    committedThen = int.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        StateBoard.Of(key).CommittedPositions.Enqueue((_context.ThisTaskId, int.Parse(position!, System.Globalization.CultureInfo.InvariantCulture), committedThen));
    }

    public override void Ack(object msgId) => StateBoard.Of(key).Acked.AddOrUpdate((long)msgId, 1, (_, n) => n + 1);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));
}

/// <summary>A sentence source that could report positions but says it takes no part in checkpoints (as an at-most-once Kafka spout does).</summary>
internal sealed class OptedOutSentenceSpout : BaseRichSpout, ICheckpointableSpout
{
    public bool IsCheckpointable => false;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
    }

    public override void NextTuple()
    {
    }

    public string? GetPosition() => throw new InvalidOperationException("not checkpointed");

    public void Seek(string? position) => throw new InvalidOperationException("not checkpointed");

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));
}

/// <summary>
/// A source that cannot rewind (a queue on the board): it takes sentences off the queue, drops them when acked, puts
/// them back when failed; tuples in flight when the topology dies go back on the queue when it opens again, as a
/// broker redelivers unacknowledged messages.
/// </summary>
internal sealed class QueueSentenceSpout(string key) : BaseRichSpout
{
    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        var log = StateBoard.Of(key);
        foreach (var i in log.InFlight.Keys.ToArray())
        {
            if (log.InFlight.TryRemove(i, out _))
            {
                log.Queue.Enqueue(i);
            }
        }
    }

    public override void NextTuple()
    {
        var log = StateBoard.Of(key);
        if (log.Queue.TryDequeue(out var i))
        {
            log.InFlight[i] = true;
            _collector!.Emit([StateBoard.Sentence(i)], (long)i);
            Interlocked.Increment(ref log.Emitted);
        }
    }

    public override void Ack(object msgId)
    {
        var log = StateBoard.Of(key);
        log.InFlight.TryRemove((int)(long)msgId, out _);
        log.Acked.AddOrUpdate((long)msgId, 1, (_, n) => n + 1);
    }

    public override void Fail(object msgId)
    {
        var log = StateBoard.Of(key);
        if (log.InFlight.TryRemove((int)(long)msgId, out _))
        {
            log.Queue.Enqueue((int)(long)msgId);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));
}

internal sealed class SplitBolt(string? key = null) : BaseBasicBolt
{
    public override void Execute(ITuple input, IBasicOutputCollector collector)
    {
        // When the board says so, one sentence fails once (its tree fails and its spout is told).
        if (key is not null && input.GetString(0) == StateBoard.Sentence(StateBoard.Of(key).FailSentence)
            && Interlocked.Exchange(ref StateBoard.Of(key).FailSentence, -1) >= 0)
        {
            throw new FailedException("this sentence fails once, on purpose");
        }

        foreach (var w in input.GetString(0)!.Split(' '))
        {
            collector.Emit([w]);
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word"));
}

/// <summary>Counts words in its state; logs its protocol steps; fails PREPARE of txid <c>FailPrepareAt</c> once, when asked.</summary>
internal sealed class StatefulCountBolt(string key) : BaseStatefulBolt<KeyValueState<string, long>>
{
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private KeyValueState<string, long>? _state;
    [NonSerialized]
    private string? _name;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _name = context.ThisComponentId;
        StateBoard.Of(key).Task(context.ThisComponentId, context.ThisTaskId);
    }

    public override void InitState(KeyValueState<string, long> state)
    {
        _state = state;
        StateBoard.Of(key).Events.Enqueue($"{_name} init");
    }

    public override void PrePrepare(long txid)
    {
        var log = StateBoard.Of(key);
        if (txid == log.FailPrepareAt && _name == "fails" && Interlocked.Exchange(ref log.FailPrepareAt, -1) == txid)
        {
            log.Events.Enqueue($"{_name} prepare-failed {txid}");
            throw new InvalidOperationException($"prepare of checkpoint {txid} fails on purpose");
        }

        log.Events.Enqueue($"{_name} prepare {txid}");
    }

    public override void PreCommit(long txid) => StateBoard.Of(key).Events.Enqueue($"{_name} commit {txid}");

    public override void PreRollback() => StateBoard.Of(key).Events.Enqueue($"{_name} rollback");

    public override void Execute(ITuple input)
    {
        var word = input.GetString(0)!;
        _state!.Put(word, _state.Get(word, 0) + 1);
        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
